"""Run the numerically sensitive checks again with numpy's widest SIMD kernels switched off.

Usage: python tools/simd_runs.py [--list]

numpy picks its vectorised kernels (``exp``, ``log``, ``tanh``, sums, ...) at start-up from what
the CPU offers, so the same check can pass on one machine and fail on another. CI only ever sees
one CPU; this script makes every run exercise at least two dispatch paths on whatever CPU it gets:

* the default run (the rest of ``make test``) uses every feature the CPU has;
* here, the same checks run with the widest feature family the machine has disabled (through
  ``NPY_DISABLE_CPU_FEATURES``, which numpy reads when it is imported), and once more at the
  build's baseline (every dispatched feature disabled) when that is a different path.

Which features numpy can dispatch to, and which this CPU has, are read from numpy itself
(``numpy._core._multiarray_umath``); numpy refuses to disable a feature the CPU lacks, so the
levels are computed, never hard-coded. The sensitive checks are the chapters with numeric
asserts and mlpkit's numerics tests (below). Exit status 1 if any level fails.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ["book/ch03_forward.md", "book/ch06_sigmoid.md", "book/ch07_backprop_neuron.md",
            "book/ch08_backprop_deltas.md", "book/ch09_activations.md", "book/ch10_gd_variants.md"]
TESTS = ["tests/mlpkit/test_activations.py", "tests/mlpkit/test_losses.py", "tests/mlpkit/test_gradients.py",
         "tests/mlpkit/test_gradcheck.py", "tests/mlpkit/test_optimizers.py", "tests/mlpkit/test_training.py",
         "tests/mlpkit/test_conv.py", "tests/mlpkit/test_torch_crosscheck.py", "tests/book/test_seed_examples.py",
         "tests/book/test_symbolic_backprop.py"]
FAMILY_PREFIXES = ("X86_V", "ASIMD", "SVE", "VSX", "VX")   # numpy's grouped targets, widest last


def cpu_features():
    """(dispatchable features the CPU has, in numpy's order; the build's baseline)."""
    code = ("import json; from numpy._core import _multiarray_umath as m; "
            "print(json.dumps([[d for d in m.__cpu_dispatch__ if m.__cpu_features__.get(d)], m.__cpu_baseline__]))")
    env = {k: v for k, v in os.environ.items() if k != "NPY_DISABLE_CPU_FEATURES"}
    found, baseline = json.loads(subprocess.check_output([sys.executable, "-c", code], env=env, text=True))
    return found, baseline


def levels(found):
    """[(name, features to disable)] for the reduced runs, widest first, without repeats.

    'no widest family': the widest grouped family (e.g. X86_V4 = AVX-512) and every feature numpy
    lists after it (its AVX-512 extensions) are disabled; 'baseline': everything dispatched is.
    """
    families = [i for i, f in enumerate(found) if f.startswith(FAMILY_PREFIXES)]
    runs = []
    if families:
        cut = families[-1]
        runs.append((f"without {found[cut]} and above", found[cut:]))
    if found and (not runs or len(runs[0][1]) != len(found)):
        runs.append(("baseline", list(found)))
    return runs


def run_level(name, disabled):
    env = dict(os.environ, NPY_DISABLE_CPU_FEATURES=" ".join(disabled))
    check = subprocess.run([sys.executable, "-c", "from numpy._core import _multiarray_umath as m; "
                            "print(' '.join(d for d in m.__cpu_dispatch__ if m.__cpu_features__.get(d)) or '(none)')"],
                           env=env, capture_output=True, text=True)
    if check.returncode != 0:
        print(f"[simd] {name}: numpy refused NPY_DISABLE_CPU_FEATURES={env['NPY_DISABLE_CPU_FEATURES']!r}:\n"
              f"{check.stderr}", flush=True)
        return False
    print(f"[simd] {name}: disabled {' '.join(disabled)}; numpy now dispatches to {check.stdout.strip()}", flush=True)
    start = time.perf_counter()
    chapters = subprocess.run([sys.executable, str(ROOT / "tools" / "run_chapter.py"), *CHAPTERS], cwd=ROOT, env=env)
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", *TESTS],
                           cwd=ROOT, env=env)
    ok = chapters.returncode == 0 and tests.returncode == 0
    print(f"[simd] {name}: {'ok' if ok else 'FAILED'} in {time.perf_counter() - start:.0f} s", flush=True)
    return ok


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print the levels and exit")
    args = parser.parse_args(argv)
    found, baseline = cpu_features()
    print(f"[simd] this CPU: baseline {' '.join(baseline)}; dispatchable {' '.join(found) or '(none)'}", flush=True)
    runs = levels(found)
    if not runs:
        print("[simd] numpy dispatches to nothing beyond its baseline here: the default run is the only path")
        return 0
    if args.list:
        for name, disabled in runs:
            print(f"[simd] {name}: NPY_DISABLE_CPU_FEATURES={' '.join(disabled)!r}")
        return 0
    results = [run_level(name, disabled) for name, disabled in runs]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
