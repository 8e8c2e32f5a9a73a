import sys, numpy as np, spikernn as sk             # python3 complete_workflow.py [N] [n_trials] [search_trials]
N, n_trials, search_trials = [int(a) for a in sys.argv[1:4]] + [200, 6000, 100][len(sys.argv[1:4]):]
task = sk.go_nogo()                                                     # 1 input, T = 200 steps of 5 ms
net = sk.RateRNN(n=N, p_inh=0.2, p_rec=0.2, taus=(4, 20), activation="sigmoid", task=task, seed=1)
fit = sk.train(net, task, n_trials=n_trials, progress=print)            # Adam, the Kim 2019 stop rule
path = sk.save_rate_model(sk.model_path("out", net, task), net, fit)    # the original's MAT schema
search = sk.search_scaling(path, trials=search_trials)                  # λ grid search, factors 20:5:75
sk.save_scaling_search(path, search)                                    # opt_scaling_factor → the file
lif = sk.to_lif(path, search.best_factor)                               # LIF network: W / factor
u = np.zeros((1, 201)); u[0, 50:75] = 1                                 # a Go stimulus (125 ms pulse)
res = lif.run(u, seed=1, record_spikes=True)                            # 20,000 steps of 0.05 ms
print(f"{path}\nfactor {search.best_factor:g}, accuracy {search.best_perf:.2f}: "
      f"{res.total_spikes} spikes, output {res.output[-1]:.4f}")
try:
    import matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot as plt
    for kind, (t, unit) in sk.spike_raster(res, lif.inh).items():
        plt.plot(t, unit, ".", ms=1, label=kind, color="tab:blue" if kind == "inh" else "tab:red")
    plt.xlabel("time (s)"); plt.ylabel("unit"); plt.legend(); plt.savefig("raster.png", dpi=150)
except ImportError:
    print("no matplotlib: raster skipped")
