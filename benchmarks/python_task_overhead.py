"""What a task written in Python costs per trial against the shipped task it re-implements.

    PYTHONPATH=<build>/python python3 benchmarks/python_task_overhead.py [N] [TRIALS]

Times, for spikernn.go_nogo() and the same task written in Python (spikernn.python_task): drawing
a trial alone, training (one trial per Adam step, evaluations included), rate evaluation, and the
spiking evaluation (one thread). Both runs give the same numbers; the difference per trial is the
price of the callbacks (a generator call, a correctness call, numpy conversions, the GIL).
"""
import sys
import time

import numpy as np

import spikernn as sk

T, ON, DUR = 200, 50, 25


class PyGoNoGo:
    name = "py-go-nogo"
    n_inputs = 1
    n_steps = T
    min_trials_before_stop = 1500

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
        return window.max() > 0.7 if trial.label > 0.5 else np.abs(window).max() < 0.3

    def spiking_trial(self, rng):
        return self.make(rng.uniform() >= 0.5, T + 1)

    def spiking_correct(self, trial, output, dt):
        peak = output[max(0, round(0.5 / dt) - 1):].max()
        return peak > 0.7 if trial.label > 0.5 else peak < 0.3


def best_of(f, repeats=3):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    trials = int(sys.argv[2]) if len(sys.argv) > 2 else 600
    tasks = {"built-in": sk.go_nogo(), "python": sk.python_task(PyGoNoGo())}
    print(f"Go-NoGo, T = {T}, N = {n}, {trials} training trials; best of 3; per trial in microseconds")
    print(f"{'':24}{'built-in':>12}{'python':>12}{'overhead':>12}")

    def row(what, count, make):
        t = {k: best_of(make(task)) / count * 1e6 for k, task in tasks.items()}
        print(f"{what:24}{t['built-in']:12.1f}{t['python']:12.1f}{t['python'] - t['built-in']:12.1f}")

    row("draw a trial", 2000, lambda task: lambda: [task.trial(seed=1, index=k) for k in range(2000)])
    evals = trials // 100 * 100 + 100  # eval_trials=100 after trials 1, 101, ...: ~100 per 100 trials

    def train(task):
        def run():
            net = sk.RateRNN(n=n, task=task, seed=1)
            sk.train(net, task, n_trials=trials, loss_below=-1)
        return run
    row("train (+ evaluations)", trials + evals, train)
    net = sk.RateRNN(n=n, task=tasks["built-in"], seed=1)
    row("evaluate_rate", 500, lambda task: lambda: sk.evaluate_rate(net, task, trials=500))
    row("evaluate_spiking (LIF)", 20,
        lambda task: lambda: sk.evaluate_spiking(net, task, factor=50, trials=20, threads=1))


if __name__ == "__main__":
    main()
