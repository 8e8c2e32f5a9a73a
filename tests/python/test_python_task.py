"""Tasks written in Python (spikernn.python_task): a Python Go-NoGo trains, searches and evaluates
bit for bit as the shipped one; callbacks' exceptions come through as themselves; a wrong answer
is a ValueError naming what was expected."""
import os
import signal

import numpy as np
import pytest

import spikernn as sk

T, ON, DUR = 60, 15, 10   # a short Go-NoGo, so that every run here takes milliseconds


class PyGoNoGo:
    """The Go-NoGo task of spikernn.go_nogo(T=60, stim_on=15, stim_dur=10), in Python."""
    name = "py-go-nogo"
    n_inputs = 1
    n_steps = T
    min_trials_before_stop = 0

    def make(self, go, columns):
        u = np.zeros((1, columns))
        z = np.zeros(columns)
        if go:
            u[0, ON:ON + DUR] = 1.0
            z[ON + DUR:] = 1.0
        return sk.Trial(u, z, 1.0 if go else 0.0, "go" if go else "nogo")

    def generate(self, rng):
        return self.make(rng.uniform() <= 0.5, T)

    def correct(self, trial, outputs):
        window = outputs[ON + DUR:]
        if trial.label > 0.5:
            return window.max() > 0.7
        return np.abs(window).max() < 0.3

    def spiking_trial(self, rng):
        return self.make(rng.uniform() >= 0.5, T + 1)   # T + 1 columns, as the shipped task

    def spiking_correct(self, trial, output, dt):
        start = max(0, min(len(output), round(0.5 * T / 200 / dt) - 1))
        peak = output[start:].max()
        return peak > 0.7 if trial.label > 0.5 else peak < 0.3

    def sample_spiking_trials(self):
        return [self.make(True, T + 1), self.make(False, T + 1)]


def builtin():
    return sk.go_nogo(T=T, stim_on=ON, stim_dur=DUR, min_trials_before_stop=0, spiking_window_start=0.5 * T / 200)


@pytest.fixture(scope="module")
def trained():
    """One short training run on each task, from the same seed."""
    out = {}
    for key, task in (("builtin", builtin()), ("python", sk.python_task(PyGoNoGo()))):
        net = sk.RateRNN(n=16, task=task, seed=5)
        fit = sk.train(net, task, n_trials=30, eval_every=10, eval_trials=8)
        out[key] = (net, fit)
    return out


def test_python_task_draws_the_builtin_trials():
    py, ref = sk.python_task(PyGoNoGo()), builtin()
    assert py.is_python and not ref.is_python
    assert (py.name, py.n_inputs, py.n_steps) == ("py-go-nogo", 1, T)
    for k in range(6):
        a, b = py.trial(seed=3, index=k), ref.trial(seed=3, index=k)
        assert np.array_equal(a.u, b.u) and np.array_equal(a.z, b.z) and a.condition == b.condition
        a, b = py.spiking_trial(seed=3, index=k), ref.spiking_trial(seed=3, index=k)
        assert np.array_equal(a.u, b.u) and a.label == b.label
    assert [t.condition for t in py.sample_spiking_trials()] == ["go", "nogo"]
    assert isinstance(py.python_object, PyGoNoGo)


@pytest.mark.parametrize("activation", ["sigmoid", "softplus", "clipped_relu"])
def test_training_is_bit_for_bit_the_builtin_tasks(activation, trained):
    if activation == "sigmoid":
        (n1, f1), (n2, f2) = trained["builtin"], trained["python"]
    else:
        runs = []
        for task in (builtin(), PyGoNoGo()):   # a plain object is taken as a Python task too
            net = sk.RateRNN(n=12, task=builtin(), activation=activation, seed=2)
            runs.append((net, sk.train(net, task, n_trials=12, eval_every=6, eval_trials=4)))
        (n1, f1), (n2, f2) = runs
    assert np.array_equal(n1.parameters, n2.parameters)
    assert np.array_equal(f1.losses, f2.losses)
    assert np.array_equal(f1.eval_outputs, f2.eval_outputs)
    assert f1.eval_perf == f2.eval_perf
    assert f2.task == "py-go-nogo"
    a = sk.evaluate_rate(n1, builtin(), trials=6, seed=4)
    b = sk.evaluate_rate(n2, PyGoNoGo(), trials=6, seed=4)
    assert np.array_equal(a["outputs"], b["outputs"]) and a["accuracy"] == b["accuracy"]


def test_search_and_evaluation_agree_for_any_thread_count(trained):
    net = trained["python"][0]
    py = sk.python_task(PyGoNoGo())
    common = dict(factors=[20, 40], trials=4, seed=2)
    ref = sk.search_scaling(net, builtin(), threads=1, **common)
    for threads in (1, 2):
        s = sk.search_scaling(net, py, threads=threads, **common)
        assert np.array_equal(s.perfs, ref.perfs) and s.best_factor == ref.best_factor
        assert [x.total_spikes for x in s.scores] == [x.total_spikes for x in ref.scores]
        e = sk.evaluate_spiking(net, py, factor=30, trials=4, threads=threads)
        r = sk.evaluate_spiking(net, builtin(), factor=30, trials=4, threads=1)
        assert list(e.correct) == list(r.correct) and e.total_spikes == r.total_spikes
        assert e.rate_accuracy == r.rate_accuracy
    lif = sk.to_lif(net, 30)
    a = sk.evaluate_spiking(lif, py, trials=3, threads=2)
    b = sk.evaluate_spiking(lif, builtin(), trials=3, threads=1)
    assert list(a.correct) == list(b.correct) and a.total_spikes == b.total_spikes


def test_callables_and_defaults():
    calls = []

    def generate(rng):
        calls.append(1)
        x = rng.normal()
        return np.full((2, 8), x), np.full(8, x), 1.0, "only"   # a tuple is a trial too

    task = sk.python_task(name="noise", n_inputs=2, n_steps=8, generate=generate,
                          correct=lambda trial, o: bool(o[-1] > 0))
    assert task.params["T"] == 8 and not task.params["spiking_correct"]
    tr = task.spiking_trial(seed=1)        # no spiking_trial: generate's trial
    assert tr.u.shape == (2, 8) and tr.condition == "only"
    net = sk.RateRNN(n=10, task=task, seed=1)
    sk.train(net, task, n_trials=3, eval_every=2, eval_trials=2)
    assert len(calls) >= 1 + 3 + 2   # the trial above, 3 training trials, at least one evaluation of 2
    with pytest.raises(ValueError, match="spiking_correct"):
        sk.evaluate_spiking(net, task, factor=30, trials=2)
    with pytest.raises(ValueError, match="'n_steps'"):
        sk.python_task(name="x", n_inputs=1, generate=generate, correct=lambda t, o: True)


class Broken(PyGoNoGo):
    def __init__(self, answer):
        self.answer = answer

    def generate(self, rng):
        return self.answer(rng)


@pytest.mark.parametrize("answer, message", [
    (lambda g: (np.zeros((2, T)), np.zeros(T)), r"py-go-nogo\.generate.*shape \(1, 60\).*got \(2, 60\)"),
    (lambda g: (np.zeros((1, T - 1)), np.zeros(T - 1)), r"shape \(1, 60\) \(n_inputs × n_steps\), got \(1, 59\)"),
    (lambda g: (np.zeros((1, T)), np.zeros(T + 2)), r"one target per column of u \(60\), got 62"),
    (lambda g: (np.zeros((1, T)),), r"a trial: a spikernn.Trial, a tuple"),
    (lambda g: sk.Trial(np.zeros((2, T)), np.zeros(T)), r"shape \(1, 60\) \(n_inputs × n_steps\), got \(2, 60\)"),
    (lambda g: 3, r"a trial: .*got int"),
    (lambda g: (np.full((1, T), np.nan), np.zeros(T)), r"finite values"),
])
def test_wrong_answers_are_value_errors(answer, message):
    task = sk.python_task(Broken(answer))
    with pytest.raises(ValueError, match=message):
        task.trial()
    net = sk.RateRNN(n=8, task=task, seed=1)
    with pytest.raises(ValueError, match=message):
        sk.train(net, task, n_trials=2)


class Oops(Exception):
    pass


def test_exceptions_in_callbacks_propagate(trained):
    def fail_at(k):
        count = [0]

        def generate(rng):
            count[0] += 1
            if count[0] == k:
                raise Oops(f"trial {k}")
            return PyGoNoGo().generate(rng)
        return generate

    base = PyGoNoGo()
    task = sk.python_task(base, generate=fail_at(4))
    net = sk.RateRNN(n=8, task=task, seed=1)
    with pytest.raises(Oops, match="trial 4"):
        sk.train(net, task, n_trials=10)

    def bad_rule(trial, output, dt):
        raise KeyError("rule")
    net = trained["python"][0]
    for threads in (1, 2):
        with pytest.raises(KeyError, match="rule"):
            sk.evaluate_spiking(net, sk.python_task(base, spiking_correct=bad_rule), factor=30, trials=4,
                                threads=threads)
        with pytest.raises(ZeroDivisionError):
            sk.search_scaling(net, sk.python_task(base, spiking_trial=lambda g: 1 / 0), factors=[30], trials=2,
                              threads=threads)


def test_ctrl_c_in_a_callback_checkpoints_and_resumes(tmp_path):
    class Interrupted(PyGoNoGo):
        calls = 0

        def generate(self, rng):
            Interrupted.calls += 1
            if Interrupted.calls == 8:   # Ctrl-C lands inside the callback
                os.kill(os.getpid(), signal.SIGINT)
            return super().generate(rng)

    kw = dict(n_trials=20, eval_every=10, eval_trials=4, seed=3)
    ck = tmp_path / "run.ckpt"
    net = sk.RateRNN(n=10, task=builtin(), seed=1)
    with pytest.raises(KeyboardInterrupt, match="checkpoint written to .*run.ckpt"):
        sk.train(net, Interrupted(), checkpoint=ck, **kw)
    resumed = sk.RateRNN(n=10, task=builtin(), seed=1)
    fit = sk.train(resumed, PyGoNoGo(), resume=ck, **kw)
    whole = sk.RateRNN(n=10, task=builtin(), seed=1)
    ref = sk.train(whole, PyGoNoGo(), **kw)
    assert np.array_equal(resumed.parameters, whole.parameters) and np.array_equal(fit.losses, ref.losses)
    Interrupted.calls = 0                # without a checkpoint: the KeyboardInterrupt itself
    with pytest.raises(KeyboardInterrupt):
        sk.train(sk.RateRNN(n=10, task=builtin(), seed=1), Interrupted(), **kw)
