"""Brian2 from Python: export_brian2 writes a LIFNetwork and a task's trials into a new folder
(network.py, the network and the trials as NPY, trials.json, spikernn_reference.json, the
noiseless trial of --verify); the folder holds what docs/brian2.md says, spikernn's reference is
evaluate_spiking's score on the very trials, an existing non-empty folder is refused, and, where
brian2 imports, network.py --verify reruns the noiseless trial step for step."""
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import spikernn as sk

TRIALS = 4
FILES = ["network.py", "w.npy", "w_in.npy", "w_out.npy", "b_out.npy", "tau_d.npy", "inhibitory.npy", "stimuli.npy",
         "labels.npy", "verify_v0.npy", "verify_out.npy", "trials.json", "spikernn_reference.json"]


@pytest.fixture(scope="module")
def lif():
    net = sk.RateRNN(n=30, task="go-nogo", seed=3)  # untrained: its spikes are what matters here
    return sk.to_lif(net, 10.0)


@pytest.fixture(scope="module")
def export(lif, tmp_path_factory):
    folder = tmp_path_factory.mktemp("brian2") / "go_nogo"  # a new folder: the export makes it
    summary = sk.export_brian2(folder, lif, "go_nogo", trials=TRIALS, seed=2, threads=1)
    return folder, summary


def test_folder_holds_the_documented_files(lif, export):
    folder, s = export
    assert s["folder"] == str(folder) and s["script"] == str(folder / "network.py")
    assert s["files"] == [str(folder / f) for f in FILES]  # the script first
    assert sorted(os.listdir(folder)) == sorted(FILES)
    script = (folder / "network.py").read_text()
    assert script.startswith("#!/usr/bin/python3\n")
    assert 'TASK = "go-nogo"' in script and 'RULE = "go_nogo_peak"' in script
    compile(script, "network.py", "exec")  # valid Python, whatever runs it

    n, n_in = lif.n, lif.n_inputs
    arrays = {f[:-4]: np.load(folder / f) for f in FILES if f.endswith(".npy")}
    for name, shape in {"w": (n, n), "w_in": (n, n_in), "w_out": (n,), "b_out": (), "tau_d": (n,),
                        "inhibitory": (n,), "labels": (TRIALS,), "verify_v0": (n,)}.items():
        assert arrays[name].shape == shape, name
    assert arrays["inhibitory"].dtype == np.bool_
    assert all(arrays[k].dtype == np.float64 for k in ("w", "w_in", "w_out", "b_out", "tau_d", "stimuli"))
    assert np.array_equal(arrays["w"], lif.w) and np.array_equal(arrays["w_in"], lif.w_in)
    assert np.array_equal(arrays["w_out"], np.ravel(lif.w_out)) and float(arrays["b_out"]) == lif.b_out
    assert np.array_equal(arrays["tau_d"], np.ravel(lif.tau_d))
    assert np.array_equal(arrays["inhibitory"], lif.inh)

    # trial k is evaluate_spiking's held-out trial k of seed 2
    task = sk.go_nogo()
    first = task.spiking_trial(seed=2, index=sk.HELD_OUT_FIRST_TRIAL)
    assert arrays["stimuli"].shape == (TRIALS, n_in, first.u.shape[1])
    for k in range(TRIALS):
        tr = task.spiking_trial(seed=2, index=sk.HELD_OUT_FIRST_TRIAL + k)
        assert np.array_equal(arrays["stimuli"][k], tr.u) and arrays["labels"][k] == tr.label
    columns = len(range(0, first.u.shape[1], lif.params["downsample"]))  # every downsample-th column
    assert arrays["verify_out"].shape == ((columns - 1) * lif.params["steps_per_column"],)

    trials = json.loads((folder / "trials.json").read_text())
    assert trials["task"] == "go-nogo" and trials["seed"] == 2 and trials["trials"] == TRIALS
    assert trials["first_trial"] == sk.HELD_OUT_FIRST_TRIAL and len(trials["conditions"]) == TRIALS


def test_reference_is_spikernns_score_on_the_same_trials(lif, export):
    folder, s = export
    ref = json.loads((folder / "spikernn_reference.json").read_text())
    score = sk.evaluate_spiking(lif, "go-nogo", trials=TRIALS, seed=2, threads=1)
    assert ref["trials"] == TRIALS and ref["N"] == lif.n and ref["task"] == "go-nogo"
    assert ref["correct"] == [bool(c) for c in score.correct] == [bool(c) for c in s["correct"]]
    assert ref["accuracy"] == pytest.approx(score.accuracy) == s["accuracy"]
    assert ref["total_spikes"] == score.total_spikes == s["total_spikes"]
    assert tuple(ref["accuracy_interval"]) == pytest.approx(score.interval)
    assert ref["inhibitory_known"] is True
    assert 0 <= ref["verify"]["trial"] < TRIALS and ref["verify"]["total_spikes"] > 0
    assert s["rule"]["type"] == "go_nogo_peak" and s["trials"] == TRIALS and s["seed"] == 2


def test_existing_folders_are_refused(lif, export, tmp_path):
    folder, _ = export
    before = {f: (folder / f).read_bytes() for f in FILES}
    with pytest.raises(sk.FileError, match="not empty"):
        sk.export_brian2(folder, lif, "go-nogo", trials=2)
    assert {f: (folder / f).read_bytes() for f in FILES} == before
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(sk.FileError, match="not empty") as e:
        sk.export_brian2(mine, lif, "go-nogo", trials=2)
    assert str(mine) in str(e.value)
    assert os.listdir(mine) == ["notes.txt"] and (mine / "notes.txt").read_text() == "keep me"
    (tmp_path / "file").write_text("x")
    with pytest.raises(sk.FileError, match="not a folder"):
        sk.export_brian2(tmp_path / "file", lif, "go-nogo", trials=2)
    empty = tmp_path / "empty"  # an existing empty folder is fine
    empty.mkdir()
    s = sk.export_brian2(empty, lif, sk.go_nogo(), trials=1, threads=1)
    assert s["script"] == str(empty / "network.py") and len(os.listdir(empty)) == len(FILES)


def test_bad_arguments_are_refused(lif, tmp_path):
    with pytest.raises(ValueError, match="'trials'"):
        sk.export_brian2(tmp_path / "a", lif, "go-nogo", trials=0)
    with pytest.raises(ValueError, match="'task'"):
        sk.export_brian2(tmp_path / "a", lif, "xor")  # two inputs, the network has one
    with pytest.raises(ValueError, match="'task'"):
        sk.export_brian2(tmp_path / "a", lif, "nonsense")
    qif = sk.to_lif(sk.RateRNN(n=10, task="go-nogo"), 70.0, neuron="qif")
    with pytest.raises(ValueError, match="'neuron'"):
        sk.export_brian2(tmp_path / "a", qif, "go-nogo")
    py_task = sk.python_task(name="mine", n_inputs=1, n_steps=10,
                             generate=lambda rng: (np.zeros((1, 10)), np.zeros(10)),
                             correct=lambda trial, out: True,
                             spiking_correct=lambda trial, out, dt: True)
    with pytest.raises(ValueError, match="'task'.*Python"):
        sk.export_brian2(tmp_path / "a", lif, py_task)
    assert not (tmp_path / "a").exists()  # nothing refused leaves a folder behind


@pytest.mark.skipif(importlib.util.find_spec("brian2") is None, reason="brian2 is not installed (python3-brian)")
def test_brian2_reruns_the_export(export, tmp_path):
    folder, _ = export
    script = str(folder / "network.py")
    run = subprocess.run([sys.executable, script, "--verify", "--codegen", "numpy"], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    verdict = json.loads(run.stdout.strip().splitlines()[-1])
    assert verdict["verified"] is True and verdict["spikes"] == verdict["spikernn_spikes"] > 0
    out = tmp_path / "result.json"
    run = subprocess.run([sys.executable, script, "--trials", "2", "--codegen", "numpy", "--out", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(out.read_text())
    assert result["trials"] == 2 and len(result["correct"]) == 2 and result["task"] == "go-nogo"
    assert "spikernn: accuracy" in run.stdout and "brian2:   accuracy" in run.stdout
