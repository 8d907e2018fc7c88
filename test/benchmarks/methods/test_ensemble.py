r"""Tests for botorch_roma/benchmarks/methods/ensemble.py."""

import pytest
import torch

from botorch_roma.benchmarks.methods.ensemble import (
    GradientAscentEnsembleOptions,
    MeanEnsemble,
    gradient_ascent_ensemble,
)
from botorch_roma.benchmarks.methods.gradient_ascent import (
    GradientAscentOptions,
    fit_proxies,
    fit_proxy,
    gradient_ascent,
)
from botorch_roma.exceptions import RoMAInputError
from test.benchmarks.helpers import tiny_continuous_task


def test_options_and_smoke_budget():
    defaults = GradientAscentEnsembleOptions.for_run()
    assert defaults.ensemble_size == 5
    # Everything else is grad-ascent's.
    single = GradientAscentOptions.for_run().to_dict()
    assert {k: v for k, v in defaults.to_dict().items() if k in single} == single
    smoke = GradientAscentEnsembleOptions.for_run(smoke=True)
    assert (smoke.ensemble_size, smoke.hidden_sizes, smoke.steps) == (2, (32, 32), 5)
    with pytest.raises(RoMAInputError, match="ensemble_size must be >= 1"):
        GradientAscentEnsembleOptions.for_run({"ensemble_size": 0})
    task = tiny_continuous_task()
    with pytest.raises(RoMAInputError, match="ensemble_size must be an int"):
        gradient_ascent_ensemble(task, n=4, smoke=True, ensemble_size=2.5)


def test_one_member_is_grad_ascent():
    task = tiny_continuous_task()
    X = gradient_ascent_ensemble(task, n=4, seed=3, smoke=True, ensemble_size=1)
    assert torch.equal(X, gradient_ascent(task, n=4, seed=3, smoke=True))


@pytest.mark.parametrize("dtype", [torch.float, torch.double])
def test_members_differ_and_the_ascent_climbs_their_mean(dtype):
    task = tiny_continuous_task(dtype)
    options = GradientAscentOptions.for_run({"epochs": 5}, smoke=True)
    data, models = fit_proxies(task, 0, True, options, num_models=3)
    _, first = fit_proxy(task, 0, True, options)
    ensemble = MeanEnsemble(models)
    with torch.no_grad():
        preds = torch.stack([m(data.X) for m in models])
        assert torch.equal(preds[0], first(data.X))  # one seeded stream
        assert not torch.allclose(preds[0], preds[1])
        assert torch.allclose(ensemble(data.X), preds.mean(0))
    # The same three proxies, ascended for 20 steps from the top-4 designs.
    X = gradient_ascent_ensemble(
        task, n=4, seed=0, smoke=True, epochs=5, ensemble_size=3, steps=20
    )
    starts = data.X[torch.topk(data.view.Y.squeeze(-1), 4).indices]
    with torch.no_grad():
        before = ensemble(starts).squeeze(-1)
        after = ensemble(data.input_transform(X)).squeeze(-1)
    assert after.mean() > before.mean()
