r"""Tests for botorch_roma/benchmarks/sensitivity.py."""

from functools import partial

from botorch_roma.benchmarks.sensitivity import (
    run_sensitivity,
    sensitivity_table,
    write_sensitivity_report,
)
from botorch_roma.benchmarks.tasks import make_synthetic_task


def test_sensitivity_smoke(tmp_path):
    build = partial(make_synthetic_task, "levy", dim=2, n_total=50, seed=0)
    results = run_sensitivity(
        {"levy-2": build}, seeds=1, n=4, smoke=True, progress=False
    )
    assert len(results) == 8
    assert (results["status"] == "ok").all(), results["message"].tolist()
    options = results.set_index("method")["options"]
    assert '"epsilon_scale": 0.2' in options["B T=5"]
    assert '"steps": 3' in options["A T=3"]
    table = sensitivity_table(results)
    assert "| A | alpha0 | eps0 | 3 |" in table
    assert "| D | 0.1 alpha0 | 0.2 eps0 | 5 |" in table
    paths = write_sensitivity_report(results, tmp_path, command="cmd")
    for key in ["raw", "table", "plot", "run"]:
        assert paths[key].exists()
    assert paths["plot"].read_bytes()[:4] == b"\x89PNG"
