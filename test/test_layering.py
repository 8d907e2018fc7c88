r"""The package's import rules, checked on the source with ``ast``.

- ``botorch_roma.cli`` sits on top: nothing else in the package imports it.
- Only ``cli`` may import both ``botorch_roma.ax`` and
  ``botorch_roma.benchmarks``.
- The core (``models``, ``generation``, ``latent``, and the top-level modules
  ``options``, ``datasets``, ``exceptions``, ``report``) imports neither
  ``ax`` (Ax glue, or the ``ax`` package itself) nor the benchmarks nor the
  CLI.
- ``ax`` (Ax glue) does not import the benchmarks or the CLI.
"""

from __future__ import annotations

import ast
import unittest
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "botorch_roma"
CORE = (
    "models",
    "generation",
    "latent",
    "options",
    "datasets",
    "exceptions",
    "report",
)


def imported_modules(path: Path, source: str | None = None) -> set[str]:
    r"""Every module a file imports (absolute names, relative ones resolved)."""
    if source is None:
        source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
                base = ".".join(parts[: len(parts) - node.level])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def area(path: Path) -> str:
    r"""The first component below the package (``models``, ``ax``, ``cli``...)."""
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def forbidden(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


class TestLayering(unittest.TestCase):
    def test_import_rules(self):
        files = sorted(PACKAGE.rglob("*.py"))
        self.assertGreater(len(files), 20)
        rules = {
            "core": (
                "ax",
                "botorch_roma.ax",
                "botorch_roma.benchmarks",
                "botorch_roma.cli",
            ),
            "ax": ("botorch_roma.benchmarks", "botorch_roma.cli"),
            "benchmarks": ("botorch_roma.cli",),
        }
        problems = []
        for path in files:
            where = area(path)
            kind = "core" if where in CORE else where
            imports = imported_modules(path)
            for module in sorted(imports):
                if forbidden(module, rules.get(kind, ())):
                    problems.append(f"{path.relative_to(PACKAGE)} imports {module}")
            if kind != "cli" and forbidden_pair(imports):
                problems.append(
                    f"{path.relative_to(PACKAGE)} imports ax and benchmarks"
                )
        self.assertEqual(problems, [])

    def test_checker_catches_a_violation(self):
        # The checker itself: a core module importing the CLI is flagged.
        source = (
            "from botorch_roma.cli.flags import roma_flags\nimport ax.core\n"
            "from ..benchmarks import runner\n"
        )
        imports = imported_modules(PACKAGE / "models" / "probe.py", source)
        self.assertIn("botorch_roma.benchmarks.runner", imports)
        self.assertTrue(forbidden("botorch_roma.cli.flags", ("botorch_roma.cli",)))
        self.assertIn("botorch_roma.cli.flags", imports)
        self.assertIn("ax.core", imports)
        self.assertFalse(forbidden("axe", ("ax",)))


def forbidden_pair(imports: set[str]) -> bool:
    r"""Whether a module imports both the Ax glue and the benchmarks."""
    uses_ax = any(forbidden(m, ("botorch_roma.ax",)) for m in imports)
    uses_bench = any(forbidden(m, ("botorch_roma.benchmarks",)) for m in imports)
    return uses_ax and uses_bench
