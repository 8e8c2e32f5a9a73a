"""spikernn from Python: train continuous-rate RNNs that obey Dale's principle (Kim, Li &
Sejnowski 2019), save them in the original MAT schema, search their rate-to-spike scaling
factor, convert them to LIF/QIF spiking networks and simulate those — the C++ core through
pybind11, numpy arrays in and out.

    import spikernn as sk
    task = sk.go_nogo()
    net = sk.RateRNN(n=200, taus=(4, 20), task=task, seed=1)
    fit = sk.train(net, task, n_trials=6000)
    path = sk.save_rate_model(sk.model_path("out", net, task), net, fit)
    search = sk.search_scaling(path)
    sk.save_scaling_search(path, search)
    lif = sk.to_lif(path, search.best_factor)
    trial = lif.run(task.spiking_trial(seed=1, index=0).u, record_spikes=True)

Also: readout recalibration (search_scaling / evaluate_spiking with readout="recalibrated",
fit_readout, LIFNetwork.set_readout), tasks written in Python (python_task), the GLIFR paper's networks (GlifrSettings,
glifr_sine_dataset / glifr_mnist_dataset, GlifrModel, train_glifr, save_glifr / load_glifr) and the
spiking mode RNN (ModeSNN, mnist_digits, train_smnn_mnist / train_smnn_context, save_mode_snn /
load_mode_snn) — see docs/python.md.

Errors: a refused setting raises ValueError naming the parameter; a missing file
FileNotFoundError; any other file problem spikernn.FileError (an OSError) naming the file and
variable; Ctrl-C during train/search raises KeyboardInterrupt (after writing the checkpoint when
train() has one).
"""
from __future__ import annotations

import os
import time as _time
from typing import Optional, Sequence, Union

from . import _spikernn
from ._spikernn import (  # noqa: F401  (re-exported)
    HELD_OUT_FIRST_TRIAL,
    ConditionScore,
    DigitSet,
    FileError,
    GlifrDataset,
    GlifrModel,
    GlifrRun,
    GlifrSettings,
    LIFNetwork,
    LIFTrial,
    ModeSNN,
    RateModel,
    RateRNN,
    ReadoutFit,
    Rng,
    SearchResult,
    SmnnRun,
    SpikingScore,
    Stimulation,
    Task,
    TrainProgress,
    TrainResult,
    Trial,
    __version__,
    canonical_task_name,
    evaluate_rate,
    evaluate_spiking,
    export_brian2,
    factor_range,
    fit_readout,
    glifr_mnist_dataset,
    glifr_sine_dataset,
    glifr_types,
    go_nogo,
    lif_defaults,
    load_eval_labels,
    load_glifr,
    load_mode_snn,
    load_npy,
    load_rate_model,
    make_task,
    mante,
    mante_port,
    mnist_digits,
    parse_factors,
    python_task,
    save_glifr,
    save_mode_snn,
    save_npy,
    save_rate_model,
    search_scaling,
    to_lif,
    train,
    train_glifr,
    train_smnn_context,
    train_smnn_mnist,
    xor,
)

__all__ = [
    "HELD_OUT_FIRST_TRIAL", "ConditionScore", "DigitSet", "FileError", "GlifrDataset", "GlifrModel", "GlifrRun",
    "GlifrSettings", "LIFNetwork", "LIFTrial", "ModeSNN", "RateModel", "RateRNN", "ReadoutFit", "Rng", "SearchResult",
    "SmnnRun", "SpikingScore", "Stimulation", "Task", "TrainProgress", "TrainResult", "Trial", "__version__",
    "canonical_task_name", "evaluate_rate", "evaluate_spiking", "export_brian2", "factor_range", "fit_readout",
    "glifr_mnist_dataset", "glifr_sine_dataset", "glifr_types", "go_nogo", "lif_defaults", "load_eval_labels",
    "load_glifr", "load_mode_snn", "load_npy", "load_rate_model", "make_task", "mante", "mante_port", "mnist_digits",
    "model_path", "parse_factors", "python_task", "save_glifr", "save_mode_snn", "save_npy", "save_rate_model",
    "save_scaling_search", "search_scaling", "spike_raster", "to_lif", "train", "train_glifr", "train_smnn_context",
    "train_smnn_mnist", "xor",
]
if hasattr(_spikernn, "export_nir"):  # built with HDF5: NIR files
    from ._spikernn import export_nir, read_nir_network, simulate_nir  # noqa: F401  (re-exported)

    __all__ += ["export_nir", "read_nir_network", "simulate_nir"]

PathLike = Union[str, "os.PathLike[str]"]


def _python_float(v: float) -> str:
    """Python's str(float), as the original names its folders (4 -> '4.0')."""
    return str(float(v))


def model_path(output_dir: PathLike, net: RateRNN, task: Union[Task, str], *, seed: Optional[int] = None,
               date: Optional[str] = None, create: bool = True) -> str:
    """Where spikernn-train saves a model — the original rate/main.py's name with the seed added:
    ``<output_dir>/models/<task>/[NoDale/]P_rec_<p>_Taus_<min>_<max>/Task_<task>_N_<N>_Taus_<min>_<max>_Act_<act>_seed_<seed>_<date>.mat``
    (``Tau_<t>`` for a fixed τ), with ``_2``, ``_3`` … before ``.mat`` when the name is taken.
    ``seed`` defaults to the network's, ``date`` to now (``%Y_%m_%d_%H%M%S``); ``create`` makes
    the folder, as the program does before training."""
    name = task.name if isinstance(task, Task) else canonical_task_name(str(task))
    if not name:
        raise ValueError(f"invalid parameter 'task': go-nogo, xor, mante or mante_port, got {task!r}")
    taus = tuple(net.taus)
    if len(taus) == 2:
        taus_part = f"Taus_{_python_float(taus[0])}_{_python_float(taus[1])}"
    else:
        taus_part = f"Tau_{_python_float(taus[0])}"
    folder = os.path.join(os.fspath(output_dir), "models", name)
    if not net.apply_dale:
        folder = os.path.join(folder, "NoDale")
    folder = os.path.join(folder, f"P_rec_{_python_float(net.p_rec)}_{taus_part}")
    if create:
        os.makedirs(folder, exist_ok=True)
    stamp = date if date is not None else _time.strftime("%Y_%m_%d_%H%M%S")
    stem = f"Task_{name}_N_{net.n}_{taus_part}_Act_{net.activation}_seed_{net.seed if seed is None else seed}_{stamp}"
    path, attempt = os.path.join(folder, stem + ".mat"), 1
    while os.path.exists(path):
        attempt += 1
        path = os.path.join(folder, f"{stem}_{attempt}.mat")
    return path


def save_scaling_search(path: PathLike, search: Union[SearchResult, Sequence[float]],
                        perfs: Optional[Sequence[float]] = None, best_factor: Optional[float] = None,
                        neuron: Optional[str] = None, estimator: Optional[str] = None,
                        trials: Optional[int] = None, readout: Optional[str] = None,
                        calibration_trials: Optional[int] = None) -> str:
    """Writes a scaling-factor search into a model file as spikernn-search does
    (``opt_scaling_factor``, ``all_perfs``, ``scaling_factors``, ``spiking_neuron``,
    ``search_estimator``, ``search_trials``, and with a recalibrated readout ``spiking_readout``
    and ``calibration_trials``, which evaluate_spiking and spikernn-eval then adopt), keeping every
    other variable (a search the file held moves to ``search_history_<k>_*``), atomically. Pass a
    SearchResult, or the factors with their accuracies. Returns the path."""
    if isinstance(search, SearchResult):
        if perfs is not None:
            raise ValueError("invalid parameter 'perfs': nothing when a SearchResult is given")
        factors, perfs = list(search.factors), list(search.perfs)
        best_factor = search.best_factor if best_factor is None else best_factor
        neuron = search.neuron if neuron is None else neuron
        estimator = search.estimator if estimator is None else estimator
        trials = search.trials if trials is None else trials
        readout = search.readout if readout is None else readout
        calibration_trials = search.calibration_trials if calibration_trials is None else calibration_trials
    else:
        factors = list(search)
        if perfs is None:
            raise ValueError("invalid parameter 'perfs': one accuracy per scaling factor")
    _spikernn.save_scaling_search(path, factors, list(perfs), best_factor, neuron or "lif",
                                  estimator or "common_trials", trials or 0, readout or "one_to_one",
                                  calibration_trials or 0)
    return os.fspath(path)


def spike_raster(trial: LIFTrial, inh=None):
    """Spike times (s) and units of a trial run with ``record_spikes=True``, split by type:
    ``{'exc': (times, units), 'inh': (times, units)}`` — what a raster plot draws (``inh``: the
    network's ``LIFNetwork.inh``; without it every unit counts as excitatory)."""
    import numpy as np

    spikes = trial.spikes
    times = spikes[:, 0] * trial.dt
    units = spikes[:, 1]
    is_inh = np.zeros(len(units), dtype=bool) if inh is None else np.asarray(inh, dtype=bool)[units]
    return {"exc": (times[~is_inh], units[~is_inh]), "inh": (times[is_inh], units[is_inh])}
