"""Type stubs of spikernn._spikernn, the compiled core of the spikernn package (pybind11)."""
from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union, overload

import numpy as np
import numpy.typing as npt

from ._types import PythonTask, TrialLike

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
    or make_task(name) — or written in Python: python_task(obj)."""
    @property
    def name(self) -> str:
        """Canonical name: go-nogo, xor, mante or mante_port (a Python task: its own name)."""
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
    @property
    def is_python(self) -> bool:
        """True for a task written in Python (python_task())."""
    @property
    def python_object(self) -> Any:
        """The object python_task() was made from (None for shipped tasks and plain callables)."""


TaskLike = Union[Task, str, PythonTask]
"""A Task, a task name, or an object with generate and correct (taken as python_task(obj))."""


def python_task(obj: Any = None, *, name: Optional[str] = None, n_inputs: Optional[int] = None,
                n_steps: Optional[int] = None, generate: Optional[Callable[[Rng], TrialLike]] = None,
                correct: Optional[Callable[[Trial, FloatArray], bool]] = None,
                spiking_trial: Optional[Callable[[Rng], TrialLike]] = None,
                spiking_correct: Optional[Callable[[Trial, FloatArray, float], bool]] = None,
                sample_spiking_trials: Optional[Callable[[], Sequence[TrialLike]]] = None,
                min_trials_before_stop: Optional[int] = None) -> Task:
    """A Task written in Python, usable wherever a Task is (train, evaluate_rate, search_scaling,
    evaluate_spiking): the attributes of `obj` (name, n_inputs, n_steps, generate(rng),
    correct(trial, outputs), and optionally spiking_trial(rng), spiking_correct(trial, output, dt),
    sample_spiking_trials(), min_trials_before_stop), or the same as keywords (keywords win).
    Generators draw every random number from the Rng they are handed, so a seed gives the same
    trials for any thread count. A wrong answer (shape, type, non-finite values) raises ValueError
    naming the callback and what was expected; an exception a callback raises reaches the caller
    as itself. Without spiking_trial the spiking evaluation runs generate()'s trials; without
    spiking_correct a search or spiking evaluation raises ValueError."""


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
                 n_inputs: Optional[int] = None, task: Optional[TaskLike] = None, seed: int = 1,
                 dt: float = 1.0, noise_sd: float = 0.1, x0_sd: float = 0.01) -> None:
        """taus in steps of 5 ms: one value (fixed) or (min, max) (trained per unit). activation
        sigmoid, softplus or clipped_relu; w_dist gaus or gamma. task= sets n_inputs. seed draws
        the unit types and every weight, as spikernn-train --seed. noise_sd: the SD of the noise
        added to every unit at every step (spikernn-train --noise_sd; saved with the model)."""
    n: int
    n_inputs: int
    activation: str
    apply_dale: bool
    taus: Tuple[float, ...]
    trains_taus: bool
    p_inh: float
    p_rec: float
    gain: float
    noise_sd: float
    """SD of the per-step rate noise."""
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


def train(net: RateRNN, task: TaskLike, *, n_trials: int = 6000, lr: float = 0.01, seed: Optional[int] = None,
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


def evaluate_rate(net: RateRNN, task: TaskLike, *, trials: int = 100, seed: int = 1,
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
    noise_sd: float
    """SD of the rate noise it was trained with (the file's noise_sd; 0.1, the original's, when absent)."""
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
    spiking_readout: Optional[str]
    """The saved search's readout: one_to_one or recalibrated (None before a search)."""
    calibration_trials: Optional[int]
    """Calibration trials of the saved search's recalibrated readout (None when not recorded)."""
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
                        trials: int = 0, readout: str = "one_to_one", calibration_trials: int = 0) -> None:
    """Writes a search into a model file as spikernn-search does (an earlier one moves to
    search_history_<k>_*; spiking_readout and calibration_trials only for a recalibrated readout);
    spikernn.save_scaling_search also takes a SearchResult."""
def save_npy(path: PathLike, array: npt.ArrayLike) -> None:
    """Writes an array as .npy (float32/64, int32/64, uint8, bool), as numpy.save does."""
def load_npy(path: PathLike) -> np.ndarray:
    """Reads a .npy file of float32/64, int32/64, uint8 or bool."""


# ---- NIR graphs (built with HDF5) ----------------------------------------------------------
@overload
def export_nir(path: PathLike, net: LIFNetwork, *, mode: str = "exact", precision: str = "single",
               metadata: Dict[str, Union[str, int, float, np.ndarray]] = ..., overwrite: bool = False) -> str:
    """Writes a LIFNetwork as a NIR graph (exact: two LI synapse stages; portable: CubaLIF)."""
@overload
def export_nir(path: PathLike, net: ModeSNN, *, precision: str = "single", fold_modes: bool = False,
               metadata: Dict[str, Union[str, int, float, np.ndarray]] = ..., overwrite: bool = False) -> str:
    """Writes a ModeSNN (LIF neuron) as a NIR graph: CubaLIF, LI rate filter, the modes as
    Linear–Scale–Linear (fold_modes: one N × N Linear). No mode (passing one raises ValueError);
    max_over_time (mnist): the graph outputs the rates r, metadata readout_weight holds W_out."""


def read_nir_network(path: PathLike, *, dt: Optional[float] = None, steps_per_column: Optional[int] = None) -> LIFNetwork:
    """The LIFNetwork of a NIR file of spikernn's shape (exact export, or another tool's of that shape)."""


def simulate_nir(path: PathLike, inputs: np.ndarray, *, dt: Optional[float] = None, seed: int = 1) -> np.ndarray:
    """Steps any NIR graph with spikernn's NIR simulator: inputs n_inputs × steps → outputs n_outputs × steps."""


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
    """Network output w_out · r + b_out at every step, (steps,); step i is at time i·dt."""
    spikes: IntArray
    """(k, 2) array of (step, unit) when recorded (steps 1-based, units 0-based)."""
    voltages: Optional[FloatArray]
    rates: Optional[FloatArray]
    """N × (steps // rate_every) filtered spike trains (Hz) when recorded."""
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
    """Readout weights (1 × N): w_out / factor after conversion."""
    b_out: float
    """Readout bias: 0 after conversion."""
    tau_d: FloatArray
    inh: Optional[BoolArray]
    def set_readout(self, w_out: npt.ArrayLike, b_out: float = 0.0) -> None:
        """Replaces the readout (output = w_out · r + b_out; N weights, 1-D or 1 × N), e.g. with a
        fit_readout fit: set_readout(fit.w_out, fit.b_out)."""
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
            stimulation: Optional[Stimulation] = None, rate_every: int = 1) -> LIFTrial:
        """Simulates one trial driven by u (n_inputs × columns of 5 ms; 100 steps each); rates, when
        recorded, at every rate_every-th step."""
    def copy(self) -> LIFNetwork: ...


class ConditionScore:
    condition: str
    trials: int
    correct: int
    accuracy: float


class ReadoutFit:
    """A LIF readout fitted by ridge least squares on the network's own filtered spike trains
    (fit_readout; one per factor of a recalibrated search)."""
    w_out: FloatArray
    """Readout weights (1 × N)."""
    b_out: float
    mse_before: float
    """Mean squared error of the network's readout before the fit, on the calibration samples."""
    mse_after: float
    """… and of the fitted readout, on the same samples."""
    samples: int
    """(trial, time) samples fitted, one per 5 ms rate step."""


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
    readout: Optional[ReadoutFit]
    """The readout fitted for a recalibrated evaluation or search factor (else None)."""
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
    readout: str
    """one_to_one (w_out / factor) or recalibrated (refitted at every factor)."""
    calibration_trials: Optional[int]
    """Calibration trials of a recalibrated readout (None for one_to_one)."""
    readouts: List[ReadoutFit]
    """A ReadoutFit per factor with a recalibrated readout (empty for one_to_one)."""


ModelLike = Union[RateModel, RateRNN, PathLike]


def lif_defaults(neuron: str = "lif") -> Dict[str, float]:
    """The constants of a neuron (the keyword arguments of to_lif and the search)."""
def to_lif(model: ModelLike, factor: float, *, neuron: str = "lif", use_initial_weights: bool = False,
           step_seconds: float = 0.005, **lif_params: float) -> LIFNetwork:
    """The spiking network of a rate model at scaling factor `factor` (the paper's 1/λ)."""
def search_scaling(model: ModelLike, task: Optional[TaskLike] = None, *,
                   factors: Union[str, Sequence[float], None] = None, trials: int = 100, threads: int = 0,
                   seed: int = 1, neuron: str = "lif", estimator: str = "common", extend: int = 0,
                   use_initial_weights: bool = False, readout: str = "one_to_one", calibration_trials: int = 100,
                   progress: Optional[Callable[[float, float], object]] = None,
                   **lif_params: float) -> SearchResult:
    """lambda_grid_search.m as spikernn-search: estimator 'common' (every factor on the same trials)
    or 'original' (fresh trials per factor); extend=n grows the grid past an edge optimum;
    readout 'recalibrated' refits w_out and a bias at every factor on calibration_trials trials."""
def evaluate_spiking(target: Union[LIFNetwork, ModelLike], task: Optional[TaskLike] = None, *,
                     factor: Optional[float] = None, trials: int = 100, threads: int = 0, seed: int = 1,
                     held_out: bool = True, neuron: Optional[str] = None, use_initial_weights: bool = False,
                     readout: Optional[str] = None, calibration_trials: Optional[int] = None,
                     stimulation: Optional[Stimulation] = None, **lif_params: float) -> SpikingScore:
    """Scores a spiking network as spikernn-eval (default factor, neuron, readout and calibration
    trials: the file's search's); held_out: trials no search uses (HELD_OUT_FIRST_TRIAL + k), else
    the search's trials 0, 1, … A recalibrated readout is refitted on the calibration trials of seed."""
def fit_readout(lif: LIFNetwork, task: TaskLike, *, trials: int = 100, ridge: float = 1e-3, threads: int = 0,
                seed: int = 1) -> ReadoutFit:
    """Fits w_out and a bias to the task's targets by ridge least squares on the network's own
    filtered spike trains over calibration trials (streams (seed, 'spiking', 2^61 + k)); the
    network is unchanged (install with lif.set_readout(fit.w_out, fit.b_out))."""
def parse_factors(text: str) -> List[float]:
    """'start:step:stop', 'start:stop' or '20,25,30'."""
def factor_range(start: float, stop: float, step: float) -> List[float]:
    """MATLAB's start:step:stop."""


# ---- Brian2 export --------------------------------------------------------------------------
def export_brian2(folder: PathLike, net: LIFNetwork, task: Union[Task, str], *, trials: int = 20, seed: int = 1,
                  first_trial: int = ..., threads: int = 0) -> Dict[str, Any]:
    """Writes a LIF network and `trials` trials of `task` into a new or empty folder for Brian2:
    network.py, w/w_in/w_out/b_out/tau_d/inhibitory.npy, stimuli.npy (trials × inputs × columns),
    labels.npy, trials.json, spikernn_reference.json and verify_v0/verify_out.npy (docs/brian2.md).
    Trial k: stream (seed, 'spiking', first_trial + k), first_trial defaulting to
    HELD_OUT_FIRST_TRIAL. A non-empty folder raises FileError (nothing is replaced); a QIF network
    or a task written in Python raises ValueError. Run `/usr/bin/python3 FOLDER/network.py`
    (every trial, both accuracies) or `... network.py --verify` (the noiseless trial, step by step).
    Returns folder, script, files, task, trials, seed, first_trial, accuracy, interval, correct,
    total_spikes, mean_exc_rate, mean_inh_rate and rule (spikernn's score on the exported trials)."""


# ---- GLIFR paper networks -------------------------------------------------------------------

class GlifrSettings:
    """A GLIFR paper run's settings (spikernn-glifr's flags); 0 leaves a value to the version."""
    def __init__(self, task: str = "sine", *, version: int = 2021, epochs: int = 0, batch: int = 0, lr: float = 0.0,
                 eval_every: int = 0, hidden: int = 0, delay: int = 0, sigma_v: float = 1.0,
                 anneal: bool = False) -> None:
        """task 'sine', 'lmnist' or 'pmnist'; version 2021 or 2022 (A.5–A.7 defaults)."""
    task: str
    version: int
    epochs: int
    batch: int
    lr: float
    eval_every: int
    hidden: int
    """One hidden size for every type (0: the parameter-matched sizes)."""
    delay: int
    sigma_v: float
    anneal: bool
    def hidden_size(self, type: str, n_inputs: int, n_outputs: int) -> int:
        """The hidden size of a type on this run."""
    def delay_steps(self, type: str) -> int:
        """The recurrent delay of a type in steps of 0.05 ms."""


def glifr_types() -> List[str]:
    """RNN, LSTM, Hom, HomA, LHet, LHetA, FHet, FHetA, RHet, RHetA (the paper's table order)."""


class GlifrDataset:
    """The training and test samples of a GLIFR paper task."""
    n_inputs: int
    n_outputs: int
    classify: bool
    """Last-step cross entropy and accuracy (MNIST), else MSE at every step (sine)."""
    description: str
    n_train: int
    n_test: int
    sine_frequencies: Optional[FloatArray]
    """kHz of each sine pattern (None for MNIST)."""
    def train_sample(self, i: int) -> Tuple[FloatArray, FloatArray, int]:
        """(u: n_inputs × T, z: targets, label; −1 without classes)."""
    def test_sample(self, i: int) -> Tuple[FloatArray, FloatArray, int]: ...


def glifr_sine_dataset() -> GlifrDataset:
    """The 6 sinusoids of the pattern task (T = 100 steps of 0.05 ms), training and test set."""
def glifr_mnist_dataset(data_dir: PathLike, *, pixels: bool = False, train_limit: int = 0,
                        test_limit: int = 0) -> GlifrDataset:
    """Sequential MNIST from MNIST-format IDX files: line by line (28 × 28) or pixel by pixel
    (784 × 1), the first train_limit / test_limit images (0: all)."""


class GlifrModel:
    """A GLIFR type (Hom … RHetA), the vanilla RNN or the LSTM of the GLIFR paper (float32)."""
    def __init__(self, type: str, settings: GlifrSettings, dataset: Optional[GlifrDataset] = None, *,
                 n_inputs: Optional[int] = None, n_outputs: Optional[int] = None, seed: int = 1) -> None:
        """Built as spikernn-glifr builds it (size, delay, σ_V) from `seed`."""
    type: str
    family: str
    """glifr, rnn or lstm."""
    seed: int
    size: int
    n_inputs: int
    n_outputs: int
    delay: int
    trainable_parameters: int
    parameters: Float32Array
    """Every parameter, one flat vector (assignable)."""
    def arrays(self) -> Dict[str, Float32Array]:
        """The parameter arrays under the file's names and orientations (plus GLIFR k_m, k_j, r_j)."""
    def forward(self, u: npt.ArrayLike) -> Float32Array:
        """Outputs (n_outputs × T) on one input sequence (n_inputs × T)."""
    def copy(self) -> GlifrModel: ...


class GlifrRun:
    """One trained network's numbers and curves (train_glifr)."""
    type: str
    run: int
    seed: int
    task: str
    version: int
    hidden_size: int
    delay_steps: int
    trainable_parameters: int
    test_loss: float
    test_accuracy: Optional[float]
    sine_sum: float
    """Sine: Σ over the 6 patterns of each one's MSE (v2021 metric)."""
    seconds: float
    train_loss: FloatArray
    train_accuracy: FloatArray
    test_epochs: FloatArray
    test_losses: FloatArray
    test_accuracies: FloatArray
    outputs: List[Float32Array]
    """Sine: outputs (1 × T) on each pattern after training."""
    initial: GlifrModel
    """The network before training."""


def train_glifr(model: GlifrModel, dataset: GlifrDataset, settings: GlifrSettings, *, seed: Optional[int] = None,
                run: int = 1, progress: Optional[Callable[[Dict[str, Any]], object]] = None,
                checkpoint: Optional[PathLike] = None, checkpoint_every: int = 0,
                resume: Optional[PathLike] = None) -> GlifrRun:
    """Trains as spikernn-glifr (glifr_paper::train_network), bit for bit, without the GIL;
    progress(dict) at every test (epoch, epochs, train_loss, train_accuracy, test_loss,
    test_accuracy, seconds), where Ctrl-C is honoured."""
def save_glifr(path: PathLike, model: GlifrModel, run: Optional[GlifrRun] = None, *,
               npy_dir: Optional[PathLike] = None) -> str:
    """Writes params.mat (and npy/*.npy) as spikernn-glifr; with run=, the _init values and curves."""
def load_glifr(path: PathLike, *, initial: bool = False) -> GlifrModel:
    """The network of a params.mat (initial=True: before training)."""


# ---- spiking mode RNN -----------------------------------------------------------------------

class ModeSNN:
    """A spiking mode-based RNN (low-rank recurrence ξ_in·diag(λ)·ξ_outᵀ, surrogate gradients)."""
    def __init__(self, task: str = "mnist", *, n: int = 100, p: Union[int, str] = 3, neuron: str = "lif",
                 filter: str = "double", surrogate: str = "fast_sigmoid", seed: int = 1) -> None:
        """task 'mnist' or 'context'; p modes or 'full'; neuron lif|leaky; filter double|single;
        surrogate fast_sigmoid|arctan|sigmoid|straight_through."""
    task: str
    seed: int
    n: int
    p: int
    """Modes (0 for full rank)."""
    full_rank: bool
    n_inputs: int
    n_outputs: int
    surrogate: str
    neuron: str
    filter: str
    dt: float
    parameters: Float32Array
    w_in: Float32Array
    w_out: Float32Array
    xi_in: Float32Array
    xi_out: Float32Array
    mode_strengths: Float32Array
    """λ (the file's `lambda`)."""
    recurrent_matrix: Float32Array
    def run(self, inputs: np.ndarray, *, precision: str = "single") -> Dict[str, FloatArray]:
        """One forward pass on n_inputs × T: {'output': n_outputs × T (max_over_time: W_out·max_t r in
        the last column), 'rates': N × T, 'spikes': N × T}; precision='double' runs a float64 copy."""
    def copy(self) -> ModeSNN: ...


class DigitSet:
    """MNIST digits as intensities in [0, 1] with labels."""
    labels: List[int]
    pixels: FloatArray
    """count × 784."""
    def __len__(self) -> int: ...


def mnist_digits(data_dir: PathLike, part: str = "train", *, limit: int = 0) -> DigitSet:
    """The first `limit` (0: all) training or test digits of an MNIST-format folder."""


class SmnnRun:
    """What train_smnn_mnist / train_smnn_context return."""
    task: str
    seed: int
    accuracy: float
    loss: float
    hidden_rate_hz: float
    seconds: float
    test_x: FloatArray
    """Epochs from 0 (MNIST) or rounds from 1 (context)."""
    test_accuracy: FloatArray
    train_loss: FloatArray
    mean_output_per_condition: Optional[FloatArray]
    sd_output_per_condition: Optional[FloatArray]
    time_s: Optional[FloatArray]


def train_smnn_mnist(net: ModeSNN, train: DigitSet, test: DigitSet, *, steps: int = 50, epochs: int = 101,
                     batches_per_epoch: int = 5, batch: int = 256, test_every: int = 10, lr: float = 1e-3,
                     clip: float = 20.0, seed: Optional[int] = None,
                     progress: Optional[Callable[[Dict[str, Any]], object]] = None, name: str = "",
                     checkpoint: Optional[PathLike] = None, checkpoint_every: int = 0,
                     resume: Optional[PathLike] = None) -> SmnnRun:
    """spikernn-smnn --task mnist, bit for bit; progress(dict) at each test, with `line`, the
    program's progress line. Without the GIL; Ctrl-C raises KeyboardInterrupt."""
def train_smnn_context(net: ModeSNN, *, steps: int = 500, rounds: int = 400, steps_per_round: int = 3,
                       batch: int = 100, test_trials: int = 200, lr: float = 1e-3, clip: float = 20.0,
                       seed: Optional[int] = None, progress: Optional[Callable[[Dict[str, Any]], object]] = None,
                       name: str = "", checkpoint: Optional[PathLike] = None, checkpoint_every: int = 0,
                       resume: Optional[PathLike] = None) -> SmnnRun:
    """spikernn-smnn --task context, bit for bit."""
def save_mode_snn(path: PathLike, net: ModeSNN, run: Optional[SmnnRun] = None, *,
                  npy_dir: Optional[PathLike] = None) -> str:
    """Writes modes.mat (and npy/*.npy) as spikernn-smnn."""
def load_mode_snn(path: PathLike) -> ModeSNN:
    """The network of a modes.mat file, with its surrogate."""
