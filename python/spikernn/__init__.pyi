"""Type stubs of the spikernn package: the compiled core (spikernn._spikernn) and the pure-Python helpers."""
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np

from ._spikernn import (
    HELD_OUT_FIRST_TRIAL as HELD_OUT_FIRST_TRIAL,
    ConditionScore as ConditionScore,
    DigitSet as DigitSet,
    FileError as FileError,
    GlifrDataset as GlifrDataset,
    GlifrModel as GlifrModel,
    GlifrRun as GlifrRun,
    GlifrSettings as GlifrSettings,
    LIFNetwork as LIFNetwork,
    LIFTrial as LIFTrial,
    ModeSNN as ModeSNN,
    PathLike as PathLike,
    RateModel as RateModel,
    RateRNN as RateRNN,
    ReadoutFit as ReadoutFit,
    Rng as Rng,
    SearchResult as SearchResult,
    SmnnRun as SmnnRun,
    SpikingScore as SpikingScore,
    Stimulation as Stimulation,
    Task as Task,
    TrainProgress as TrainProgress,
    TrainResult as TrainResult,
    Trial as Trial,
    __version__ as __version__,
    canonical_task_name as canonical_task_name,
    export_brian2 as export_brian2,
    export_nir as export_nir,
    evaluate_rate as evaluate_rate,
    evaluate_spiking as evaluate_spiking,
    factor_range as factor_range,
    fit_readout as fit_readout,
    glifr_mnist_dataset as glifr_mnist_dataset,
    glifr_sine_dataset as glifr_sine_dataset,
    glifr_types as glifr_types,
    go_nogo as go_nogo,
    lif_defaults as lif_defaults,
    load_eval_labels as load_eval_labels,
    load_glifr as load_glifr,
    load_mode_snn as load_mode_snn,
    load_npy as load_npy,
    load_rate_model as load_rate_model,
    make_task as make_task,
    mante as mante,
    mante_port as mante_port,
    mnist_digits as mnist_digits,
    parse_factors as parse_factors,
    python_task as python_task,
    read_nir_network as read_nir_network,
    save_glifr as save_glifr,
    save_mode_snn as save_mode_snn,
    save_npy as save_npy,
    save_rate_model as save_rate_model,
    search_scaling as search_scaling,
    simulate_nir as simulate_nir,
    to_lif as to_lif,
    train as train,
    train_glifr as train_glifr,
    train_smnn_context as train_smnn_context,
    train_smnn_mnist as train_smnn_mnist,
    xor as xor,
)


def model_path(output_dir: PathLike, net: RateRNN, task: Union[Task, str], *, seed: Optional[int] = None,
               date: Optional[str] = None, create: bool = True) -> str:
    """Where spikernn-train saves a model:
    <output_dir>/models/<task>/[NoDale/]P_rec_<p>_Taus_<min>_<max>/Task_<task>_N_<N>_Taus_<min>_<max>_Act_<act>_seed_<seed>_<date>.mat
    (_2, _3 … when taken); creates the folder unless create=False."""


def save_scaling_search(path: PathLike, search: Union[SearchResult, Sequence[float]],
                        perfs: Optional[Sequence[float]] = None, best_factor: Optional[float] = None,
                        neuron: Optional[str] = None, estimator: Optional[str] = None,
                        trials: Optional[int] = None, readout: Optional[str] = None,
                        calibration_trials: Optional[int] = None) -> str:
    """Writes a search (a SearchResult, or factors with their accuracies) into a model file as
    spikernn-search does (its readout and calibration trials included), keeping every other
    variable, atomically. Returns the path."""


def spike_raster(trial: LIFTrial, inh: Optional[np.ndarray] = None) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
    """{'exc': (times s, units), 'inh': (times s, units)} of a trial run with record_spikes=True."""
