"""Type-only helpers of the spikernn stubs: what a task written in Python gives (python_task)."""
from typing import Any, Dict, Protocol, Tuple, Union

import numpy as np
import numpy.typing as npt

from ._spikernn import Rng, Trial

FloatArray = npt.NDArray[np.float64]

TrialLike = Union[Trial, Tuple[npt.ArrayLike, npt.ArrayLike], Tuple[npt.ArrayLike, npt.ArrayLike, float],
                  Tuple[npt.ArrayLike, npt.ArrayLike, float, str], Dict[str, Any]]
"""What a Python task's generator returns: a Trial, (u, z[, label[, condition]]) or a dict with those keys."""


class PythonTask(Protocol):
    """What python_task() reads from an object (spiking_trial, spiking_correct,
    sample_spiking_trials and min_trials_before_stop are optional)."""
    name: str
    n_inputs: int
    n_steps: int
    def generate(self, rng: Rng) -> TrialLike:
        """A rate trial: u of n_inputs × n_steps, z of n_steps targets. Every random number from rng."""
    def correct(self, trial: Trial, outputs: FloatArray) -> bool:
        """The rate rule on the T − 1 outputs o_1 … o_{T−1}."""


