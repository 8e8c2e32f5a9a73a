"""Which BLAS torch's matmul really calls, for the PyTorch baselines' JSON reports.

Shared by rate_train_pytorch.py and glifr_pytorch.py.  Import it after torch.
"""
import ctypes
import os

# ---------------------------------------------------------------------------
# Which BLAS does torch's matmul really call?  libtorch_cpu imports sgemm_ /
# sgemv_ (BLAS_INFO=generic in Debian's build) and is linked BIND_NOW, so the
# symbols are resolved at import time.  We (1) list the BLAS-like libraries in
# /proc/self/maps and (2) look sgemm_ up from libtorch_cpu's own handle (same
# dependency order the loader used) and ask dladdr() which file provides it.
# ---------------------------------------------------------------------------
class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def blas_info():
    mapped = []
    torch_cpu = None
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split()
                if len(parts) < 6:
                    continue
                path = parts[5]
                base = os.path.basename(path)
                if base.startswith("libtorch_cpu.so"):
                    torch_cpu = path
                if any(k in base for k in ("blas", "lapack", "mkl", "blis", "atlas")) \
                        and path not in mapped:
                    mapped.append(path)
    except OSError as e:
        mapped.append(f"<cannot read /proc/self/maps: {e}>")

    sgemm_from = None
    if torch_cpu:
        try:
            lib = ctypes.CDLL(torch_cpu)
            addr = ctypes.cast(lib.sgemm_, ctypes.c_void_p).value
            libc = ctypes.CDLL(None)
            info = _DlInfo()
            if libc.dladdr(ctypes.c_void_p(addr), ctypes.byref(info)):
                sgemm_from = os.path.realpath(info.dli_fname.decode())
        except (OSError, AttributeError) as e:
            sgemm_from = f"<lookup failed: {e}>"

    openblas = {}
    for path in mapped:
        if "openblas" not in path:
            continue
        try:
            ob = ctypes.CDLL(path)
            ob.openblas_get_config.restype = ctypes.c_char_p
            ob.openblas_get_corename.restype = ctypes.c_char_p
            openblas = {"config": ob.openblas_get_config().decode(),
                        "corename": ob.openblas_get_corename().decode(),
                        "num_threads": ob.openblas_get_num_threads()}
            break
        except (OSError, AttributeError):
            continue

    s = (sgemm_from or "").lower()
    if "openblas" in s:
        kind = "openblas"
    elif "/blas/" in s or "libblas.so" in s:
        kind = "reference"  # Debian's netlib reference BLAS
    elif "mkl" in s:
        kind = "mkl"
    elif "blis" in s:
        kind = "blis"
    else:
        kind = "unknown"
    summary = f"{kind}: sgemm_ from {sgemm_from}"
    if openblas and kind == "openblas":
        summary += f" [{openblas['config']}; core {openblas['corename']}; " \
                   f"threads {openblas['num_threads']}]"
    return summary, {"kind": kind, "sgemm_provider": sgemm_from,
                     "mapped_blas_libs": mapped, "openblas": openblas}
