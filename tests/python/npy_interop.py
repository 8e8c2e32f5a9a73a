#!/usr/bin/python3
"""NPY-file interoperability between spikernn/io/npy.hpp and numpy.

Run with Debian's interpreter, /usr/bin/python3 (python3-numpy); another `python3` earlier on
PATH may lack numpy.

Two modes:

  npy_interop.py write DIR      writes DIR/np_*.npy with numpy.save (and removes old DIR/cpp_*.npy)
  npy_interop.py check FILE...  loads each FILE (DIR/cpp_*.npy, written by the C++ test) with
                                numpy.load and checks dtype, shape and values, and that the file is
                                byte for byte what numpy.save writes for the same array; exits 1
                                with a message naming the file and the mismatch.

Expected ctest sequence (one scratch directory <dir>, in this order; the C++ tests are skipped
with a message when SPIKERNN_NPY_INTEROP_DIR is unset):

  1. /usr/bin/python3 tests/python/npy_interop.py write <dir>
  2. SPIKERNN_NPY_INTEROP_DIR=<dir> spikernn_tests --test-case='*npy_interop*'
       "npy_interop: read the files numpy wrote"     reads and checks the np_* fixtures
       "npy_interop: write the files numpy checks"   writes the cpp_* files
  3. /usr/bin/python3 tests/python/npy_interop.py check <dir>/cpp_*.npy

The values below are mirrored in tests/io/npy.cpp; change both together.
"""

import glob
import io
import os
import sys

import numpy as np

I32 = np.iinfo(np.int32)
I64 = np.iinfo(np.int64)

# ---- numpy -> C++ fixtures (checked by "npy_interop: read the files numpy wrote") ---------

NP = {
    "np_f32": np.array([[1.5, -2.0, 3.25], [4.0, 5.5, -6.75]], dtype=np.float32),
    # Fortran order on disk: the reader must reorder it
    "np_f64_fortran": np.asfortranarray(np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 1e-300]])),
    "np_i32": np.array([-3, 4, I32.max, I32.min], dtype=np.int32),
    "np_i64": np.array([[I64.min, -1], [0, I64.max]], dtype=np.int64),
    "np_u8": np.array([0, 7, 255], dtype=np.uint8),
    "np_bool": np.array([True, False, True, True, False]),
    "np_f32_3d_fortran": np.asfortranarray((np.arange(24, dtype=np.float32) * 0.5).reshape(2, 3, 4)),
    "np_scalar": np.array(0.25),
    "np_empty": np.zeros((0, 3)),
    # refused by the reader, with a message saying so
    "np_f32_big_endian": np.array([1.0, 2.0], dtype=">f4"),
}

# ---- C++ -> numpy expectations (written by "npy_interop: write the files numpy checks") ---

CPP = {
    "cpp_f64": np.array([[i + 10.0 * j for j in range(2)] for i in range(3)]),  # w(i,j) = i + 10j
    "cpp_f32_rowmajor": np.array([[0.5, 1.5, 2.5], [-1.0, -2.0, -3.0]], dtype=np.float32),
    "cpp_i32_vector": np.array([-3, 4, I32.max, I32.min], dtype=np.int32),  # an Eigen vector: 1-D
    "cpp_i64": np.array([[I64.min, -1], [0, I64.max]], dtype=np.int64),
    "cpp_u8": np.array([0, 7, 255], dtype=np.uint8),  # a 1x3 fixed Eigen row vector: 1-D
    "cpp_bool": np.array([True, False, False, True]),
    "cpp_f32_3d": (np.arange(24, dtype=np.float32) * 0.5).reshape(2, 3, 4),
    "cpp_empty": np.zeros((0, 3)),
    "cpp_scalar": np.array(0.25),
}


class Mismatch(Exception):
    pass


def expect(cond, path, what):
    if not cond:
        raise Mismatch(f"{path}: {what}")


def saved_bytes(a):
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=False)
    return buf.getvalue()


def write(directory):
    os.makedirs(directory, exist_ok=True)
    # A stale C++ file from an earlier run must not pass the check.
    for old in glob.glob(os.path.join(directory, "cpp_*.npy")):
        os.remove(old)
    for name, a in NP.items():
        path = os.path.join(directory, name + ".npy")
        np.save(path, a, allow_pickle=False)
        # Guard the fixtures: the Fortran ones must really be stored in Fortran order.
        header = open(path, "rb").read(128)
        expect((b"'fortran_order': True" in header) == name.endswith("_fortran"), path,
               f"unexpected fortran_order in header {header!r}")
    print(f"wrote {len(NP)} files to {directory}")


def check(path):
    name = os.path.splitext(os.path.basename(path))[0]
    expect(name in CPP, path, f"not a file this test knows; expected one of {sorted(CPP)}")
    expect(os.path.exists(path), path, "missing: the C++ interop test should have written it")
    want = CPP[name]
    try:
        a = np.load(path, allow_pickle=False)
    except ValueError as e:
        raise Mismatch(f"{path}: numpy.load refuses it: {e}") from e
    expect(a.dtype == want.dtype, path, f"expected dtype {want.dtype}, found {a.dtype}")
    expect(a.shape == want.shape, path, f"expected shape {want.shape}, found {a.shape}")
    expect(np.array_equal(a, want), path, f"expected values\n{want}\nfound\n{a}")
    data = open(path, "rb").read()
    ref = saved_bytes(want)
    if data != ref:
        # Say where: a header difference is the common case.
        at = next((k for k, (x, y) in enumerate(zip(data, ref)) if x != y), min(len(data), len(ref)))
        raise Mismatch(f"{path}: differs from numpy.save's bytes at offset {at} (file {len(data)} bytes, "
                       f"numpy {len(ref)}):\n  file:  {data[:at + 16][-64:]!r}\n  numpy: {ref[:at + 16][-64:]!r}")
    expect(len(data) - a.nbytes > 0 and (len(data) - a.nbytes) % 64 == 0, path,
           "the data do not start on a 64-byte boundary")
    print(f"ok {path}")


def main(argv):
    if len(argv) < 3 or argv[1] not in ("write", "check") or (argv[1] == "write" and len(argv) != 3):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        if argv[1] == "write":
            write(argv[2])
        else:
            for path in argv[2:]:
                check(path)
    except Mismatch as e:
        print(f"MISMATCH: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
