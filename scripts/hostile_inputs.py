#!/usr/bin/python3
"""Hostile-user campaign against the spikernn programs: damaged files, bad flags, kill -9 during
writes, concurrent runs, a full disk (as root: a small tmpfs). Prints one table row per category: cases tried, clear errors, crashes,
hangs, silent wrong results, data lost (the last three and crashes must be 0).

    /usr/bin/python3 scripts/hostile_inputs.py build/examples [--cases 60] [--seed 1]

Needs numpy and scipy (Debian: python3-numpy python3-scipy). Everything happens in a temporary
folder; nothing in the repository is touched. Outcomes of one run:
  clear     refused with exit 1 or 2 and a message naming the program and the file or flag
  accepted  exit 0 on an input a user may give (a valid flag value; damage that changed no value)
  unclear   refused without naming the file or flag
  crash     killed by a signal, or a sanitizer / "terminate called" report
  hang      still running after the timeout
  silent    exit 0 on a damaged file, printing other results than for the undamaged file
  lost      a model or results file of an earlier run replaced, or a half-written file left
"""
import argparse
import collections
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy.io as sio

TIMEOUT = 60


def run(cmd, cwd=None, timeout=TIMEOUT):
    """(returncode or 'hang', stderr+stdout text)"""
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, errors="replace", timeout=timeout)
        return p.returncode, p.stderr + p.stdout
    except subprocess.TimeoutExpired:
        return "hang", ""


def crashed(rc, text):
    return (isinstance(rc, int) and (rc < 0 or rc >= 128 and rc != 130)) or re.search(
        r"AddressSanitizer|runtime error:|terminate called|Segmentation fault|core dumped", text) is not None


def same_values(a_path, b_path):
    """Whether scipy reads both MAT files to the same variables and values."""
    try:
        a, b = sio.loadmat(a_path), sio.loadmat(b_path)
    except Exception:
        return False
    keys = {k for k in a if not k.startswith("__")}
    if keys != {k for k in b if not k.startswith("__")}:
        return False
    for k in keys:
        x, y = a[k], b[k]
        if x.dtype != y.dtype or x.shape != y.shape:
            return False
        if x.dtype.kind in "fc":
            if not np.array_equal(x, y, equal_nan=True):
                return False
        elif x.dtype.kind == "O":
            if repr(x) != repr(y):
                return False
        elif not np.array_equal(x, y):
            return False
    return True


class table:
    cols = ["cases", "clear", "accepted", "unclear", "crash", "hang", "silent", "lost"]

    def __init__(self, verbose=False):
        self.verbose = verbose
        self.rows = collections.OrderedDict()
        self.examples = collections.defaultdict(list)

    def add(self, category, outcome, example=""):
        row = self.rows.setdefault(category, collections.Counter())
        row["cases"] += 1
        row[outcome] += 1
        shown = outcome != "clear" and (outcome != "accepted" or self.verbose > 1)
        if shown and (self.verbose or len(self.examples[category]) < 3):
            self.examples[category].append(f"{outcome}: {example}")

    def print(self):
        print("| category | " + " | ".join(self.cols) + " |")
        print("|---|" + "---:|" * len(self.cols))
        total = collections.Counter()
        for cat, row in self.rows.items():
            print(f"| {cat} | " + " | ".join(str(row[c]) for c in self.cols) + " |")
            total.update(row)
        print("| **all** | " + " | ".join(f"**{total[c]}**" for c in self.cols) + " |")
        for cat, ex in self.examples.items():
            for e in ex:
                print(f"- {cat}: {e}")
        return total


def classify_refusal(rc, text, program, names):
    if rc == "hang":
        return "hang"
    if crashed(rc, text):
        return "crash"
    if rc in (1, 2) and text.startswith(program + ": ") and any(n and n in text for n in names):
        return "clear"
    return "unclear"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("programs", help="folder holding the built programs (build/examples)")
    ap.add_argument("--cases", type=int, default=60, help="damaged files per category")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", default="", help="one part: files, flags, kill, concurrent or disk")
    ap.add_argument("--verbose", action="count", default=0,
                    help="every case that was not a clear error or accepted (twice: also the accepted ones)")
    a = ap.parse_args()
    bin_dir = os.path.abspath(a.programs)
    prog = lambda name: os.path.join(bin_dir, name)
    rnd = random.Random(a.seed)
    t = table(a.verbose)
    work = tempfile.mkdtemp(prefix="spikernn_hostile_")
    try:
        # ---- a trained model, written by spikernn and by scipy (compressed and not) ----------
        rc, out = run([prog("spikernn-train"), "--N", "30", "--n_trials", "20", "--seed", "3", "--quiet",
                       "--out", os.path.join(work, "train")], timeout=600)
        assert rc == 0, out
        model = next(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(work, "train")) for f in fs
                     if f.endswith(".mat"))
        m = {k: v for k, v in sio.loadmat(model).items() if not k.startswith("__")}
        originals = {}
        for kind, compress in (("scipy_z", True), ("scipy_u", False)):
            p = os.path.join(work, kind + ".mat")
            sio.savemat(p, m, do_compression=compress)
            originals[kind] = p
        originals["spikernn"] = model
        readers = [("spikernn-eval", ["--factor", "20", "--trials", "2", "--threads", "1"]),
                   ("spikernn-search", ["--factors", "20,25", "--trials", "2", "--threads", "1", "--quiet"]),
                   ("spikernn-plot", ["--plots", "@plots"]),
                   ("embed_lif", ["--raster", "@raster.txt"])]

        reference_output = {}

        def read_damaged(category, original, data, note):
            name, extra = readers[rnd.randrange(len(readers))]
            case = tempfile.mkdtemp(dir=work)
            p = os.path.join(case, "model.mat")
            with open(p, "wb") as f:
                f.write(data)
            args = [x.replace("@", case + "/") for x in extra]
            rc, text = run([prog(name), "--model", p] + args)
            outcome = classify_refusal(rc, text, name, [p])
            if rc == 0:
                # accepted damage must change nothing the program reports: the same output as
                # for the undamaged file (a flipped bit in the name of a variable the program
                # does not read, or in a tag field it ignores, does not)
                key = (name, original)
                if key not in reference_output:
                    ref = tempfile.mkdtemp(dir=work)
                    shutil.copy(original, os.path.join(ref, "model.mat"))
                    ref_args = [x.replace("@", ref + "/") for x in extra]
                    _, ref_text = run([prog(name), "--model", os.path.join(ref, "model.mat")] + ref_args)
                    reference_output[key] = ref_text.replace(ref, "CASE")
                    shutil.rmtree(ref, ignore_errors=True)
                outcome = "accepted" if text.replace(case, "CASE") == reference_output[key] else "silent"
            t.add(category, outcome, f"{name} on {note}: exit {rc}: {text.strip()[:160]}")
            shutil.rmtree(case, ignore_errors=True)

        part = lambda name: not a.only or a.only == name
        # one flipped byte inside a compressed variable (scipy refuses these: "incorrect data check")
        z = open(originals["scipy_z"], "rb").read()
        elements, off = [], 128
        while off + 8 <= len(z):
            typ, n = int.from_bytes(z[off:off + 4], "little"), int.from_bytes(z[off + 4:off + 8], "little")
            elements.append((off, typ, n))
            off += 8 + n + ((8 - n % 8) % 8 if typ != 15 else 0)
        compressed = [(o, n) for o, typ, n in elements if typ == 15]
        for _ in range(a.cases if part("files") else 0):
            o, n = compressed[rnd.randrange(len(compressed))]
            at = o + 8 + rnd.randrange(n)
            d = bytearray(z)
            d[at] ^= 1 << rnd.randrange(8)
            read_damaged("MAT v5 compressed: one bit flipped", originals["scipy_z"], bytes(d), f"bit at byte {at}")
        # a file cut anywhere after its header
        for kind in ("scipy_z", "scipy_u", "spikernn") if part("files") else ():
            data = open(originals[kind], "rb").read()
            for _ in range(a.cases // 3):
                cut = rnd.randrange(128, len(data) - 1)
                read_damaged("MAT v5 cut short", originals[kind], data[:cut], f"{kind} cut at {cut} of {len(data)}")
        # a flipped bit in a tag or header field of an uncompressed file (not in numeric data,
        # which the format cannot protect)
        u = open(originals["scipy_u"], "rb").read()
        tags, off = [], 128
        while off + 8 <= len(u):
            n = int.from_bytes(u[off + 4:off + 8], "little")
            tags.append(off)
            # inside a variable: its flags, dimensions and name tags (the first 40-odd bytes)
            tags.extend(range(off + 8, min(off + 8 + 48, off + 8 + n)))
            off += 8 + n + (8 - n % 8) % 8
        for _ in range(a.cases if part("files") else 0):
            at = tags[rnd.randrange(len(tags))]
            d = bytearray(u)
            d[at] ^= 1 << rnd.randrange(8)
            read_damaged("MAT v5 tags and array headers: one bit flipped", originals["scipy_u"], bytes(d), f"bit at byte {at}")

        # ---- bad flags: every option of every program given bad values -------------------------
        model_copy = lambda case: shutil.copy(originals["spikernn"], os.path.join(case, "m.mat"))
        base = {
            "spikernn-train": ["--N", "20", "--n_trials", "3", "--out", "@out"],
            "spikernn-search": ["--model", "@m.mat", "--factors", "20,25", "--trials", "2", "--threads", "1"],
            "spikernn-eval": ["--model", "@m.mat", "--factor", "20", "--trials", "2", "--threads", "1"],
            "spikernn-plot": ["--model", "@m.mat", "--plots", "@plots"],
            "embed_lif": ["--model", "@m.mat", "--raster", "@r.txt"],
            "custom_task": ["--N", "20", "--n_trials", "3", "--output_dir", "@out"],
            "spikernn-smnn": ["--task", "context", "--N", "10", "--P", "2", "--rounds", "1", "--batch", "2",
                              "--steps", "20", "--test_trials", "2", "--out", "@out"],
            "spikernn-glifr": ["--task", "sine", "--types", "Hom", "--epochs", "1", "--out", "@out"],
            "reproduce_kim2019": ["--figure", "7", "--M", "1", "--N", "20", "--n_trials", "5", "--out", "@out"],
        }
        bad_values = ["abc", "-1", "0", "1e30", "nan", "", "99999999999999999999", "1:2:x", "-5:1:-1"]
        for name, args in base.items() if part("flags") else ():
            rc, help_text = run([prog(name), "--help"])
            flags = [f for f in re.findall(r"^\s+(?:-\w,)?(--\w+)(?:,--\w+)?\s+(?:TEXT|INT|UINT|FLOAT)", help_text, re.M)]
            for flag in flags:
                for v in bad_values:
                    case = tempfile.mkdtemp(dir=work)
                    model_copy(case)
                    cmd = [x.replace("@", case + "/") if x.startswith("@") else x for x in args]
                    if flag in cmd:  # replace the base value
                        i = cmd.index(flag)
                        del cmd[i:i + 2]
                    rc, text = run([prog(name)] + cmd + [flag, v], cwd=case)
                    outcome = "accepted" if rc == 0 else classify_refusal(rc, text, name, [flag, case, f"{name}: {v}:"])
                    if rc == 0 and crashed(rc, text):
                        outcome = "crash"
                    t.add("bad flag values", outcome, f"{name} {flag} '{v}': exit {rc}: {text.strip()[:160]}")
                    shutil.rmtree(case, ignore_errors=True)

        # ---- kill -9 while a model is written ----------------------------------------------------
        for i in range(a.cases // 2 if part("kill") else 0):
            case = tempfile.mkdtemp(dir=work)
            p = subprocess.Popen([prog("spikernn-train"), "--N", "40", "--n_trials", "40", "--seed", str(i),
                                  "--quiet", "--out", os.path.join(case, "o")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rnd.uniform(0.0, 1.5))
            p.send_signal(signal.SIGKILL)
            p.wait()
            # a second run into the same folder: stale temporaries of the dead run go
            run([prog("spikernn-train"), "--N", "20", "--n_trials", "2", "--seed", "99", "--quiet", "--out",
                 os.path.join(case, "o")])
            lost = []
            for d, _, fs in os.walk(case):
                for f in fs:
                    q = os.path.join(d, f)
                    if f.endswith(".mat"):
                        try:
                            sio.loadmat(q)
                        except Exception as e:
                            lost.append(f"{f} unreadable ({e})")
                    elif ".tmp" in f:
                        lost.append(f"temporary {f} left")
            t.add("kill -9 during training and writing", "lost" if lost else "clear", "; ".join(lost))
            shutil.rmtree(case, ignore_errors=True)
        for i in range(a.cases // 2 if part("kill") else 0):  # a search killed while it rewrites the model
            case = tempfile.mkdtemp(dir=work)
            model_copy(case)
            q = os.path.join(case, "m.mat")
            p = subprocess.Popen([prog("spikernn-search"), "--model", q, "--factors", "20,25", "--trials", "4",
                                  "--threads", "1", "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rnd.uniform(0.0, 2.0))
            p.send_signal(signal.SIGKILL)
            p.wait()
            ok = same_values(originals["spikernn"], q)
            if not ok:
                try:
                    after = sio.loadmat(q)
                    ok = "opt_scaling_factor" in after  # the search completed and committed
                except Exception:
                    ok = False
            t.add("kill -9 during a search rewriting the model", "clear" if ok else "lost", q)
            shutil.rmtree(case, ignore_errors=True)

        # ---- concurrent runs -----------------------------------------------------------------
        for i in range(a.cases // 6 if part("concurrent") else 0):
            case = tempfile.mkdtemp(dir=work)
            seeds = [str(i)] * 3 if i % 2 else [str(3 * i + k) for k in range(3)]
            procs = [subprocess.Popen([prog("spikernn-train"), "--N", "20", "--n_trials", "3", "--seed", s, "--quiet",
                                       "--out", case], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                     for s in seeds]
            rcs = [p.wait() for p in procs]
            files = [f for _, _, fs in os.walk(case) for f in fs if f.endswith(".mat")]
            ok = rcs == [0, 0, 0] and len(files) == 3
            t.add("three trainings at once into one folder", "clear" if ok else "lost",
                  f"seeds {seeds}: exits {rcs}, {len(files)} model files")
            shutil.rmtree(case, ignore_errors=True)
        for i in range(a.cases // 6 if part("concurrent") else 0):
            case = tempfile.mkdtemp(dir=work)
            model_copy(case)
            q = os.path.join(case, "m.mat")
            procs = [subprocess.Popen([prog("spikernn-search"), "--model", q, "--factors", f, "--trials", "3",
                                       "--threads", "1", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True) for f in ("20,25", "30,35")]
            outs = [p.communicate()[0] for p in procs]
            rcs = [p.returncode for p in procs]
            after = sio.loadmat(q)
            # every search that reported success is in the file: the last one as the result, an
            # earlier one as search_history_1
            kept = 1 + sum(1 for k in after if k.startswith("search_history_") and k.endswith("_opt_scaling_factor"))
            ok = all(rc in (0, 1) for rc in rcs) and kept >= rcs.count(0)
            t.add("two searches of one model at once", "clear" if ok else "lost",
                  f"exits {rcs}, {kept} searches in the file: {' | '.join(o.strip()[:100] for o in outs)}")
            shutil.rmtree(case, ignore_errors=True)
        # ---- a full disk: outputs written into a small tmpfs (root only) -----------------------
        mnt = os.path.join(work, "small_disk")
        os.makedirs(mnt)
        can_mount = part("disk") and os.geteuid() == 0 and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt], capture_output=True).returncode == 0
        if can_mount:
            subprocess.run(["umount", mnt])
        for i in range(a.cases // 2 if can_mount else 0):
            size_kb = rnd.choice([4, 8, 16, 32, 48, 64, 96, 128, 192, 256])
            subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", mnt], check=True)
            try:
                which = i % 4
                inside = os.path.join(mnt, "m.mat")
                if which == 0:
                    cmd = [prog("spikernn-train"), "--N", "30", "--n_trials", "3", "--quiet", "--out", os.path.join(mnt, "o")]
                elif which == 1:
                    cmd = [prog("spikernn-plot"), "--model", originals["spikernn"], "--plots", os.path.join(mnt, "p")]
                elif which == 2:
                    cmd = [prog("spikernn-eval"), "--model", originals["spikernn"], "--factor", "20", "--trials", "2",
                           "--threads", "1", "--plots", os.path.join(mnt, "p")]
                else:
                    try:
                        shutil.copy(originals["spikernn"], inside)
                    except OSError:
                        continue  # the model itself does not fit: nothing to try
                    cmd = [prog("spikernn-search"), "--model", inside, "--factors", "20,25", "--trials", "2",
                           "--threads", "1", "--quiet"]
                rc, text = run(cmd)
                name = os.path.basename(cmd[0])
                bad = []
                for d, _, fs in os.walk(mnt):
                    for f in fs:
                        q = os.path.join(d, f)
                        if ".tmp" in f:
                            bad.append(f"temporary {f} left")
                        elif f.endswith(".mat"):
                            try:
                                sio.loadmat(q)
                            except Exception as e:
                                bad.append(f"{f} unreadable ({e})")
                        elif f.endswith(".png") and not open(q, "rb").read().endswith(b"IEND\xaeB`\x82"):
                            bad.append(f"{f} incomplete")
                        elif os.path.getsize(q) == 0:
                            bad.append(f"{f} empty")
                if which == 3 and rc != 0 and not same_values(originals["spikernn"], inside):
                    bad.append("the searched model was changed by a failed search")
                if crashed(rc, text) or rc == "hang":
                    outcome = "crash" if rc != "hang" else "hang"
                elif bad:
                    outcome = "lost" if rc != 0 else "silent"
                elif rc == 0:
                    outcome = "accepted"
                else:
                    outcome = "clear" if text.startswith(name + ": ") and re.search(r"space|disk|full", text, re.I) else "unclear"
                t.add("full disk while writing outputs", outcome, f"{name} into {size_kb} KiB: exit {rc}: {text.strip()[:160]}; {'; '.join(bad)}")
            finally:
                subprocess.run(["umount", mnt])
        total = t.print()
        return 1 if total["crash"] or total["hang"] or total["silent"] or total["lost"] else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
