"""The Python package against the C++ programs: tasks, training (bit for bit the same model file as
spikernn-train), files, errors, progress callbacks and Ctrl-C."""
import os
import signal
import threading

import numpy as np
import pytest
import scipy.io

import spikernn as sk
from conftest import assert_same_mat, load_mat, run_program

# ---- tasks ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name, n_inputs, T, conditions", [
    ("go-nogo", 1, 200, {"go", "nogo"}),
    ("go_nogo", 1, 200, {"go", "nogo"}),
    ("xor", 2, 300, {"++", "+-", "-+", "--"}),
    ("mante", 4, 500, {"context1", "context2"}),
    ("mante-port", 4, 500, {"color", "motion"}),
])
def test_tasks_by_name(name, n_inputs, T, conditions):
    task = sk.make_task(name)
    assert task.name == sk.canonical_task_name(name)
    assert (task.n_inputs, task.n_steps) == (n_inputs, T)
    seen = set()
    for k in range(40):
        tr = task.trial(seed=2, index=k)
        assert tr.u.shape == (n_inputs, T) and tr.u.dtype == np.float64
        assert tr.z.shape == (T,)
        seen.add(tr.condition)
    assert seen == conditions
    again = task.trial(seed=2, index=7)
    assert np.array_equal(again.u, task.trial(seed=2, index=7).u)
    assert not np.array_equal(task.trial(seed=2, index=7).u, task.trial(seed=3, index=7).u) or name.startswith("go")
    sp = task.spiking_trial(seed=1, index=0)
    assert sp.u.shape == (n_inputs, T + 1)
    assert {t.condition for t in task.sample_spiking_trials()} <= conditions


def test_task_parameters_and_rules():
    task = sk.go_nogo(T=120, stim_on=20, stim_dur=10, min_trials_before_stop=10)
    assert task.params["T"] == 120 and task.min_trials_before_stop == 10
    go = next(task.trial(seed=1, index=k) for k in range(10) if task.trial(seed=1, index=k).condition == "go")
    assert go.u[0, 20:30].tolist() == [1.0] * 10 and go.u.sum() == 10
    assert task.correct(go, go.z[:-1])           # the target itself meets the rule
    assert not task.correct(go, np.zeros(119))
    port = sk.mante_port(rule="after_stimulus", threshold=0.3)
    assert port.params["rule"] == "after_stimulus"
    with pytest.raises(ValueError, match="'rule'"):
        sk.mante_port(rule="sometimes")
    with pytest.raises(ValueError, match="'stim_on/stim_dur'"):
        sk.go_nogo(T=50, stim_on=40, stim_dur=20)


def test_rng_streams_continue():
    task = sk.xor()
    a, b = sk.Rng(4, "spiking", 9), sk.Rng(4, "spiking", 9)
    assert np.array_equal(task.spiking_trial(rng=a).u, task.spiking_trial(seed=4, index=9).u)
    assert a.uniform() != b.uniform()   # a advanced by the trial's draws, b did not
    c = b.copy()
    assert b.normal() == c.normal()


# ---- training: the same file as spikernn-train ----------------------------------------------

CONFIGS = [
    # (program flags, RateRNN kwargs, train kwargs)
    (["--task", "go-nogo", "--N", "50", "--n_trials", "200", "--seed", "3"],
     dict(n=50, task="go-nogo", seed=3), dict(n_trials=200)),
    (["--task", "xor", "--N", "30", "--act", "clipped_relu", "--apply_dale", "false", "--decay_taus", "4", "50",
      "--n_trials", "120", "--seed", "5", "--batch", "2", "--loss_fn", "L1"],
     dict(n=30, task="xor", activation="clipped_relu", apply_dale=False, taus=(4, 50), seed=5),
     dict(n_trials=120, batch=2, loss="l1")),
    (["--task", "mante_port", "--N", "40", "--act", "softplus", "--decay_taus", "7", "--som_N", "3", "--P_inh", "0.3",
      "--P_rec", "0.3", "--gain", "1.2", "--w_dist", "gamma", "--n_trials", "60", "--seed", "7"],
     dict(n=40, task="mante_port", activation="softplus", taus=7, som_n=3, p_inh=0.3, p_rec=0.3, gain=1.2,
          w_dist="gamma", seed=7), dict(n_trials=60)),
]


@pytest.mark.parametrize("flags, net_kw, train_kw", CONFIGS, ids=["go-nogo", "xor-relu-nodale-batch", "port-softplus-som"])
def test_training_equals_spikernn_train(tmp_path, flags, net_kw, train_kw):
    if os.environ.get("SPIKERNN_EXACT", "1") == "0":
        pytest.skip("a Debug build: the programs run at -O0, the package at -O2 (other floating-point rounding)")
    out = run_program("train", *flags, "--output_dir", tmp_path / "program", "--quiet").strip()
    net = sk.RateRNN(**net_kw)
    fit = sk.train(net, net_kw["task"], **train_kw)
    stamp = os.path.basename(out)[-21:-4]  # YYYY_MM_DD_HHMMSS
    mine = sk.model_path(tmp_path / "python", net, net_kw["task"], date=stamp)
    # the program's file name, built in Python
    assert os.path.relpath(mine, tmp_path / "python") == os.path.relpath(out, tmp_path / "program")
    assert sk.save_rate_model(mine, net, fit) == mine
    assert_same_mat(mine, out)
    assert sk.model_path(tmp_path / "python", net, net_kw["task"], date=stamp).endswith(stamp + "_2.mat")
    if net_kw["task"] == "go-nogo":  # trials: the last training trial and the initial run
        saved = load_mat(out)
        last = sk.make_task("go-nogo").trial(seed=3, index=199)
        assert np.array_equal(saved["u"], last.u) and np.array_equal(saved["target"][0], last.z)
        assert np.array_equal(fit.initial["u"], sk.go_nogo().trial(seed=3, index=0, stream="initial").u)
        assert fit.last_trial == 199 and not fit.success and fit.trials_to_criterion is None
        assert fit.losses.shape == (200,) and list(fit.history["trial"]) == [1, 101]


def test_save_load_round_trip(small_model, tmp_path):
    net, m = small_model["net"], sk.load_rate_model(small_model["path"])
    assert (m.n, m.n_inputs, m.activation, m.apply_dale, m.task) == (50, 1, "sigmoid", True, "go-nogo")
    assert m.taus == (4.0, 20.0) and m.seed == 3 and m.opt_scaling_factor is None
    assert np.array_equal(m.w, net.w_exported) and m.w.dtype == np.float32
    assert np.array_equal(m.w_in, net.w_in) and np.array_equal(m.w_out, net.w_out)
    assert np.array_equal(m.taus_gaus, net.taus_gaus) and np.array_equal(m.inh, net.inh)
    assert m.b_out == net.b_out
    w0 = small_model["fit"].initial_parameters[: 50 * 50].reshape(50, 50, order="F")
    assert np.array_equal(m.w0, np.maximum(w0, 0))
    back = m.to_rate_rnn()  # w as stored: after relu (the trained w may hold negative entries)
    assert np.array_equal(back.w_effective, net.w_effective)
    tr = sk.go_nogo().trial(seed=1, index=3)
    assert np.array_equal(back.run(tr, seed=4)["o"], net.run(tr, seed=4)["o"])
    assert np.allclose(m.rate_outputs(tr, seed=4), net.run(tr, seed=4)["o"])
    assert np.array_equal(sk.load_eval_labels(small_model["path"]), small_model["fit"].eval_labels)
    # a model in memory converts like its file
    mem = net.to_model(small_model["fit"])
    assert np.array_equal(mem.w0, m.w0) and mem.task == "go-nogo"


def test_weights_are_numpy_and_writable():
    net = sk.RateRNN(n=20, seed=1)
    w = net.w
    assert w.shape == (20, 20) and w.dtype == np.float32
    assert net.w_in.shape == (20, 1) and net.w_out.shape == (1, 20) and net.taus_gaus.shape == (20,)
    assert net.n_exc + net.n_inh == 20 and net.inh.dtype == bool
    w[0, 0] = 123.0                      # a copy: the network is unchanged …
    assert net.w[0, 0] != 123.0
    net.w = w                            # … until assigned
    assert net.w[0, 0] == 123.0
    net.b_out = 0.5
    assert net.b_out == 0.5
    with pytest.raises(ValueError, match="'w'.*shape \\(20, 20\\)"):
        net.w = np.zeros((3, 3))
    with pytest.raises(ValueError, match="'w_out'"):
        net.w_out = np.full((1, 20), np.nan)
    copy = net.copy()
    copy.b_out = 1.0
    assert net.b_out == 0.5


def test_evaluate_rate(small_model):
    ev = sk.evaluate_rate(small_model["net"], "go-nogo", trials=30, seed=2)
    assert ev["outputs"].shape == (30, 199) and len(ev["conditions"]) == 30
    assert 0 <= ev["accuracy"] <= 1


# ---- progress, stop, Ctrl-C, checkpoints ----------------------------------------------------


def test_progress_callback_sees_evaluations_and_can_stop():
    seen = []
    net = sk.RateRNN(n=30, seed=1)
    fit = sk.train(net, sk.go_nogo(), n_trials=400, progress=seen.append)
    assert [p.trial for p in seen] == [1, 101, 201, 301, 399]
    assert seen[-1].final and all(p.evaluated for p in seen)
    assert not fit.stopped
    net = sk.RateRNN(n=30, seed=1)
    fit = sk.train(net, sk.go_nogo(), n_trials=400, progress=lambda p: p.trial >= 101)
    assert fit.stopped and fit.last_trial == 101 and not fit.success


def test_progress_callback_errors_propagate():
    def boom(p):
        raise ZeroDivisionError("from the callback")

    with pytest.raises(ZeroDivisionError, match="from the callback"):
        sk.train(sk.RateRNN(n=20, seed=1), sk.go_nogo(), n_trials=50, progress=boom)


class CtrlC:
    """A progress callback that has a SIGINT sent to this process soon after training started,
    as a Ctrl-C in a terminal or a notebook's interrupt would."""

    def __init__(self, delay=0.05):
        self.delay, self.timer = delay, None

    def __call__(self, progress, *_):
        if self.timer is None:
            self.timer = threading.Timer(self.delay, os.kill, (os.getpid(), signal.SIGINT))
            self.timer.start()


def test_ctrl_c_checkpoints_and_resume_repeats_the_run(tmp_path):
    kw = dict(n_trials=3000, min_trials=3000, eval_every=1000, eval_trials=20, seed=2)
    ck = tmp_path / "run.ckpt"
    net = sk.RateRNN(n=60, seed=1)
    with pytest.raises(KeyboardInterrupt, match="checkpoint written to .*run.ckpt"):
        sk.train(net, sk.go_nogo(), checkpoint=ck, progress=CtrlC(), **kw)
    assert ck.exists()
    resumed = sk.RateRNN(n=60, seed=1)
    fit = sk.train(resumed, sk.go_nogo(), resume=ck, **kw)
    assert fit.losses[0] != 0 and fit.losses[-1] != 0
    whole = sk.RateRNN(n=60, seed=1)
    ref = sk.train(whole, sk.go_nogo(), **kw)
    assert np.array_equal(resumed.parameters, whole.parameters)
    assert np.array_equal(fit.losses, ref.losses)
    # the next run is not interrupted by the flag this one raised
    assert sk.train(sk.RateRNN(n=20, seed=1), sk.go_nogo(), n_trials=20).last_trial == 19


def test_ctrl_c_without_checkpoint_raises_keyboard_interrupt():
    net = sk.RateRNN(n=60, seed=1)
    with pytest.raises(KeyboardInterrupt):
        sk.train(net, sk.go_nogo(), n_trials=6000, min_trials=6000, eval_every=1000, eval_trials=10, progress=CtrlC())


# ---- errors ---------------------------------------------------------------------------------


def test_errors_name_the_parameter():
    with pytest.raises(ValueError, match="'N'"):
        sk.RateRNN(n=0)
    with pytest.raises(ValueError, match="'activation'.*tanh"):
        sk.RateRNN(activation="tanh")
    with pytest.raises(ValueError, match="'decay_taus'"):
        sk.RateRNN(taus=(20, 4))
    with pytest.raises(ValueError, match="'som_N'|'som_n'"):
        sk.RateRNN(n=10, som_n=11)
    with pytest.raises(ValueError, match="'task'.*flip-flop"):
        sk.make_task("flip-flop")
    net = sk.RateRNN(n=20)
    with pytest.raises(ValueError, match="'n_trials'"):
        sk.train(net, "go-nogo", n_trials=0)
    with pytest.raises(ValueError, match="'loss_fn'|'loss'"):
        sk.train(net, "go-nogo", loss="mse")
    with pytest.raises(ValueError, match="'task'.*1 input"):
        sk.train(net, "xor")
    with pytest.raises(ValueError, match="'checkpoint_every'"):
        sk.train(net, "go-nogo", n_trials=10, checkpoint_every=5)  # no checkpoint file
    with pytest.raises(ValueError, match="'progress'"):
        sk.train(net, "go-nogo", progress=3)


def test_file_errors(tmp_path, small_model):
    with pytest.raises(FileNotFoundError, match="nowhere.mat: does not exist"):
        sk.load_rate_model(tmp_path / "nowhere.mat")
    junk = tmp_path / "junk.mat"
    junk.write_text("not a MAT file")
    with pytest.raises(sk.FileError, match="junk.mat: not a MAT file") as e:
        sk.load_rate_model(junk)
    assert isinstance(e.value, OSError)
    partial = tmp_path / "partial.mat"
    scipy.io.savemat(partial, {"w": np.zeros((2, 2))})
    with pytest.raises(sk.FileError, match="variable 'w_in': missing"):
        sk.load_rate_model(partial)
    with pytest.raises(FileNotFoundError, match="missing_dir"):
        sk.save_rate_model(tmp_path / "missing_dir" / "m.mat", small_model["net"], small_model["fit"])
    with pytest.raises(FileNotFoundError, match="no such checkpoint"):
        sk.train(sk.RateRNN(n=20), "go-nogo", n_trials=10, resume=tmp_path / "none.ckpt")
    other = sk.train(sk.RateRNN(n=20), "go-nogo", n_trials=5)
    with pytest.raises(ValueError, match="'fit'"):
        sk.save_rate_model(tmp_path / "x.mat", small_model["net"], other)


# ---- NPY ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "uint8", "bool"])
def test_npy_round_trip_is_numpy_save(tmp_path, dtype):
    a = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    sk.save_npy(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", a)
    assert (tmp_path / "a.npy").read_bytes() == (tmp_path / "b.npy").read_bytes()
    back = sk.load_npy(tmp_path / "b.npy")
    assert back.dtype == a.dtype and np.array_equal(back, a)
    f = np.asfortranarray(a)
    np.save(tmp_path / "f.npy", f)
    assert np.array_equal(sk.load_npy(tmp_path / "f.npy"), a)


def test_npy_errors(tmp_path):
    with pytest.raises(ValueError, match="'array'"):
        sk.save_npy(tmp_path / "c.npy", np.zeros(3, dtype=np.complex64))
    np.save(tmp_path / "c.npy", np.zeros(3, dtype=np.float16))
    with pytest.raises(sk.FileError, match="c.npy"):
        sk.load_npy(tmp_path / "c.npy")
    with pytest.raises(FileNotFoundError):
        sk.load_npy(tmp_path / "none.npy")


# ---- the package ----------------------------------------------------------------------------


def test_stubs_cover_the_module():
    import ast
    import spikernn._spikernn as core

    stub = os.path.join(os.path.dirname(sk.__file__), "_spikernn.pyi")
    tree = ast.parse(open(stub).read())
    stubbed = {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    stubbed |= {n.target.id for n in tree.body if isinstance(n, ast.AnnAssign)}
    public = {n for n in dir(core) if not n.startswith("_")}
    assert public - stubbed == set()
    assert public <= set(sk.__all__)
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    for name, node in classes.items():  # every method and attribute of every class
        members = {m.name for m in node.body if isinstance(m, ast.FunctionDef)}
        members |= {m.target.id for m in node.body if isinstance(m, ast.AnnAssign)}
        mine = {a for a in vars(getattr(core, name)) if not a.startswith("_")}
        assert mine - members == set(), name
