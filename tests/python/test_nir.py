"""NIR files from Python: export_nir writes a LIFNetwork; read_nir_network gives back the very
network (float64); simulate_nir steps the file as spikernn's NIR simulator; what does not fit
is refused with the reason."""
import numpy as np
import pytest

import spikernn as sk

pytestmark = pytest.mark.skipif(not hasattr(sk, "export_nir"), reason="spikernn built without HDF5 (NIR files)")


@pytest.fixture(scope="module")
def lif():
    net = sk.RateRNN(n=30, task="go-nogo", seed=3)  # untrained: its spikes are what matters here
    return sk.to_lif(net, 10.0)


def test_exact_double_file_reads_back_into_the_same_network(lif, tmp_path):
    path = tmp_path / "net.nir"
    assert sk.export_nir(path, lif, precision="double", metadata={"task": "go_nogo", "n": 3}) == str(path)
    same = sk.read_nir_network(path)
    u = sk.go_nogo().sample_spiking_trials()[0].u
    a = lif.run(u, seed=2, record_spikes=True)
    b = same.run(u, seed=2, record_spikes=True)
    assert a.total_spikes > 0
    assert np.array_equal(a.spikes, b.spikes) and np.array_equal(a.output, b.output)
    assert same.params == lif.params
    with pytest.raises(sk.FileError, match="exists"):
        sk.export_nir(path, lif)
    sk.export_nir(path, lif, overwrite=True)


def test_portable_file_is_simulated_but_not_rebuilt(lif, tmp_path):
    path = tmp_path / "portable.nir"
    sk.export_nir(path, lif, mode="portable")
    with pytest.raises(ValueError, match="CubaLIF"):
        sk.read_nir_network(path)
    steps = 2000
    u = np.zeros((1, steps))
    u[0, 500:1000] = 1.0
    y = sk.simulate_nir(path, u, seed=4)
    assert y.shape == (1, steps) and np.all(np.isfinite(y))
    assert np.array_equal(y, sk.simulate_nir(path, u, seed=4))  # seeded
    with pytest.raises(ValueError, match="'inputs'"):
        sk.simulate_nir(path, np.zeros((3, 10)))


def test_bad_arguments_are_refused(lif, tmp_path):
    with pytest.raises(ValueError, match="'mode'"):
        sk.export_nir(tmp_path / "x.nir", lif, mode="fast")
    with pytest.raises(ValueError, match="'precision'"):
        sk.export_nir(tmp_path / "x.nir", lif, precision="half")
    with pytest.raises(ValueError, match="'metadata'"):
        sk.export_nir(tmp_path / "x.nir", lif, metadata={"bad": object()})
    qif = sk.to_lif(sk.RateRNN(n=10, task="go-nogo"), 70.0, neuron="qif")
    with pytest.raises(ValueError, match="'neuron'"):
        sk.export_nir(tmp_path / "q.nir", qif)
    with pytest.raises(FileNotFoundError):
        sk.read_nir_network(tmp_path / "missing.nir")
    (tmp_path / "text.nir").write_text("not HDF5")
    with pytest.raises(sk.FileError, match="not an HDF5 file"):
        sk.read_nir_network(tmp_path / "text.nir")


# ---- spiking mode RNNs (ModeSNN) --------------------------------------------------------------


def busy_mode_snn(task, **kw):
    """A small ModeSNN whose units spike often (several times each: the reset and the refractory
    period count), as tests/convert/mode_snn_nir.cpp: W_in × 6 and λ (or W_rec) × 40."""
    net = sk.ModeSNN(task, n=16, seed=21, **kw)
    n, n_in, p = net.n, net.n_inputs, net.p
    v = net.parameters.copy()
    v[:n * n_in] *= 6.0                                          # w_in
    if net.full_rank:
        v[-n * n:] *= 40.0                                       # w_rec, the last block
    else:
        v[n * n_in + n * p:n * n_in + n * p + p] *= 40.0         # lambda, after w_in and xi_in
    net.parameters = v
    assert np.allclose(net.w_in, 6.0 * sk.ModeSNN(task, n=16, seed=21, **kw).w_in)
    return net


def binary_input(rows, steps, seed=3, p=0.3):
    return (np.random.default_rng(seed).random((rows, steps)) < p).astype(float)


def check_busy(ref, steps):
    spikes = ref["spikes"].sum()
    assert spikes > 2 * ref["spikes"].shape[0] and spikes < 0.5 * ref["spikes"].size


@pytest.mark.parametrize("fold", [False, True])
def test_mode_snn_per_step_file_gives_the_network_outputs_step_for_step(tmp_path, fold):
    net = busy_mode_snn("context", p=2)                          # per_step readout, double filter
    path = tmp_path / "context.nir"
    assert sk.export_nir(path, net, precision="double", fold_modes=fold) == str(path)
    steps = 80
    u = np.random.default_rng(3).random((net.n_inputs, steps))  # analog inputs, as the task's
    ref = net.run(u, precision="double")
    check_busy(ref, steps)
    y = sk.simulate_nir(path, u)                                 # dt: the file's metadata
    assert y.shape == (net.n_outputs, steps)
    np.testing.assert_allclose(y, ref["output"], rtol=1e-9, atol=1e-9 * (1 + np.abs(ref["output"]).max()))
    single = net.run(u)                                          # the float32 network: rounding
    assert np.abs(single["output"] - ref["output"]).max() < 1e-3 * (1 + np.abs(ref["output"]).max())


def test_mode_snn_max_over_time_file_gives_the_decision(tmp_path):
    net = busy_mode_snn("mnist", p="full", surrogate="arctan")  # max_over_time, full-rank W_rec
    path = tmp_path / "mnist.nir"
    sk.export_nir(path, net, precision="double", metadata={"accuracy": 0.9, "digits": np.arange(3.0)})
    steps = 50
    u = binary_input(net.n_inputs, steps)                        # Bernoulli-encoded pixels
    ref = net.run(u, precision="double")
    check_busy(ref, steps)
    r = sk.simulate_nir(path, u)
    assert r.shape == (net.n, steps)                             # the graph outputs the rates
    np.testing.assert_allclose(r, ref["rates"], rtol=1e-9, atol=1e-9 * (1 + np.abs(ref["rates"]).max()))
    w_out = net.w_out.astype(np.float64)
    try:
        import h5py
        with h5py.File(path, "r") as f:
            meta = f["node/metadata"]
            w_out = meta["readout_weight"][()]
            assert meta["readout_weight"].dtype == np.float64
            assert meta["readout"][()].decode() == "max_over_time" and meta["task"][()].decode() == "mnist"
            assert meta["accuracy"][()] == 0.9 and list(meta["digits"][()]) == [0.0, 1.0, 2.0]
            assert "w_rec" in f["node/nodes"] and "lambda" not in f["node/nodes"]
    except ImportError:
        pass
    assert w_out.shape == (net.n_outputs, net.n) and np.array_equal(w_out, net.w_out)
    decision = w_out @ r.max(axis=1)
    last = ref["output"][:, -1]
    np.testing.assert_allclose(decision, last, rtol=1e-9, atol=1e-9 * (1 + np.abs(last).max()))


def test_mode_snn_export_options_and_refusals(tmp_path):
    net = busy_mode_snn("context", p=2)
    path = tmp_path / "m.nir"
    sk.export_nir(path, net, metadata={"task": "mine"})        # float32 arrays: rounding only
    u = np.random.default_rng(5).random((net.n_inputs, 40))
    exact = tmp_path / "exact.nir"
    sk.export_nir(exact, net, precision="double")
    a, b = sk.simulate_nir(path, u), sk.simulate_nir(exact, u)
    assert np.abs(a - b).max() <= 1e-3 * (1 + np.abs(b).max())
    with pytest.raises(sk.FileError, match="exists"):
        sk.export_nir(path, net)
    sk.export_nir(path, net, overwrite=True, fold_modes=True)
    with pytest.raises(ValueError, match="'mode'"):
        sk.export_nir(tmp_path / "x.nir", net, mode="portable")
    with pytest.raises(ValueError, match="'precision'"):
        sk.export_nir(tmp_path / "x.nir", net, precision="half")
    with pytest.raises(ValueError, match="'metadata'"):
        sk.export_nir(tmp_path / "x.nir", net, metadata={"bad": object()})
    with pytest.raises(ValueError, match="'neuron'"):
        sk.export_nir(tmp_path / "leaky.nir", sk.ModeSNN("context", n=8, p=2, neuron="leaky"))
    with pytest.raises(TypeError):                               # fold_modes is the ModeSNN's
        sk.export_nir(tmp_path / "x.nir", sk.to_lif(sk.RateRNN(n=10, task="go-nogo"), 10.0), fold_modes=True)
    with pytest.raises(ValueError, match="'inputs'"):
        net.run(np.zeros((3, 10)))
    with pytest.raises(ValueError, match="'precision'"):
        net.run(u, precision="half")
    assert not (tmp_path / "x.nir").exists() and not (tmp_path / "leaky.nir").exists()
