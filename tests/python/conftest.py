"""Shared fixtures of the Python package's tests (run by ctest as python.*, with PYTHONPATH set to
the build tree's python/ folder and SPIKERNN_TRAIN / _SEARCH / _EVAL naming the programs)."""
import os
import subprocess

import numpy as np
import pytest
import scipy.io

import spikernn as sk

MAT_META = {"__header__", "__version__", "__globals__"}


def program(name):
    """The path of a spikernn program (skips the test when the build has none)."""
    var = "SPIKERNN_" + name.upper()
    path = os.environ.get(var)
    if not path or not os.path.exists(path):
        pytest.skip(f"spikernn-{name} not built ({var} unset)")
    return path


def run_program(name, *args):
    """Runs spikernn-<name> with args; returns its standard output."""
    res = subprocess.run([program(name), *map(str, args)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, f"spikernn-{name} {' '.join(map(str, args))}: {res.stderr}"
    return res.stdout


def load_mat(path):
    return {k: v for k, v in scipy.io.loadmat(path).items() if k not in MAT_META}


def assert_same_mat(a, b, skip=()):
    """Every variable of two MAT files is the same: names, shapes, types and bits."""
    va, vb = load_mat(a), load_mat(b)
    assert sorted(va) == sorted(vb)
    for k in va:
        if k in skip:
            continue
        x, y = va[k], vb[k]
        assert x.dtype == y.dtype, k
        assert x.shape == y.shape, k
        if x.dtype.kind in "fc":
            assert np.array_equal(x, y, equal_nan=True), k
        else:
            assert np.array_equal(x, y), k


@pytest.fixture(scope="session")
def small_model(tmp_path_factory):
    """A Go-NoGo network (N = 50, 200 trials, seed 3) trained and saved from Python."""
    task = sk.go_nogo()
    net = sk.RateRNN(n=50, task=task, seed=3)
    fit = sk.train(net, task, n_trials=200)
    path = tmp_path_factory.mktemp("model") / "go_nogo_n50.mat"
    sk.save_rate_model(path, net, fit)
    return {"path": str(path), "net": net, "fit": fit, "task": task}
