"""A program interrupted as a user would (SIGINT, i.e. Ctrl-C, or SIGTERM) and resumed gives the
same model as a run never stopped.

    resume_program.py train  SPIKERNN_TRAIN OUT
    resume_program.py smnn   SPIKERNN_SMNN  OUT

The run is started with --checkpoint_every; once a checkpoint exists the signal is sent; the
program must exit with 130 and leave the checkpoint; the same command with --resume must finish
and write the same parameters, to the bit, as an uninterrupted run (compared with scipy).
"""
import glob
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import scipy.io as sio


def wait_for(pattern, proc, limit=300.0):
    start = time.time()
    while time.time() - start < limit:
        found = glob.glob(pattern, recursive=True)
        if found:
            return found[0]
        if proc.poll() is not None:
            sys.exit("the run ended (%s) before writing a checkpoint matching %s" % (proc.returncode, pattern))
        time.sleep(0.02)
    sys.exit("no checkpoint after %.0f s" % limit)


def same_variables(a, b, names):
    x, y = sio.loadmat(a), sio.loadmat(b)
    for n in names:
        if not np.array_equal(x[n], y[n]):
            sys.exit("variable %s differs between %s and %s" % (n, a, b))


def interrupted(cmd, pattern, sig):
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ckpt = wait_for(pattern, proc)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=300)
    if proc.returncode != 130:
        sys.exit("interrupted run exited %s, expected 130\n%s%s" % (proc.returncode, out, err))
    if "resume" not in err:
        sys.exit("the interrupted run does not say how to continue:\n" + err)
    if not os.path.exists(ckpt):
        sys.exit("the checkpoint %s is gone after the interrupt" % ckpt)
    return ckpt


def main():
    kind, exe, out = sys.argv[1], sys.argv[2], sys.argv[3]
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    if kind == "train":
        flags = ["--N", "60", "--n_trials", "4000", "--seed", "2", "--quiet", "--checkpoint_every", "25"]
        whole = subprocess.run([exe] + flags + ["--output_dir", out + "/whole"], capture_output=True, text=True, check=True)
        ckpt = interrupted([exe] + flags + ["--output_dir", out + "/cut"], out + "/cut/**/*.ckpt", signal.SIGINT)
        rest = subprocess.run([exe] + flags + ["--output_dir", out + "/cut", "--resume", ckpt], capture_output=True,
                              text=True)
        if rest.returncode != 0:
            sys.exit("resumed run failed (%d): %s" % (rest.returncode, rest.stderr))
        if os.path.exists(ckpt):
            sys.exit("the checkpoint was not removed after the model was saved")
        same_variables(whole.stdout.strip(), rest.stdout.strip(), ["w", "w_out", "b_out", "taus_gaus", "losses", "w0"])
    else:
        flags = ["--task", "context", "--N", "30", "--P", "2", "--steps", "80", "--rounds", "400", "--batch", "16",
                 "--steps_per_round", "2", "--test_trials", "16", "--threads", "1", "--checkpoint_every", "5"]
        subprocess.run([exe] + flags + ["--out", out + "/whole"], capture_output=True, text=True, check=True)
        interrupted([exe] + flags + ["--out", out + "/cut"], out + "/cut/*/checkpoint.ckpt", signal.SIGTERM)
        rest = subprocess.run([exe] + flags + ["--out", out + "/cut", "--resume"], capture_output=True, text=True)
        if rest.returncode != 0:
            sys.exit("resumed run failed (%d): %s" % (rest.returncode, rest.stderr))
        a, b = out + "/whole/N30_P2-1/modes.mat", out + "/cut/N30_P2-1/modes.mat"
        same_variables(a, b, ["w_in", "xi_in", "lambda", "xi_out", "w_out", "train_loss"])
    print("resumed run equals the uninterrupted one")


if __name__ == "__main__":
    main()
