"""Installation script for botorch-roma."""

from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).parent

# torch is a lower bound only: bring your own build (CPU or CUDA). On a CPU-only
# machine, install ``torch`` first from the CPU wheel index (see README.md).
INSTALL_REQUIRES = [
    "torch>=2.1",
    "botorch>=0.18,<0.19",
    "gpytorch>=1.14",
    "numpy>=1.26",
    "pandas>=2.0",
    "tqdm>=4.60",
    "click>=8.1",
]

EXTRAS = {
    # Ax integration and the `design` command (tabulate: Ax's diagnostics).
    "ax": ["ax-platform>=1.3,<1.4", "pyyaml>=6.0", "tabulate>=0.9"],
    # Parquet tables for `botorch-roma design`. pyarrow < 21 still imports with
    # numpy 1.x, which the `bench` extra's pytorch-holo needs.
    "parquet": ["pyarrow>=14,<21"],
    # The benchmark suite's tasks and runners (pytorch-holo pins numpy < 2 and
    # pulls wandb and hydra, so it stays out of the core install).
    "bench": [
        "matplotlib>=3.7",
        "gymnasium[mujoco]>=1.0",
        "pytorch-holo>=0.0.5",
        "dask[distributed]>=2024.1",
        "cloudpickle>=2",
    ],
    # Opening and running the tutorials.
    "tutorials": [
        "jupyterlab>=4",
        "matplotlib>=3.7",
        "nbclient>=0.10",
        "nbformat>=5.9",
        "ipykernel",
    ],
    # Tests (which also execute the tutorials in smoke mode) and linting.
    "dev": [
        "pytest>=7.4",
        "hypothesis>=6.100",
        "ruff>=0.5",
        "matplotlib>=3.7",
        "nbclient>=0.10",
        "nbformat>=5.9",
        "ipykernel",
    ],
}
# Everything a user of the package needs (Ax, Parquet, the tutorials); the
# benchmark suite's heavy dependencies (`bench`: MuJoCo, pytorch-holo with its
# numpy < 2 pin, wandb and hydra, Dask) and the developer tools (`dev`) stay
# separate, so `[all]` neither pins numpy nor pulls experiment trackers.
EXTRAS["all"] = sorted(
    {req for name in ("ax", "parquet", "tutorials") for req in EXTRAS[name]}
)

setup(
    name="botorch-roma",
    version="0.1.0",
    description=(
        "RoMA (Robust Model Adaptation) for offline model-based optimization "
        "in BoTorch and Ax."
    ),
    long_description=(ROOT / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=["botorch_roma", "botorch_roma.*"]),
    install_requires=INSTALL_REQUIRES,
    extras_require=EXTRAS,
    entry_points={"console_scripts": ["botorch-roma=botorch_roma.cli:main"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "License :: OSI Approved :: MIT License",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
