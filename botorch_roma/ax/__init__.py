r"""Ax integration of RoMA: purely offline batch design with Ax clients.

Typical use, with a table ``df`` of evaluated designs::

    from ax import Client, RangeParameterConfig
    from botorch_roma.ax import (
        attach_offline_data, attach_results, generate_batch,
        roma_generation_strategy,
    )

    client = Client()
    client.configure_experiment(parameters=[...])
    client.configure_optimization(objective="y")
    client.set_generation_strategy(roma_generation_strategy(seed=0))
    attach_offline_data(client, df)
    trial = generate_batch(client, n=128)
    # ... evaluate the designs, then close the loop and make the next batch:
    attach_results(client, results)   # a table with arm_name and y
    trial = generate_batch(client, n=128)

Column names Ax cannot parse (``yield``, ``yield (%)``, ``temp °C``) are
mapped to safe ones by :mod:`botorch_roma.ax.names`
(:func:`~botorch_roma.ax.names.ax_names`), which keeps the mapping on the
experiment (:func:`~botorch_roma.ax.names.stored_names`) so that
:func:`attach_offline_data` and :func:`attach_results` take tables under
their original names.

For sequence designs (choice parameters over the same values), pass
``latent=True`` (or VAE options) to :func:`roma_generation_strategy` to run
RoMA in the latent space of a categorical VAE (see
:mod:`botorch_roma.ax.latent`); every generated arm holds valid choices.

This subpackage holds Ax glue only: the models live in
:mod:`botorch_roma.models` and :mod:`botorch_roma.latent`, candidate
generation in :mod:`botorch_roma.generation`, the options in
:mod:`botorch_roma.options`.

Ax's modular BoTorch classes are alpha, so this subpackage is kept thin and
Ax is pinned to ``ax-platform>=1.3,<1.4``. ``AxClient`` works too, but it is
deprecated in Ax 1.3 and removed in Ax 1.4.

Importing this module registers RoMA with Ax (see the comments below); import
it before loading a saved experiment or generation strategy that uses RoMA.
RoMA's models and acquisitions are saved under names that carry that hint
(:data:`SAVED_NAME_HINT`), so loading without the import fails with Ax's
``Index 'RoMAModel (botorch_roma: import botorch_roma.ax before loading)' is
not registered in the reverse registry``, which names the fix; files saved
under the plain class names still load.

References:

.. [Yu2021roma]
    S. Yu, S. Ahn, L. Song, J. Shin. RoMA: Robust Model Adaptation for Offline
    Model-based Optimization. NeurIPS 2021.
"""

from typing import Any

from ax.generators.torch.botorch_modular.acquisition import Acquisition
from ax.generators.torch.botorch_modular.surrogate import submodel_input_constructor
from ax.generators.torch.botorch_modular.utils import fit_botorch_model
from ax.storage.botorch_modular_registry import (
    CLASS_TO_REGISTRY,
    CLASS_TO_REVERSE_REGISTRY,
    register_acquisition,
    register_model,
)
from ax.storage.transform_registry import register_transform
from botorch.models.model import Model

from botorch_roma.ax.acquisition import RoMAAcquisition
from botorch_roma.ax.data import attach_offline_data, validate_offline_data
from botorch_roma.ax.generation import (
    RoMAGenerationStep,
    fitted_roma_model,
    generate_batch,
    roma_generation_strategy,
)
from botorch_roma.ax.latent import (
    LATENT_TRANSFORMS,
    LatentRoMAAcquisition,
    SequenceToIds,
    latent_model_config,
    latent_model_inputs,
)
from botorch_roma.ax.names import ax_names, store_names, stored_names
from botorch_roma.ax.results import attach_results
from botorch_roma.ax.surrogate import (
    ROMA_TRANSFORMS,
    fit_roma_model,
    roma_model_config,
    roma_model_inputs,
)
from botorch_roma.latent.model import LatentRoMAModel
from botorch_roma.models.ensemble import RoMAEnsembleModel
from botorch_roma.models.roma import RoMAModel

# Registration (on import): Ax's Surrogate fits models through the
# `fit_botorch_model` dispatcher, whose fallback raises NotImplementedError.
fit_botorch_model.register(RoMAModel)(fit_roma_model)
fit_botorch_model.register(RoMAEnsembleModel)(fit_roma_model)
fit_botorch_model.register(LatentRoMAModel)(fit_roma_model)

# Registration (on import): Ax's Surrogate builds models through the
# `submodel_input_constructor` dispatcher; RoMA takes its data and options.
submodel_input_constructor.register(RoMAModel)(roma_model_inputs)
submodel_input_constructor.register(RoMAEnsembleModel)(roma_model_inputs)
submodel_input_constructor.register(LatentRoMAModel)(latent_model_inputs)

#: Appended to the names under which RoMA's models and acquisitions are saved,
#: so that Ax's error on loading them without this import names the fix.
SAVED_NAME_HINT = " (botorch_roma: import botorch_roma.ax before loading)"


def _register_for_storage(base: type, cls: type, register: Any) -> None:
    r"""Register ``cls`` under its plain name (files saved before the hint
    still load) and save it under the hinted name."""
    register(cls)
    name = cls.__name__ + SAVED_NAME_HINT
    CLASS_TO_REGISTRY[base][cls] = name
    CLASS_TO_REVERSE_REGISTRY[base][name] = cls


# Registration (on import): Ax's JSON (and SQL) storage encodes model,
# acquisition and transform classes by registered name, so saved experiments
# and generation strategies that use RoMA can be loaded in a fresh process
# after this import. Models and acquisitions are saved as e.g.
# "RoMAModel (botorch_roma: import botorch_roma.ax before loading)": without
# the import, Ax's "not registered in the reverse registry" error quotes it.
for _cls in (RoMAModel, RoMAEnsembleModel, LatentRoMAModel):
    _register_for_storage(Model, _cls, register_model)
for _cls in (RoMAAcquisition, LatentRoMAAcquisition):
    _register_for_storage(Acquisition, _cls, register_acquisition)
register_transform(SequenceToIds)

__all__ = [
    "LATENT_TRANSFORMS",
    "LatentRoMAAcquisition",
    "ROMA_TRANSFORMS",
    "RoMAAcquisition",
    "RoMAGenerationStep",
    "SAVED_NAME_HINT",
    "SequenceToIds",
    "attach_offline_data",
    "attach_results",
    "ax_names",
    "fit_roma_model",
    "fitted_roma_model",
    "generate_batch",
    "latent_model_config",
    "latent_model_inputs",
    "roma_generation_strategy",
    "roma_model_config",
    "roma_model_inputs",
    "store_names",
    "stored_names",
    "validate_offline_data",
]
