"""Type stubs of spikernn._spikernn, the compiled core of the spikernn package (pybind11)."""
from __future__ import annotations

import os
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

__version__: str
HELD_OUT_FIRST_TRIAL: int
"""The first trial index of held-out evaluations (2^62): no search scores a trial at or above it."""

PathLike = Union[str, os.PathLike]
FloatArray = npt.NDArray[np.float64]
Float32Array = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
Stream = Union[str, int]
"""A random stream: 'training', 'evaluation', 'spiking', 'initial', 'noise', 'user', or k ≥ 0 (user stream k)."""


class FileError(OSError):
    """A file exists but could not be read or written, or holds something other than expected
    (the message names the file and the variable). A missing file raises FileNotFoundError."""


# ---- tasks ----------------------------------------------------------------------------------

class Trial:
    """One trial of a task."""
    u: FloatArray
    """Stimulus, n_inputs × T (float64); column t drives step t + 1."""
    z: FloatArray
    """Targets, (T,); output o_{k+1} is compared with z[k]."""
    label: float
    """Go-NoGo: 1 Go / 0 NoGo; XOR, Mante: ±1."""
    condition: str
    """Trial type: 'go', 'nogo', '++', '+-', 'context1', 'color', …"""
    def __init__(self, u: npt.ArrayLike, z: npt.ArrayLike, label: float = 0.0, condition: str = "") -> None: ...
    @property
    def n_steps(self) -> int: ...


class Rng:
    """A seeded SplitMix64 stream, the one every spikernn draw comes from; (seed, stream, index)
    names it. Pass it as rng= to continue a stream across calls: evaluate_spiking's trial k is
    ``g = Rng(seed, 'spiking', k); tr = task.spiking_trial(rng=g); lif.run(tr.u, rng=g)``."""
    def __init__(self, seed: int = 1, stream: Stream = "user", index: int = 0) -> None: ...
    def uniform(self) -> float:
        """A draw from U[0, 1)."""
    def normal(self) -> float:
        """A standard normal draw."""
    def copy(self) -> Rng:
        """An independent copy in the current state."""


class Task:
    """A cognitive task of the original code: makes trials from seeded streams and judges rate
    and spiking outputs by the original rules. Made by go_nogo(), xor(), mante(), mante_port()
    or make_task(name)."""
    @property
    def name(self) -> str:
        """Canonical name: go-nogo, xor, mante or mante_port."""
    @property
    def n_inputs(self) -> int: ...
    @property
    def n_steps(self) -> int:
        """T, steps of 5 ms per rate trial (a spiking trial has T + 1 input columns)."""
    @property
    def min_trials_before_stop(self) -> int: ...
    @property
    def params(self) -> Dict[str, object]:
        """The task's settings."""
    def trial(self, seed: int = 1, index: int = 0, stream: Optional[Stream] = None, rng: Optional[Rng] = None) -> Trial:
        """A random rate trial (T columns) from the stream (seed, stream, index), stream
        'training' by default: task.trial(s, i) is training trial i of train(..., seed=s).
        With rng=, continues that Rng instead."""
    def spiking_trial(self, seed: int = 1, index: int = 0, stream: Optional[Stream] = None,
                      rng: Optional[Rng] = None) -> Trial:
        """A random trial for a spiking network (T + 1 columns) from (seed, 'spiking', index): trial
        `index` of evaluate_spiking(..., seed=seed)."""
    def sample_spiking_trials(self) -> List[Trial]:
        """One spiking trial of each type."""
    def correct(self, trial: Trial, outputs: npt.ArrayLike) -> bool:
        """The training-evaluation rule on a rate network's T − 1 outputs."""
    def spiking_correct(self, trial: Trial, output: npt.ArrayLike, dt: float = 5e-5) -> bool:
        """The spiking rule on a LIF output sampled every dt seconds."""


def go_nogo(T: int = 200, stim_on: int = 50, stim_dur: int = 25, go_threshold: float = 0.7,
            nogo_threshold: float = 0.3, spiking_window_start: float = 0.5,
            min_trials_before_stop: int = 1500) -> Task:
    """Go-NoGo: a 125 ms pulse on Go trials (p = 0.5), none on NoGo; respond after the stimulus on
    Go trials only. 1 input, T = 200 steps of 5 ms."""
def xor(T: int = 300, stim_on: int = 50, stim_dur: int = 50, delay: int = 10, threshold: float = 0.7,
        eval_from: int = 200, spiking_window_start: float = 1.0) -> Task:
    """XOR: two ±1 pulses of 250 ms, 50 ms apart; answer +1 when they agree. 2 inputs, T = 300.
    Needs a long tau_max (taus=(4, 50))."""
def mante(T: int = 500, stim_on: int = 50, stim_dur: int = 200, offset: float = 0.5, threshold: float = 0.7,
          eval_last: int = 200, spiking_window_start: float = 1.3) -> Task:
    """The original's context-dependent task: two noisy channels N(0,1) ± offset for 1 s and a
    one-hot context; report the sign of the cued channel's offset. 4 inputs, T = 500."""
def mante_port(T: int = 500, stim_on: int = 50, stim_dur: int = 200, coherence: float = 1.25,
               rule: str = "last_outputs", threshold: float = 0.7, eval_last: int = 200,
               spiking_window_start: float = 1.3) -> Task:
    """The PyTorch port's Mante variant: context cue (+1 colour, −1 motion) and constant
    coherences ~ U(−coherence, coherence), no noise. rule 'last_outputs' (the original's) or
    'after_stimulus' (the port's). 4 inputs, T = 500."""
def make_task(name: str) -> Task:
    """The task with the original's settings for a name as the programs accept it: go-nogo
    (go_nogo), xor, mante, mante_port (mante-port)."""
def canonical_task_name(name: str) -> str:
    """'go_nogo' → 'go-nogo'; '' when unknown."""


# ---- rate networks --------------------------------------------------------------------------

class TrainProgress:
    """What a progress callback of train() is shown: at every evaluation, and once at the end."""
    trial: int
    n_trials: int
    loss: float
    evaluated: bool
    eval_loss: float
    eval_perf: float
    seconds: float
    success: bool
    final: bool


class TrainResult:
    """The record of a train() run, as the model file keeps it."""
    @property
    def success(self) -> bool:
        """The stop rule was met."""
    @property
    def trials_to_criterion(self) -> Optional[int]: ...
    @property
    def last_trial(self) -> int:
        """The original's tr."""
    @property
    def n_trials(self) -> int: ...
    @property
    def stopped(self) -> bool:
        """A progress callback ended the run."""
    @property
    def seconds(self) -> float: ...
    @property
    def losses(self) -> FloatArray:
        """Loss of every trial (zeros after an early stop)."""
    @property
    def eval_perf(self) -> float: ...
    @property
    def eval_loss(self) -> float: ...
    @property
    def eval_outputs(self) -> FloatArray:
        """The last evaluation's outputs, eval_trials × (T − 1)."""
    @property
    def eval_labels(self) -> FloatArray: ...
    @property
    def eval_conditions(self) -> List[str]: ...
    @property
    def history(self) -> Dict[str, FloatArray]:
        """Every evaluation: {'trial', 'loss', 'perf'}."""
    @property
    def initial(self) -> Dict[str, np.ndarray]:
        """The run before training (x0, r0): {'u', 'z', 'x', 'r', 'o'}."""
    @property
    def last(self) -> Dict[str, np.ndarray]:
        """The last training trial (u, x, r, o, target)."""
    @property
    def initial_parameters(self) -> Float32Array: ...
    @property
    def task(self) -> str: ...
    @property
    def loss(self) -> str: ...
    @property
    def seed(self) -> int: ...


class RateRNN:
    """A continuous-rate RNN of Kim, Li & Sejnowski 2019 (float32): Dale's principle, sparse
    recurrent weights, fixed input weights, a trained readout with bias, and fixed or trained
    per-unit synaptic decay. The options are spikernn-train's flags."""
    def __init__(self, *, n: int = 200, p_inh: float = 0.2, p_rec: float = 0.2,
                 taus: Union[float, Sequence[float]] = (4.0, 20.0), activation: str = "sigmoid",
                 apply_dale: bool = True, som_n: int = 0, gain: float = 1.5, w_dist: str = "gaus",
                 n_inputs: Optional[int] = None, task: Union[Task, str, None] = None, seed: int = 1,
                 dt: float = 1.0, noise_sd: float = 0.1, x0_sd: float = 0.01) -> None:
        """taus in steps of 5 ms: one value (fixed) or (min, max) (trained per unit). activation
        sigmoid, softplus or clipped_relu; w_dist gaus or gamma. task= sets n_inputs. seed draws
        the unit types and every weight, as spikernn-train --seed."""
    n: int
    n_inputs: int
    activation: str
    apply_dale: bool
    taus: Tuple[float, ...]
    trains_taus: bool
    p_inh: float
    p_rec: float
    gain: float
    som_n: int
    w_dist: str
    seed: int
    n_exc: int
    n_inh: int
    w: Float32Array
    """Trainable recurrent weights (N × N) before relu and signs; assignable (a copy)."""
    @property
    def w_exported(self) -> Float32Array:
        """w as the MAT file stores it (after relu for Dale networks)."""
    @property
    def w_effective(self) -> Float32Array:
        """W = (relu(w)·m) ⊙ som_m (Dale) or w ⊙ som_m."""
    @property
    def w_in(self) -> Float32Array:
        """Input weights, N × n_inputs (fixed)."""
    w_out: Float32Array
    """Readout weights, 1 × N; assignable."""
    b_out: float
    taus_gaus: Float32Array
    """τ = sigmoid(taus_gaus)·(τ_max − τ_min) + τ_min; assignable."""
    @property
    def tau(self) -> Float32Array:
        """Per-unit decay in steps of 5 ms."""
    @property
    def inh(self) -> BoolArray: ...
    @property
    def exc(self) -> BoolArray: ...
    @property
    def m(self) -> Float32Array:
        """Diagonal sign matrix."""
    @property
    def som_m(self) -> Float32Array: ...
    parameters: Float32Array
    """Every trainable number as one flat vector (w column-major, w_out, b_out, taus_gaus)."""
    def run(self, trial: Union[Trial, npt.ArrayLike], *, seed: int = 1, index: int = 0,
            stream: Stream = "user") -> Dict[str, np.ndarray]:
        """One trial (or stimulus u) with noise from (seed, stream, index): {'x', 'r' (N × T),
        'o' (T − 1,)}."""
    def to_model(self, fit: Optional[TrainResult] = None) -> RateModel:
        """The network as data (what its saved file loads as); with fit=, its initial weights."""
    def copy(self) -> RateRNN: ...


def train(net: RateRNN, task: Union[Task, str], *, n_trials: int = 6000, lr: float = 0.01, seed: Optional[int] = None,
          loss: str = "l2", batch: int = 1, eval_every: int = 100, eval_trials: int = 100, loss_below: float = 7.0,
          perf_above: float = 0.95, min_trials: Optional[int] = None,
          progress: Optional[Callable[[TrainProgress], object]] = None, checkpoint: Optional[PathLike] = None,
          checkpoint_every: int = 0, resume: Optional[PathLike] = None) -> TrainResult:
    """Trains net with the original protocol (spikernn-train): a fresh trial per Adam step,
    eval_trials fresh trials evaluated after trials 1, 1 + eval_every, …, stop when the mean
    evaluation loss < loss_below and accuracy > perf_above after min_trials (the task's).
    seed defaults to the network's. progress(TrainProgress) runs at every evaluation and at the
    end; a truthy return stops the run. checkpoint= is written every checkpoint_every trials (0:
    only on Ctrl-C); resume= continues a checkpointed run bit for bit. Runs without the GIL;
    Ctrl-C ends it after the trial in progress (and the checkpoint) with KeyboardInterrupt."""


def evaluate_rate(net: RateRNN, task: Union[Task, str], *, trials: int = 100, seed: int = 1,
                  loss: str = "l2") -> Dict[str, object]:
    """Scores the rate network on fresh trials by the task's rule: {'accuracy', 'loss',
    'outputs', 'labels', 'conditions'}."""


class RateModel:
    """A rate network as data in the original MAT schema (load_rate_model, RateRNN.to_model)."""
    n: int
    n_inputs: int
    som_n: int
    taus: Tuple[float, ...]
    p_rec: float
    p_inh: float
    gain: float
    activation: str
    apply_dale: bool
    task: Optional[str]
    file: Optional[str]
    seed: Optional[int]
    opt_scaling_factor: Optional[float]
    """The searched factor the file holds (None before a search)."""
    spiking_neuron: Optional[str]
    search_estimator: Optional[str]
    """common_trials or fresh_per_factor (None when the file does not say)."""
    search_trials: Optional[int]
    all_perfs: FloatArray
    scaling_factors: FloatArray
    w: Float32Array
    w0: Float32Array
    w_in: Float32Array
    w_out: Float32Array
    b_out: float
    taus_gaus: Float32Array
    taus_gaus0: Float32Array
    inh: BoolArray
    exc: BoolArray
    m: Float32Array
    som_m: Float32Array
    def tau_steps(self, initial: bool = False) -> FloatArray:
        """Per-unit synaptic decay in steps of 5 ms."""
    def rate_outputs(self, trial: Union[Trial, npt.ArrayLike], *, seed: int = 1, index: int = 0,
                     stream: Stream = "user") -> FloatArray:
        """The rate network's outputs o_1 … o_{T−1} on a trial."""
    def to_rate_rnn(self) -> RateRNN:
        """A trainable RateRNN with these weights."""
    def copy(self) -> RateModel: ...


# ---- files ----------------------------------------------------------------------------------

def load_rate_model(path: PathLike) -> RateModel:
    """Loads a rate model from a MAT file (spikernn's, the original's, the PyTorch port's or
    scipy's in that schema), with a saved search if any."""
def save_rate_model(path: PathLike, net: RateRNN, fit: TrainResult, *, task: Optional[str] = None,
                    loss: Optional[str] = None, seed: Optional[int] = None) -> str:
    """Saves a trained network in the original MAT schema exactly as spikernn-train does,
    atomically; returns the path."""
def load_eval_labels(path: PathLike) -> FloatArray:
    """A model file's eval_labels as numbers ('same'/'diff' → ±1)."""
def save_scaling_search(path: PathLike, factors: Sequence[float], perfs: Sequence[float],
                        best_factor: Optional[float] = None, neuron: str = "lif", estimator: str = "common_trials",
                        trials: int = 0) -> None:
    """Writes a search into a model file as spikernn-search does (an earlier one moves to
    search_history_<k>_*); spikernn.save_scaling_search also takes a SearchResult."""
def save_npy(path: PathLike, array: npt.ArrayLike) -> None:
    """Writes an array as .npy (float32/64, int32/64, uint8, bool), as numpy.save does."""
def load_npy(path: PathLike) -> np.ndarray:
    """Reads a .npy file of float32/64, int32/64, uint8 or bool."""


# ---- spiking networks -----------------------------------------------------------------------

class Stimulation:
    """During LIF steps [start, stop) a coin per step (p = 0.5) adds ±amplitude mV to the units."""
    def __init__(self, kind: str, units: Sequence[int], start: int, stop: int, amplitude: float = 0.5) -> None: ...
    kind: str
    units: List[int]
    start: int
    stop: int
    amplitude: float


class LIFTrial:
    """One simulated trial."""
    output: FloatArray
    """Network output at every step, (steps,); step i is at time i·dt."""
    spikes: IntArray
    """(k, 2) array of (step, unit) when recorded (steps 1-based, units 0-based)."""
    voltages: Optional[FloatArray]
    rates: Optional[FloatArray]
    currents: Optional[FloatArray]
    firing_rates: FloatArray
    """Hz per unit (spikes from step 10 on)."""
    total_spikes: int
    dt: float
    duration: float
    steps: int


class LIFNetwork:
    """A LIF (or QIF) network converted from a rate model. run() simulates a trial; a Python loop
    can drive it: reset(), then per step set_input(), step(), read spiked/output/v/rates,
    reset_spiked()."""
    n: int
    n_inputs: int
    neuron: str
    factor: float
    params: Dict[str, float]
    dt: float
    w: FloatArray
    w_in: FloatArray
    w_out: FloatArray
    tau_d: FloatArray
    inh: Optional[BoolArray]
    def reset(self, *, seed: int = 1, index: int = 0, stream: Stream = "user") -> None: ...
    def set_input(self, current: npt.ArrayLike) -> None:
        """External input current, N values (for stimulus column u_c: w_in @ u_c)."""
    def set_stimulation(self, stimulation: Optional[Stimulation]) -> None: ...
    def step(self) -> None: ...
    def reset_spiked(self) -> None: ...
    @property
    def spiked(self) -> IntArray: ...
    @property
    def output(self) -> float: ...
    @property
    def v(self) -> FloatArray: ...
    @property
    def rates(self) -> FloatArray: ...
    @property
    def currents(self) -> FloatArray: ...
    @property
    def step_index(self) -> int: ...
    def run(self, u: npt.ArrayLike, *, seed: int = 1, index: int = 0, stream: Stream = "user",
            rng: Optional[Rng] = None, record_spikes: bool = False, record_voltages: bool = False,
            record_rates: bool = False, record_currents: bool = False,
            stimulation: Optional[Stimulation] = None) -> LIFTrial:
        """Simulates one trial driven by u (n_inputs × columns of 5 ms; 100 steps each)."""
    def copy(self) -> LIFNetwork: ...


class ConditionScore:
    condition: str
    trials: int
    correct: int
    accuracy: float


class SpikingScore:
    """A spiking network's score on random trials."""
    factor: float
    accuracy: float
    interval: Tuple[float, float]
    """The 95 % Wilson interval of the accuracy."""
    first_trial: Optional[int]
    """Trial k used the stream (seed, 'spiking', first_trial + k); None for a fresh-trials search."""
    rate_accuracy: Optional[float]
    """The rate network on the same trials (evaluations of a rate model)."""
    conditions: Dict[str, ConditionScore]
    correct: BoolArray
    trial_conditions: List[str]
    total_spikes: int
    n_trials: int
    spikes_per_trial: float
    unit_rates: FloatArray
    mean_exc_rate: float
    mean_inh_rate: float


class SearchResult:
    """The scaling-factor grid search of one model."""
    factors: FloatArray
    perfs: FloatArray
    best_index: int
    best_factor: float
    best_perf: float
    scores: List[SpikingScore]
    best_at_edge: bool
    """The best factor is at an edge of the grid: the best may lie outside it."""
    estimator: str
    """common_trials or fresh_per_factor."""
    neuron: str
    task: str
    trials: int


ModelLike = Union[RateModel, RateRNN, PathLike]


def lif_defaults(neuron: str = "lif") -> Dict[str, float]:
    """The constants of a neuron (the keyword arguments of to_lif and the search)."""
def to_lif(model: ModelLike, factor: float, *, neuron: str = "lif", use_initial_weights: bool = False,
           step_seconds: float = 0.005, **lif_params: float) -> LIFNetwork:
    """The spiking network of a rate model at scaling factor `factor` (the paper's 1/λ)."""
def search_scaling(model: ModelLike, task: Union[Task, str, None] = None, *,
                   factors: Union[str, Sequence[float], None] = None, trials: int = 100, threads: int = 0,
                   seed: int = 1, neuron: str = "lif", estimator: str = "common", extend: int = 0,
                   use_initial_weights: bool = False, progress: Optional[Callable[[float, float], object]] = None,
                   **lif_params: float) -> SearchResult:
    """lambda_grid_search.m as spikernn-search: estimator 'common' (every factor on the same trials)
    or 'original' (fresh trials per factor); extend=n grows the grid past an edge optimum."""
def evaluate_spiking(target: Union[LIFNetwork, ModelLike], task: Union[Task, str, None] = None, *,
                     factor: Optional[float] = None, trials: int = 100, threads: int = 0, seed: int = 1,
                     held_out: bool = True, neuron: Optional[str] = None, use_initial_weights: bool = False,
                     stimulation: Optional[Stimulation] = None, **lif_params: float) -> SpikingScore:
    """Scores a spiking network as spikernn-eval (default factor: the file's opt_scaling_factor);
    held_out: trials no search uses (HELD_OUT_FIRST_TRIAL + k), else the search's trials 0, 1, …"""
def parse_factors(text: str) -> List[float]:
    """'start:step:stop', 'start:stop' or '20,25,30'."""
def factor_range(start: float, stop: float, step: float) -> List[float]:
    """MATLAB's start:step:stop."""
