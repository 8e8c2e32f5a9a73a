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
