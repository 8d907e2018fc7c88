r"""Tests for botorch_roma/benchmarks/hyperparameters.py."""

from botorch_roma.benchmarks.hyperparameters import sensitivity_configs


def test_sensitivity_configs_match_figure_5():
    configs = sensitivity_configs()
    assert len(configs) == 8
    a = configs[0]
    assert (a.label, a.steps, a.alpha, a.epsilon_scale) == ("A T=300", 300, 1.0, 1.0)
    d = configs[7]
    assert (d.label, d.steps, d.alpha, d.epsilon_scale) == ("D T=500", 500, 0.1, 0.2)
    assert d.options() == {"steps": 500, "alpha": 0.1, "epsilon_scale": 0.2}
