#!/usr/bin/python3
"""MAT-file interoperability between spikernn's matio layer and scipy.io.

Run with Debian's interpreter, /usr/bin/python3 (python3-scipy, python3-numpy); another
`python3` earlier on PATH may lack scipy.

Two modes:

  mat_interop.py write DIR   writes DIR/scipy_written.mat with scipy.io.savemat
  mat_interop.py check FILE  checks FILE (= DIR/cpp_written.mat, written by the C++ test) and,
                             if DIR/scipy_written.mat exists, DIR/cpp_rewritten.mat too (the
                             scipy file rewritten by mat_reader::copy_all_except); exits 1 with a
                             message naming the file, the variable and the mismatch.

Expected ctest sequence (one scratch directory <dir>, in this order; the C++ tests are skipped
with a message when SPIKERNN_INTEROP_DIR is unset):

  1. /usr/bin/python3 tests/python/mat_interop.py write <dir>
  2. SPIKERNN_INTEROP_DIR=<dir> spikernn_tests --test-case='*interop*'
       "mat_file interop: read scipy_written.mat"   reads and checks the scipy fixture
       "mat_file interop: write cpp_written.mat"    writes cpp_written.mat and cpp_rewritten.mat
  3. /usr/bin/python3 tests/python/mat_interop.py check <dir>/cpp_written.mat

The values below are mirrored in tests/io/mat_file.cpp; change both together.

What scipy does with these types (asserted below, so a scipy upgrade that changes it shows up):
  * logical arrays load as uint8 0/1, not bool (savemat writes bool as logical uint8);
  * a 1-d numpy array is saved as a 1×n ROW (oned_as='row'), so an N×1 column must be given
    as shape (N, 1);
  * a Python int is saved as int64 1×1, a float as double 1×1;
  * a str loads as a numpy array of shape (1,) holding one str (chars_as_strings), '' as an
    empty array of dtype <U1 and shape (0,);
  * an object array of str is saved as a 1×n cell; each element loads as a (1,) str array;
  * trailing singleton dimensions are kept (4×3×1 stays (4, 3, 1));
  * char data written by scipy is miUTF8 with dims counted in characters. scipy decodes
    miUINT16 chars (what MATLAB writes) byte by byte with the default uint16_codec, so
    non-Latin-1 text written as UTF-16 would be mangled; that is why spikernn writes miUTF8.
"""

import os
import struct
import sys
import zlib

import numpy as np
import scipy.io as sio

# ---- scipy -> C++ fixture (checked by "mat_file interop: read scipy_written.mat") ----------

A32 = np.array([[1.5, -2.0, 3.25], [4.0, 5.5, -6.75]], dtype=np.float32)
A64 = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 1e-300]], dtype=np.float64)
N = 200
FLAGS = np.array([True, False, True, True, False], dtype=bool).reshape(-1, 1)
NAME = "go_nogo"
LABELS = ["go", "nogo", "µs→x"]
CUBE = (np.arange(12, dtype=np.float32).reshape(4, 3, order="F") * 0.5).reshape(4, 3, 1)
EXC = np.array([1.0, 1.0, 0.0, 1.0, 0.0])  # PyTorch port: exc/inh as float64 0/1
META = {"lr": 0.01, "task": "go-nogo"}  # a struct, to be copied through by copy_all_except

# ---- C++ -> scipy expectations (written by "mat_file interop: write cpp_written.mat") -----

CPP_W = np.array([[i + 10.0 * j for j in range(2)] for i in range(3)])  # 3×2 double, w(i,j)=i+10j
CPP_W32 = np.array([[0.5, 1.5, 2.5], [-1.0, -2.0, -3.0]], dtype=np.float32)
CPP_I32 = np.array([[-3, 4], [2147483647, -2147483648]], dtype=np.int32)
CPP_U8 = np.array([[0, 7, 255]], dtype=np.uint8)
CPP_EXC = np.array([[1], [0], [0], [1]], dtype=np.uint8)
CPP_TRAJ = np.array([t + 0.25 * n for n in range(3) for t in range(4)], dtype=np.float32).reshape(
    (4, 3, 1), order="F")  # traj(t, n, 0) = t + n/4, column-major data
CPP_LABELS = ["go", "nogo", "µs→x", ""]
CPP_NAME = "rate → spiking"


class Mismatch(Exception):
    pass


def expect(cond, path, var, what):
    if not cond:
        raise Mismatch(f"{path}: variable '{var}': {what}")


def expect_array(d, path, var, dtype, shape, values=None):
    expect(var in d, path, var, f"missing (file holds {sorted(k for k in d if not k.startswith('__'))})")
    a = d[var]
    expect(isinstance(a, np.ndarray), path, var, f"expected ndarray, found {type(a).__name__}")
    expect(a.dtype == np.dtype(dtype), path, var, f"expected dtype {np.dtype(dtype)}, found {a.dtype}")
    expect(a.shape == tuple(shape), path, var, f"expected shape {tuple(shape)}, found {a.shape}")
    if values is not None:
        expect(np.array_equal(a, np.asarray(values)), path, var, f"expected values\n{values}\nfound\n{a}")
    return a


def expect_str(d, path, var, value):
    a = d.get(var)
    expect(a is not None, path, var, "missing")
    if value == "":
        expect(a.dtype.kind == "U" and a.size == 0, path, var, f"expected '', found {a!r}")
    else:
        expect(a.dtype.kind == "U" and a.shape == (1,) and a[0] == value, path, var,
               f"expected {value!r} (a (1,) str array), found {a!r}")


def expect_cellstr(d, path, var, values):
    a = d.get(var)
    expect(a is not None, path, var, "missing")
    expect(a.dtype == object and a.shape == (1, len(values)), path, var,
           f"expected a 1×{len(values)} cell (object array), found dtype {a.dtype} shape {a.shape}")
    got = [str(e[0]) if e.size else "" for e in a[0]]
    expect(got == values, path, var, f"expected {values}, found {got}")


def check_structure(path):
    """Walks the MAT v5 element tree and checks that every element length is exact.

    scipy tolerates a wrong byte count in a miMATRIX tag; MATLAB may not. matio computes the
    count for compressed variables from characters × element size, which is wrong for multi-byte
    UTF-8 (the reason spikernn writes such variables uncompressed); this catches any regression.
    """
    data = open(path, "rb").read()
    expect(len(data) >= 128 and data[:10] == b"MATLAB 5.0", path, "*", "no MAT v5 header")
    expect(data[126:128] == b"IM", path, "*", "not little-endian MAT v5 (endian indicator)")

    def walk(buf, where):
        off = 0
        while off < len(buf):
            expect(off + 8 <= len(buf), path, where, f"truncated tag at byte {off}")
            mdtype, nbytes = struct.unpack_from("<II", buf, off)
            if mdtype >> 16:  # small data element: type and size packed in 4 bytes, data in 4
                off += 8
                continue
            body = buf[off + 8:off + 8 + nbytes]
            expect(len(body) == nbytes, path, where,
                   f"element of type {mdtype} claims {nbytes} bytes, only {len(body)} remain")
            if mdtype == 15:  # miCOMPRESSED: one miMATRIX inside, exactly filling the stream
                inner = zlib.decompress(body)
                walk(inner, where + "/compressed")
                off += 8 + nbytes
                continue
            if mdtype == 14:  # miMATRIX: its sub-elements must tile the body exactly
                walk(body, where + "/matrix")
            off += 8 + nbytes + (-nbytes % 8)
        expect(off == len(buf), path, where, f"elements overrun their container by {off - len(buf)} bytes")

    walk(data[128:], "<element tree>")


def write(directory):
    os.makedirs(directory, exist_ok=True)
    labels = np.empty((len(LABELS),), dtype=object)
    labels[:] = LABELS  # an object array of str becomes a cell
    path = os.path.join(directory, "scipy_written.mat")
    sio.savemat(path, {
        "a32": A32, "a64": A64, "n": N, "flags": FLAGS, "name": NAME, "labels": labels,
        "cube": CUBE, "exc": EXC.reshape(-1, 1), "meta": META,
    })
    # Guard the fixture itself: if scipy ever saves these differently, say so here.
    check_structure(path)
    d = sio.loadmat(path)
    expect_array(d, path, "flags", np.uint8, (5, 1), FLAGS.astype(np.uint8))
    expect_array(d, path, "n", np.int64, (1, 1), [[N]])
    print(f"wrote {path}")


def check_cpp_written(path):
    check_structure(path)
    d = sio.loadmat(path)
    names = sorted(k for k in d if not k.startswith("__"))
    want = sorted(["w", "w32", "i32", "u8", "n", "x", "exc", "traj", "name", "labels", "empty_str",
                   "empty", "no_labels"])
    expect(names == want, path, "*", f"expected variables {want}, found {names}")
    expect_array(d, path, "w", np.float64, (3, 2), CPP_W)
    expect_array(d, path, "w32", np.float32, (2, 3), CPP_W32)
    expect_array(d, path, "i32", np.int32, (2, 2), CPP_I32)
    expect_array(d, path, "u8", np.uint8, (1, 3), CPP_U8)
    expect_array(d, path, "n", np.int64, (1, 1), [[200]])
    expect_array(d, path, "x", np.float64, (1, 1), [[0.25]])
    # logical comes back as uint8 0/1: scipy has no bool on load.
    expect_array(d, path, "exc", np.uint8, (4, 1), CPP_EXC)
    expect_array(d, path, "traj", np.float32, (4, 3, 1), CPP_TRAJ)
    expect_array(d, path, "empty", np.float64, (0, 3))
    expect_str(d, path, "name", CPP_NAME)
    expect_str(d, path, "empty_str", "")
    expect_cellstr(d, path, "labels", CPP_LABELS)
    a = d["no_labels"]
    expect(a.dtype == object and a.size == 0, path, "no_labels", f"expected an empty cell, found {a!r}")
    print(f"ok {path}")


def check_cpp_rewritten(path):
    """scipy_written.mat after copy_all_except(skip a64) + a new a64 = 2 × A64."""
    check_structure(path)
    d = sio.loadmat(path)
    expect_array(d, path, "a32", np.float32, (2, 3), A32)
    expect_array(d, path, "a64", np.float64, (3, 2), 2 * A64)
    expect_array(d, path, "n", np.int64, (1, 1), [[N]])
    expect_array(d, path, "flags", np.uint8, (5, 1), FLAGS.astype(np.uint8))
    expect_array(d, path, "cube", np.float32, (4, 3, 1), CUBE)
    expect_array(d, path, "exc", np.float64, (5, 1), EXC.reshape(-1, 1))
    expect_str(d, path, "name", NAME)
    expect_cellstr(d, path, "labels", LABELS)
    m = sio.loadmat(path, simplify_cells=True)["meta"]
    expect(m == META, path, "meta", f"expected struct {META}, found {m}")
    print(f"ok {path}")


def main(argv):
    if len(argv) != 3 or argv[1] not in ("write", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        if argv[1] == "write":
            write(argv[2])
        else:
            check_cpp_written(argv[2])
            directory = os.path.dirname(os.path.abspath(argv[2]))
            if os.path.exists(os.path.join(directory, "scipy_written.mat")):
                rewritten = os.path.join(directory, "cpp_rewritten.mat")
                expect(os.path.exists(rewritten), rewritten, "*",
                       "missing: the C++ interop test writes it whenever scipy_written.mat exists")
                check_cpp_rewritten(rewritten)
    except Mismatch as e:
        print(f"MISMATCH: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
