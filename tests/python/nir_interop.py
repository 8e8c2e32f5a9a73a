#!/usr/bin/env python3
"""NIR files between spikernn and the NIR ecosystem, checked with Debian's python3-h5py.

  nir_interop.py check FILE.nir [exact|portable|mode_snn]
      The file spikernn-export wrote has exactly the layout NIR's own reader (nir.read, NIR 1.0)
      expects, node by node: /version, /node/type "NIRGraph", /node/nodes/<name>/type and the
      datasets nir.read takes for that type, /node/edges as (E, 2) strings naming nodes,
      float arrays, Affine weights (out, in) that fit the edges, readable metadata.
  nir_interop.py write-foreign DIR
      Writes DIR/foreign.nir as another tool would through nir.write (snnTorch's recurrent
      synaptic layer: a NIRGraph subgraph with a CubaLIF and its recurrent Linear; gzip arrays;
      string datasets; no spikernn metadata), DIR/input.npy and, computed here with numpy from
      NIR's equations discretised as docs/nir.md says, DIR/expected.npy.
  nir_interop.py compare DIR
      DIR/output.npy (what `spikernn-export --run DIR/foreign.nir --input DIR/input.npy` wrote)
      equals DIR/expected.npy.
"""
import sys
from pathlib import Path

import h5py
import numpy as np

# What nir.read takes from a node of each type (NIR 1.0.x, nir/serialization.py read_node).
REQUIRED = {
    "Input": ["shape"],
    "Output": ["shape"],
    "Affine": ["weight", "bias"],
    "Linear": ["weight"],
    "Scale": ["scale"],
    "LI": ["tau", "r", "v_leak"],
    "LIF": ["tau", "r", "v_leak", "v_threshold"],
    "CubaLIF": ["tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "w_in"],
}


def text(dataset):
    value = dataset[()]
    assert isinstance(value, bytes), f"{dataset.name}: a string dataset (h5py gives bytes), got {type(value)}"
    return value.decode("utf8")


def width(node, kind):
    """The input (kind 'in') or output width of a node, as NIR's type inference sees it."""
    t = text(node["type"])
    if t in ("Input", "Output"):
        return int(node["shape"][()][0])
    if t in ("Affine", "Linear"):
        w = node["weight"]
        return w.shape[1] if kind == "in" else w.shape[0]
    key = {"Scale": "scale", "LI": "tau", "LIF": "tau", "CubaLIF": "tau_mem"}[t]
    return node[key].shape[0]


def check(path, mode):
    with h5py.File(path, "r") as f:
        assert set(f.keys()) == {"version", "node"}, f"top level: version and node, got {sorted(f.keys())}"
        assert text(f["version"]).count(".") == 2
        g = f["node"]
        assert text(g["type"]) == "NIRGraph"
        nodes = g["nodes"]
        for name, node in nodes.items():
            t = text(node["type"])
            assert t in REQUIRED, f"{name}: unexpected type {t}"
            for key in REQUIRED[t]:
                assert key in node, f"{name} ({t}): no '{key}'"
                arr = node[key][()]
                assert isinstance(arr, np.ndarray) and arr.ndim >= 1, f"{name}/{key}: an array"
                if key != "shape":
                    assert arr.dtype in (np.float32, np.float64), f"{name}/{key}: float, got {arr.dtype}"
                    assert np.all(np.isfinite(arr)), f"{name}/{key}: finite"
            if t in ("LIF", "CubaLIF"):
                assert "v_reset" in node
                meta = {k: v[()] for k, v in node["metadata"].items()}  # nir.read's _read_metadata
                assert meta["t_ref"] > 0 and meta.get("noise_sd", 0) >= 0
            if t == "Affine":
                assert node["weight"].ndim == 2 and node["bias"].shape == (node["weight"].shape[0],)
        edges = [(a.decode("utf8"), b.decode("utf8")) for a, b in g["edges"][()]]  # as nir.read decodes them
        for a, b in edges:
            assert a in nodes and b in nodes, f"edge ({a}, {b}) names no node"
            assert width(nodes[a], "out") == width(nodes[b], "in"), f"edge ({a}, {b}): widths differ"
        types = sorted(text(n["type"]) for n in nodes.values())
        meta = {k: v[()] for k, v in g["metadata"].items()}
        assert meta["source"] == b"spikernn" and meta["dt"] > 0
        if mode == "mode_snn":
            # a spiking mode RNN: CubaLIF, the double rate filter, the rank-P factors as trained
            assert meta["model"] == b"mode_snn", meta["model"]
            assert types == ["CubaLIF", "Input", "LI", "LI", "Linear", "Linear", "Linear", "Linear", "Output",
                             "Scale", "Scale", "Scale"], types
            p = int(meta["p"])
            assert nodes["xi_out"]["weight"].shape == (p, nodes["xi_in"]["weight"].shape[0])
            assert nodes["lambda"]["scale"].shape == (p,)
            cell = {k: v[()] for k, v in nodes["lif"]["metadata"].items()}
            assert cell["t_last_init"] < 0 and cell["refractory_steps"] >= 0
            print(f"{path}: NIR {text(f['version'])}, {len(nodes)} nodes, {len(edges)} edges: the layout nir.read expects")
            return
        assert meta["mode"].decode() == mode
        if mode == "exact":
            assert types == ["Affine", "Affine", "Affine", "Input", "LI", "LI", "LI", "LI", "LIF", "Output"], types
            lif, rise, decay = nodes["lif"], nodes["syn_rise"], nodes["syn_decay"]
            # the double-exponential synapse: rise with tau_r, decay with each unit's tau_d
            assert np.all(rise["tau"][()] == rise["tau"][0]) and np.all(decay["tau"][()] > rise["tau"][0])
            assert np.all(lif["v_threshold"][()] > lif["v_reset"][()])
        else:
            assert types == ["Affine", "Affine", "Affine", "CubaLIF", "Input", "LI", "Output"], types
            assert np.array_equal(nodes["lif"]["tau_syn"][()], nodes["rate"]["tau"][()])
        print(f"{path}: NIR {text(f['version'])}, {len(nodes)} nodes, {len(edges)} edges: the layout nir.read expects")


def write_foreign(folder):
    """snnTorch's RSynaptic as nir.write stores it, and the simulation NIR's equations give."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    n_in, n, steps, dt = 2, 12, 400, 1e-3
    w_in = (rng.normal(size=(n, n_in)) * 3).astype(np.float32)
    b_in = np.full(n, 0.5, np.float32)
    w_rec = (rng.normal(size=(n, n)) * 0.4).astype(np.float32)
    w_out = (rng.normal(size=(1, n)) * 0.3).astype(np.float32)
    b_out = np.array([0.1], np.float32)
    tau_syn = rng.uniform(5e-3, 2e-2, n).astype(np.float32)
    tau_mem = np.full(n, 1e-2, np.float32)
    thr = np.full(n, 1.0, np.float32)
    tau_ro = np.full(1, 2e-2, np.float32)

    def string(group, key, value):
        group.create_dataset(key, data=value, dtype=h5py.string_dtype())

    def array(group, key, value):
        group.create_dataset(key, data=value, dtype=value.dtype, compression="gzip")

    with h5py.File(folder / "foreign.nir", "w") as f:
        string(f, "version", "1.0.6")
        g = f.create_group("node")
        string(g, "type", "NIRGraph")
        nodes = g.create_group("nodes")
        def node(parent, name, typ, **params):
            grp = parent.create_group(name)
            string(grp, "type", typ)
            for k, v in params.items():
                array(grp, k, np.asarray(v))
            return grp
        node(nodes, "input", "Input", shape=np.array([n_in]))
        node(nodes, "fc1", "Affine", weight=w_in, bias=b_in)
        sub = nodes.create_group("lif1")  # the recurrent block, as snnTorch exports RSynaptic
        string(sub, "type", "NIRGraph")
        inner = sub.create_group("nodes")
        node(inner, "input", "Input", shape=np.array([n]))
        node(inner, "lif", "CubaLIF", tau_syn=tau_syn, tau_mem=tau_mem, r=np.ones(n, np.float32),
             v_leak=np.zeros(n, np.float32), v_threshold=thr, v_reset=np.zeros(n, np.float32), w_in=np.ones(n, np.float32))
        node(inner, "w_rec", "Linear", weight=w_rec)
        node(inner, "output", "Output", shape=np.array([n]))
        sub.create_dataset("edges", data=[("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")])
        node(nodes, "fc2", "Affine", weight=w_out, bias=b_out)
        node(nodes, "li", "LI", tau=tau_ro, r=np.ones(1, np.float32), v_leak=np.zeros(1, np.float32))
        node(nodes, "output", "Output", shape=np.array([1]))
        g.create_dataset("edges", data=[("input", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"), ("fc2", "li"), ("li", "output")])

    u = np.zeros((n_in, steps))
    u[0, 50:250] = 1.0
    u[1, 150:350] = -0.5
    np.save(folder / "input.npy", u)

    # NIR's equations stepped as docs/nir.md says (spikes are unit impulses; the membrane uses the
    # synaptic current of the previous step; continuous inputs enter integrators times dt).
    f64 = lambda a: np.asarray(a, np.float64)
    w_in, b_in, w_rec, w_out, b_out = map(f64, (w_in, b_in, w_rec, w_out, b_out))
    tau_syn, tau_mem, thr, tau_ro = map(f64, (tau_syn, tau_mem, thr, tau_ro))
    e_syn, e_ro = np.exp(-dt / tau_syn), np.exp(-dt / tau_ro)
    v, cur, ro = np.zeros(n), np.zeros(n), np.zeros(1)
    out = np.zeros((1, steps))
    spikes = 0
    for t in range(steps):
        c_syn = w_in @ u[:, t] + b_in          # continuous input of the CubaLIF (the recurrence adds impulses)
        c_ro = b_out.copy()                    # continuous input of the readout LI: fc2's bias (spikes are impulses)
        v = v + dt / tau_mem * (0.0 - v + cur)
        s = (v > thr).astype(float)
        v = np.where(s > 0, 0.0, v)
        spikes += int(s.sum())
        cur = cur * e_syn + (1.0 / tau_syn) * (dt * c_syn + w_rec @ s)
        ro = ro * e_ro + (1 - e_ro) * 0.0 + (1.0 / tau_ro) * (dt * c_ro + w_out @ s)
        out[:, t] = ro
    assert spikes > 50, f"the foreign network should spike (it spiked {spikes} times)"
    np.save(folder / "expected.npy", out)
    print(f"{folder / 'foreign.nir'}: {n} CubaLIF units in a subgraph, {spikes} spikes in the numpy reference")


def compare(folder):
    folder = Path(folder)
    got, want = np.load(folder / "output.npy"), np.load(folder / "expected.npy")
    assert got.shape == want.shape, f"shape {got.shape}, expected {want.shape}"
    scale = np.abs(want).max()
    err = np.abs(got - want).max()
    assert err <= 1e-9 * max(scale, 1.0), f"spikernn's simulation differs from NIR's equations by {err} (scale {scale})"
    print(f"spikernn simulated the foreign graph as NIR's equations say (max difference {err:.2e})")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "check":
        check(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "exact")
    elif cmd == "write-foreign":
        write_foreign(sys.argv[2])
    elif cmd == "compare":
        compare(sys.argv[2])
    else:
        sys.exit(f"unknown command {cmd}")
