"""The GLIFR paper's networks and the spiking mode RNN from Python against spikernn-glifr and
spikernn-smnn: the same seed and settings give the same files, bit for bit, and the same progress
lines (tiny networks, a few updates)."""
import os

import numpy as np
import pytest

import spikernn as sk
from conftest import assert_same_mat, load_mat, run_program

import glifr_outputs


@pytest.fixture(scope="module")
def mnist_dir(tmp_path_factory):
    """A small MNIST-format data set (glifr_outputs.make_data: 300 training, 100 test digits)."""
    d = tmp_path_factory.mktemp("mnist")
    glifr_outputs.make_data(str(d))
    return str(d)


# ---- GLIFR ------------------------------------------------------------------------------------

def test_glifr_settings_and_models():
    s = sk.GlifrSettings("sine")
    assert (s.epochs, s.batch, s.lr, s.eval_every) == (5000, 2, 1e-4, 50)
    d = sk.glifr_sine_dataset()
    assert (d.n_inputs, d.n_outputs, d.n_train, d.classify) == (1, 1, 6, False)
    u, z, label = d.train_sample(0)
    assert u.shape == (1, 100) and z.shape == (1, 100) and label == -1
    assert "LHetA" in sk.glifr_types()
    m = sk.GlifrModel("LHetA", sk.GlifrSettings("sine", hidden=6), d, seed=4)
    assert (m.family, m.size, m.delay) == ("glifr", 6, 20)
    a = m.arrays()
    assert a["weight_iv"].shape == (1, 6) and a["trans_k_j"].shape == (2, 6)
    assert m.forward(u).shape == (1, 100)
    assert sk.GlifrModel("LSTM", s, d).family == "lstm"
    with pytest.raises(ValueError, match="'types'|'type'"):
        sk.GlifrModel("Nope", s, d)
    with pytest.raises(ValueError, match="'task'"):
        sk.GlifrSettings("sines")
    with pytest.raises(ValueError, match="'dataset'"):
        sk.train_glifr(m, d, sk.GlifrSettings("lmnist"))


def test_glifr_sine_matches_the_program(tmp_path):
    types = ["Hom", "LHetA", "RNN", "LSTM"]
    out = tmp_path / "program"
    run_program("glifr", "--task", "sine", "--types", ",".join(types), "--epochs", 2, "--hidden", 6,
                "--seed", 3, "--threads", 1, "--out", out)
    s = sk.GlifrSettings("sine", epochs=2, hidden=6)
    d = sk.glifr_sine_dataset()
    tests = []
    for t in types:
        m = sk.GlifrModel(t, s, d, seed=3)
        run = sk.train_glifr(m, d, s, progress=tests.append)
        ours = sk.save_glifr(tmp_path / "py" / f"{t}-1" / "params.mat", m, run)
        assert_same_mat(out / f"{t}-1" / "params.mat", ours)
        assert np.array_equal(np.load(out / f"{t}-1" / "npy" / "output_1.npy"), run.outputs[0])
        again = sk.load_glifr(ours)
        assert again.type == t and np.array_equal(again.parameters, m.parameters)
        assert np.array_equal(sk.load_glifr(ours, initial=True).parameters, run.initial.parameters)
    assert [x["epoch"] for x in tests] == [2] * len(types)


def test_glifr_mnist_matches_the_program(tmp_path, mnist_dir):
    flags = dict(epochs=1, hidden=6, batch=32)
    out = tmp_path / "program"
    run_program("glifr", "--task", "lmnist", "--types", "HomA", "--epochs", 1, "--hidden", 6, "--batch", 32,
                "--train_limit", 64, "--test_limit", 32, "--data", mnist_dir, "--seed", 2, "--out", out)
    s = sk.GlifrSettings("lmnist", **flags)
    d = sk.glifr_mnist_dataset(mnist_dir, train_limit=64, test_limit=32)
    assert (d.n_inputs, d.n_outputs, d.n_train, d.n_test, d.classify) == (28, 10, 64, 32, True)
    m = sk.GlifrModel("HomA", s, d, seed=2)
    run = sk.train_glifr(m, d, s)
    ours = sk.save_glifr(tmp_path / "py" / "params.mat", m, run)
    assert_same_mat(out / "HomA-1" / "params.mat", ours)
    assert 0 <= run.test_accuracy <= 1


# ---- spiking mode RNN -------------------------------------------------------------------------

def program_lines(stdout, name):
    return [line for line in stdout.splitlines() if line.startswith(name + " ")]


def test_smnn_context_matches_the_program(tmp_path):
    out = tmp_path / "program"
    stdout = run_program("smnn", "--task", "context", "--N", 12, "--P", 2, "--steps", 40, "--rounds", 3,
                         "--steps_per_round", 2, "--batch", 4, "--test_trials", 8, "--seed", 2, "--threads", 1,
                         "--out", out)
    net = sk.ModeSNN("context", n=12, p=2, seed=2)
    assert (net.n, net.p, net.n_inputs, net.n_outputs, net.surrogate) == (12, 2, 4, 1, "fast_sigmoid")
    lines = []
    run = sk.train_smnn_context(net, steps=40, rounds=3, steps_per_round=2, batch=4, test_trials=8,
                                progress=lambda r: lines.append(r["line"]))
    assert lines == program_lines(stdout, "N12_P2-1") and lines
    ours = sk.save_mode_snn(tmp_path / "py" / "modes.mat", net, run)
    assert_same_mat(out / "N12_P2-1" / "modes.mat", ours)
    assert np.array_equal(np.load(out / "N12_P2-1" / "npy" / "mean_output_per_condition.npy"),
                          run.mean_output_per_condition)
    again = sk.load_mode_snn(ours)
    assert np.array_equal(again.parameters, net.parameters) and again.task == "context"


def test_smnn_mnist_matches_the_program(tmp_path, mnist_dir):
    out = tmp_path / "program"
    stdout = run_program("smnn", "--task", "mnist", "--N", 10, "--P", "full", "--surrogate", "arctan",
                         "--steps", 8, "--epochs", 2, "--batches_per_epoch", 2, "--batch", 16, "--test_every", 1,
                         "--train_limit", 64, "--test_limit", 32, "--data", mnist_dir, "--seed", 5,
                         "--threads", 1, "--out", out)
    train = sk.mnist_digits(mnist_dir, "train", limit=64)
    test = sk.mnist_digits(mnist_dir, "test", limit=32)
    assert len(train) == 64 and train.pixels.shape == (64, 784) and len(test.labels) == 32
    net = sk.ModeSNN("mnist", n=10, p="full", surrogate="arctan", seed=5)
    assert net.full_rank and net.p == 0
    lines = []
    run = sk.train_smnn_mnist(net, train, test, steps=8, epochs=2, batches_per_epoch=2, batch=16, test_every=1,
                              progress=lambda r: lines.append(r["line"]))
    assert lines == program_lines(stdout, "N10_Pfull-1") and len(lines) == 2
    ours = sk.save_mode_snn(tmp_path / "py" / "modes.mat", net, run)
    assert_same_mat(out / "N10_Pfull-1" / "modes.mat", ours)
    with pytest.raises(ValueError, match="'net'"):
        sk.train_smnn_context(net, steps=4, rounds=1)
    with pytest.raises(ValueError, match="'p'"):
        sk.ModeSNN("mnist", n=4, p=5)
    with pytest.raises(ValueError, match="'surrogate'"):
        sk.ModeSNN("mnist", surrogate="relu")
