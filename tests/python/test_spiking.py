"""Spiking networks from Python against the C++ programs: the scaling-factor search equals
spikernn-search (the file it writes included), the evaluation equals spikernn-eval, a Python
stepping loop equals run(), and evaluation trials can be replayed one by one."""
import os
import re
import shutil
import signal
import threading

import numpy as np
import pytest

import spikernn as sk
from conftest import assert_same_mat, load_mat, run_program

GRID = "20:20:60"
TRIALS = 8


@pytest.fixture(scope="module")
def searched(small_model, tmp_path_factory):
    """The small model searched from Python (python.mat) and by spikernn-search (program.mat)."""
    d = tmp_path_factory.mktemp("search")
    mine, theirs = d / "python.mat", d / "program.mat"
    shutil.copy(small_model["path"], mine)
    shutil.copy(small_model["path"], theirs)
    seen = []
    res = sk.search_scaling(str(mine), factors=GRID, trials=TRIALS, threads=2, seed=1,
                            progress=lambda f, p: seen.append((f, p)))
    out = run_program("search", "--model", theirs, "--factors", GRID, "--trials", TRIALS, "--threads", 2, "--quiet")
    sk.save_scaling_search(mine, res)
    return {"res": res, "mine": mine, "theirs": theirs, "out": out, "seen": seen}


def test_search_equals_spikernn_search(searched):
    res = searched["res"]
    assert list(res.factors) == [20.0, 40.0, 60.0]
    assert searched["seen"] == list(zip(res.factors, res.perfs))
    saved = load_mat(searched["theirs"])
    assert np.array_equal(saved["all_perfs"].ravel(), res.perfs)
    assert saved["opt_scaling_factor"].item() == res.best_factor
    m = re.search(r"opt_scaling_factor (\S+) \(accuracy (\S+) over (\d+) trials", searched["out"])
    assert float(m.group(1)) == res.best_factor and float(m.group(2)) == pytest.approx(res.best_perf, abs=0.005)
    assert int(m.group(3)) == TRIALS == res.trials and res.estimator == "common_trials"
    assert_same_mat(searched["mine"], searched["theirs"])  # the same file, written from Python
    model = sk.load_rate_model(searched["mine"])
    assert model.opt_scaling_factor == res.best_factor and model.spiking_neuron == "lif"
    assert model.search_estimator == "common_trials" and model.search_trials == TRIALS
    assert np.array_equal(model.all_perfs, res.perfs) and np.array_equal(model.scaling_factors, res.factors)
    # the search does not depend on the thread count; its trials are the in-sample evaluation's
    again = sk.search_scaling(searched["mine"], factors=[20, 40, 60], trials=TRIALS, threads=1)
    assert np.array_equal(again.perfs, res.perfs)
    in_sample = sk.evaluate_spiking(searched["mine"], factor=res.best_factor, trials=TRIALS, held_out=False)
    assert in_sample.accuracy == res.best_perf and in_sample.first_trial == 0


def test_search_estimators_and_extension(searched):
    original = sk.search_scaling(searched["mine"], factors=[20, 40], trials=4, estimator="original")
    assert original.estimator == "fresh_per_factor" and original.scores[0].first_trial is None
    grown = sk.search_scaling(searched["mine"], factors=[40, 45], trials=4, extend=1)
    assert len(grown.factors) >= 2 and list(grown.factors) == sorted(grown.factors)
    assert grown.best_at_edge == (grown.best_index in (0, len(grown.factors) - 1))
    with pytest.raises(ValueError, match="'estimator'"):
        sk.search_scaling(searched["mine"], factors=[20], trials=2, estimator="best")


def test_evaluation_equals_spikernn_eval(searched):
    out = run_program("eval", "--model", searched["theirs"], "--trials", TRIALS, "--threads", 2)
    score = sk.evaluate_spiking(str(searched["theirs"]), trials=TRIALS, threads=2)
    assert score.factor == searched["res"].best_factor
    assert f"accuracy {score.accuracy:.3f} (95 % interval [{score.interval[0]:.3f}, {score.interval[1]:.3f}])" in out
    assert f"the rate network on the same trials {score.rate_accuracy:.3f}" in out
    assert score.first_trial == sk.HELD_OUT_FIRST_TRIAL  # held out, as the program's default
    for name, c in score.conditions.items():
        assert re.search(rf"{name}\s+{c.correct}\s*/\s*{c.trials}\s", out), (name, out)
    assert sum(c.trials for c in score.conditions.values()) == TRIALS == score.n_trials
    assert f"spikes per trial {score.spikes_per_trial:.0f}" in out
    assert f"excitatory {score.mean_exc_rate:.2f} Hz, inhibitory {score.mean_inh_rate:.2f} Hz" in out
    # a converted network scores the same
    lif = sk.to_lif(searched["theirs"], score.factor)
    direct = sk.evaluate_spiking(lif, "go-nogo", trials=TRIALS, threads=2)
    assert direct.accuracy == score.accuracy and np.array_equal(direct.unit_rates, score.unit_rates)


def test_evaluation_trials_replay_one_by_one(searched):
    model = sk.load_rate_model(searched["theirs"])
    score = sk.evaluate_spiking(model, trials=TRIALS, seed=4)
    lif, task = sk.to_lif(model, model.opt_scaling_factor), sk.go_nogo()
    for k in range(TRIALS):
        g = sk.Rng(4, "spiking", score.first_trial + k)  # trial k: its stimulus, then its noise
        tr = task.spiking_trial(rng=g)
        res = lif.run(tr.u, rng=g)
        assert task.spiking_correct(tr, res.output, res.dt) == score.correct[k]
        assert tr.condition == score.trial_conditions[k]


def test_stepping_loop_equals_run(small_model):
    lif = sk.to_lif(small_model["path"], 30.0)
    u = sk.go_nogo().sample_spiking_trials()[0].u    # a Go trial, 201 columns
    whole = lif.run(u, seed=5, index=2, record_spikes=True, record_voltages=True)
    spc, cols = lif.params["steps_per_column"], u.shape[1]
    nt = (cols - 1) * spc
    out, spikes, column = np.empty(nt), [], -1
    lif.reset(seed=5, index=2)
    for i in range(1, nt + 1):
        c = min((i + spc // 2) // spc, cols - 1)      # the input column of step i (MATLAB rounding)
        if c != column:
            lif.set_input(lif.w_in @ u[:, c])
            column = c
        lif.step()
        out[i - 1] = lif.output
        spikes.extend((i, j) for j in lif.spiked)
        lif.reset_spiked()
    assert whole.steps == nt and lif.step_index == nt
    assert np.array_equal(out, whole.output)
    assert np.array_equal(np.array(spikes, dtype=np.int64).reshape(-1, 2), whole.spikes)
    assert whole.total_spikes == len(spikes) > 0
    assert whole.voltages.shape == (50, nt) and whole.rates is None
    raster = sk.spike_raster(whole, lif.inh)
    assert len(raster["exc"][0]) + len(raster["inh"][0]) == len(spikes)


def test_qif_search_is_recorded_and_used(searched, tmp_path):
    path = tmp_path / "qif.mat"
    shutil.copy(searched["theirs"], path)
    res = sk.search_scaling(path, factors=[50, 70], trials=4, neuron="qif")
    sk.save_scaling_search(path, res)
    model = sk.load_rate_model(path)
    assert model.spiking_neuron == "qif"
    assert sk.to_lif(model, 70, neuron="qif").params["v_peak"] == 30.0
    auto = sk.evaluate_spiking(model, trials=4)           # the file's neuron and factor
    named = sk.evaluate_spiking(model, trials=4, factor=res.best_factor, neuron="qif")
    assert auto.accuracy == named.accuracy and np.array_equal(auto.unit_rates, named.unit_rates)


def test_lif_constants_and_stimulation(small_model):
    model = sk.load_rate_model(small_model["path"])
    assert sk.lif_defaults()["tau_m"] == 0.01 and sk.lif_defaults("qif")["bias"] == 0.0
    slow = sk.to_lif(model, 30, downsample=2, tau_r=0.0)
    assert slow.dt == pytest.approx(1e-4) and slow.params["tau_r"] == 0.0
    u = sk.go_nogo().sample_spiking_trials()[0].u
    assert slow.run(u).steps == 10000
    lif = sk.to_lif(model, 30)
    stim = sk.Stimulation("exc", [0, 1, 2], start=1000, stop=8000, amplitude=5.0)
    plain, pushed = lif.run(u, seed=1), lif.run(u, seed=1, stimulation=stim)
    assert plain.total_spikes != pushed.total_spikes
    assert np.array_equal(lif.run(u, seed=1).output, plain.output)


def test_spiking_errors(small_model):
    model = sk.load_rate_model(small_model["path"])
    with pytest.raises(ValueError, match="'factor'"):
        sk.to_lif(model, -1)
    with pytest.raises(ValueError, match="'neuron'"):
        sk.to_lif(model, 30, neuron="izhikevich")
    with pytest.raises(ValueError, match="'foo'"):
        sk.to_lif(model, 30, foo=1)
    with pytest.raises(ValueError, match="'tau_m'"):
        sk.to_lif(model, 30, tau_m=-1)
    with pytest.raises(ValueError, match="'factor'.*opt_scaling_factor"):
        sk.evaluate_spiking(model)
    lif = sk.to_lif(model, 30)
    with pytest.raises(ValueError, match="'task'"):
        sk.evaluate_spiking(lif)
    with pytest.raises(ValueError, match="'task'.*input"):
        sk.evaluate_spiking(lif, "xor")
    with pytest.raises(ValueError, match="'factor'"):
        sk.evaluate_spiking(lif, "go-nogo", factor=30)
    with pytest.raises(ValueError, match="'factors'"):
        sk.search_scaling(model, factors="5:1")
    with pytest.raises(ValueError, match="'trials'"):
        sk.search_scaling(model, trials=0)
    with pytest.raises(ValueError, match="'stimulus'"):
        lif.run(np.zeros((2, 201)))
    with pytest.raises(ValueError, match="'input'"):
        lif.set_input(np.zeros(3))
    with pytest.raises(ValueError, match="'stimulation'"):
        lif.run(np.zeros((1, 201)), stimulation=sk.Stimulation("inh", [99], 1, 10))
    with pytest.raises(ValueError, match="'kind'"):
        sk.Stimulation("both", [0], 1, 10)
    with pytest.raises(ValueError, match="'model'"):
        sk.to_lif(42, 30)
    with pytest.raises(FileNotFoundError):
        sk.search_scaling("nowhere.mat")


def test_ctrl_c_stops_a_search(small_model):
    timers = []

    def ctrl_c_soon(factor, perf):  # after the first factor: a SIGINT, as Ctrl-C sends
        if not timers:
            timers.append(threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT)))
            timers[0].start()

    done = []
    with pytest.raises(KeyboardInterrupt):
        sk.search_scaling(small_model["path"], factors="20:1:200", trials=20, threads=2,
                          progress=lambda f, p: (done.append(f), ctrl_c_soon(f, p)))
    assert 1 <= len(done) < 181


# ---- readout recalibration ------------------------------------------------------------------

CALIBRATION = 4


@pytest.fixture(scope="module")
def recalibrated(small_model, tmp_path_factory):
    """The small model searched with a recalibrated readout from Python (python.mat) and by
    spikernn-search --readout recalibrated (program.mat)."""
    d = tmp_path_factory.mktemp("recalibrated")
    mine, theirs = d / "python.mat", d / "program.mat"
    shutil.copy(small_model["path"], mine)
    shutil.copy(small_model["path"], theirs)
    res = sk.search_scaling(str(mine), factors=GRID, trials=TRIALS, threads=2, seed=1, readout="recalibrated",
                            calibration_trials=CALIBRATION)
    run_program("search", "--model", theirs, "--factors", GRID, "--trials", TRIALS, "--threads", 2, "--readout",
                "recalibrated", "--calibration_trials", CALIBRATION, "--quiet")
    sk.save_scaling_search(mine, res)
    return {"res": res, "mine": mine, "theirs": theirs}


def test_recalibrated_search_equals_spikernn_search(recalibrated):
    res = recalibrated["res"]
    assert res.readout == "recalibrated" and res.calibration_trials == CALIBRATION
    assert len(res.readouts) == len(res.factors) == 3
    assert all(s.readout is not None for s in res.scores)
    saved = load_mat(recalibrated["theirs"])
    assert np.array_equal(saved["all_perfs"].ravel(), res.perfs)
    assert saved["opt_scaling_factor"].item() == res.best_factor
    assert saved["spiking_readout"].item() == "recalibrated" and saved["calibration_trials"].item() == CALIBRATION
    assert_same_mat(recalibrated["mine"], recalibrated["theirs"])  # the same file, written from Python
    model = sk.load_rate_model(recalibrated["mine"])
    assert model.spiking_readout == "recalibrated" and model.calibration_trials == CALIBRATION
    # the search's fit at a factor is fit_readout's on the network converted there, with its seed
    k = 1
    lif = sk.to_lif(model, res.factors[k])
    fit = sk.fit_readout(lif, "go-nogo", trials=CALIBRATION, seed=1, threads=1)
    assert np.array_equal(fit.w_out, res.readouts[k].w_out) and fit.b_out == res.readouts[k].b_out
    assert fit.mse_after < fit.mse_before and fit.samples == CALIBRATION * 200
    # a one-to-one search records no readout and no calibration
    plain = sk.search_scaling(model, factors=[40], trials=2)
    assert plain.readout == "one_to_one" and plain.calibration_trials is None and plain.readouts == []


def test_recalibrated_evaluation_equals_spikernn_eval(recalibrated):
    out = run_program("eval", "--model", recalibrated["theirs"], "--trials", TRIALS, "--threads", 2)
    score = sk.evaluate_spiking(str(recalibrated["mine"]), trials=TRIALS, threads=2)  # the file's readout
    assert "recalibrated readout" in out
    assert f"accuracy {score.accuracy:.3f} (95 % interval [{score.interval[0]:.3f}, {score.interval[1]:.3f}])" in out
    assert f"excitatory {score.mean_exc_rate:.2f} Hz, inhibitory {score.mean_inh_rate:.2f} Hz" in out
    res = recalibrated["res"]  # the search's seed gives the search's readout
    assert np.array_equal(score.readout.w_out, res.readouts[res.best_index].w_out)
    named = sk.evaluate_spiking(recalibrated["mine"], trials=TRIALS, readout="recalibrated",
                                calibration_trials=CALIBRATION)
    assert named.accuracy == score.accuracy and np.array_equal(named.correct, score.correct)
    assert sk.evaluate_spiking(recalibrated["mine"], trials=2, readout="one_to_one").readout is None
    # a converted network with the fitted readout installed scores the same
    lif = sk.to_lif(recalibrated["mine"], score.factor)
    assert lif.b_out == 0.0
    lif.set_readout(score.readout.w_out.ravel(), score.readout.b_out)
    assert np.array_equal(lif.w_out, score.readout.w_out) and lif.b_out == score.readout.b_out
    direct = sk.evaluate_spiking(lif, "go-nogo", trials=TRIALS, threads=2)
    assert direct.accuracy == score.accuracy and np.array_equal(direct.correct, score.correct)


def test_readout_errors_and_rate_every(small_model):
    model = sk.load_rate_model(small_model["path"])
    assert model.spiking_readout is None and model.calibration_trials is None
    with pytest.raises(ValueError, match="'readout'"):
        sk.search_scaling(model, factors=[40], trials=2, readout="best")
    with pytest.raises(ValueError, match="'calibration_trials'"):
        sk.search_scaling(model, factors=[40], trials=2, readout="recalibrated", calibration_trials=0)
    lif = sk.to_lif(model, 40)
    with pytest.raises(ValueError, match="'readout'"):
        sk.evaluate_spiking(lif, "go-nogo", readout="recalibrated")
    with pytest.raises(ValueError, match="'w_out'"):
        lif.set_readout(np.zeros(3))
    with pytest.raises(ValueError, match="'trials'"):
        sk.fit_readout(lif, "go-nogo", trials=0)
    u = sk.go_nogo().sample_spiking_trials()[0].u
    every, sparse = lif.run(u, record_rates=True), lif.run(u, record_rates=True, rate_every=100)
    assert sparse.rates.shape == (50, every.steps // 100)
    assert np.array_equal(sparse.rates, every.rates[:, 99::100])


def test_noise_sd_round_trips(tmp_path):
    task = sk.go_nogo()
    net = sk.RateRNN(n=20, task=task, seed=2, noise_sd=0.3)
    assert net.noise_sd == 0.3
    path = sk.save_rate_model(tmp_path / "noisy.mat", net, sk.train(net, task, n_trials=20))
    assert load_mat(path)["noise_sd"].item() == 0.3
    model = sk.load_rate_model(path)
    assert model.noise_sd == 0.3 and model.to_rate_rnn().noise_sd == 0.3
