"""Mutation harness for the book: plant wrong formulas, assert that the build would catch each.

Usage:  python tools/book_mutations.py [--jobs 2] [--only ID ...] [--all] [--catalogue tools/book_mutations.yaml]

Each mutation of the catalogue replaces one exact string (it must occur exactly once) in a copy of
a chapter. It is *caught* if the static checks of tests/book/test_equations.py reject the mutated
text (an equation typed instead of printed from its checked object) or if executing the mutated
chapter fails.

Execution is shared: each chapter runs once, unmutated, in one worker process (an in-process
IPython shell, the chapter's folder as working directory, like the book build). Before the first
code cell that a mutation changes, the worker forks; the child runs the mutated cells from there
and stops at the first failing cell (caught) or at the end (a survivor). So a chapter costs one
execution plus, per mutation, the cells between the mutated one and the check that catches it.
The unmutated run is the baseline: it goes on until past the last cell in which a child failed
(so no mutation counts as caught by a cell that fails anyway) and stops there; if it fails, the
chapter's mutations are not judged (exit 2). Chapters run in parallel, `--jobs` workers at a time, each child with a time limit: a mutation that
only a timeout would stop counts as a survivor. The exit code is 1 if any mutation survived. The
mlpkit that the chapters import is the one on PYTHONPATH (set PYTHONPATH to test another copy).
"""
import argparse
import concurrent.futures
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TIME_LIMIT = 300          # seconds for one mutated child; a caught mutation fails within a few cells


def _static_checks():
    spec = importlib.util.spec_from_file_location("book_equations", ROOT / "tests" / "book" / "test_equations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.static_problems


def load(catalogue):
    entries = yaml.safe_load(Path(catalogue).read_text())
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids)), "duplicate mutation ids"
    return entries


def apply(entry):
    """The mutated text of the chapter; raises if the catalogue no longer matches the chapter."""
    text = (ROOT / "book" / f"{entry['chapter']}.md").read_text()
    n = text.count(entry["find"])
    if n != 1:
        raise ValueError(f"{entry['id']}: 'find' occurs {n} times in {entry['chapter']}.md (must be once)")
    return text.replace(entry["find"], entry["replace"])


def code_cells(text):
    import jupytext
    nb = jupytext.reads(text, fmt="myst")
    return [c.source for c in nb.cells if c.cell_type == "code"]


def _worker(chapter, entries):
    """Run `chapter` once; fork a child per mutation at its first changed cell. Prints JSON lines."""
    import signal
    os.environ.setdefault("MPLBACKEND", "Agg")
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config
    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    path = ROOT / "book" / f"{chapter}.md"
    os.chdir(path.parent)
    original = code_cells(path.read_text())
    forks = {}
    for entry in entries:
        mutated = code_cells(apply(entry))
        first = next((i for i, (a, b) in enumerate(zip(original, mutated)) if a != b), min(len(original), len(mutated)))
        forks.setdefault(first, []).append((entry, mutated))
    report = sys.__stdout__
    devnull = open(os.devnull, "w")

    def run_cell(source):
        """None if the cell ran, else the error's one-line description."""
        sys.stdout = sys.stderr = devnull
        try:
            result = shell.run_cell(source, store_history=False, silent=False)
        finally:
            sys.stdout, sys.stderr = report, sys.__stderr__
        if result.success:
            return None
        err = result.error_in_exec or result.error_before_exec
        return f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"[:160]

    def emit(**fields):
        report.write(json.dumps(fields) + "\n")
        report.flush()

    needed = max(forks, default=-1)           # the parent runs at least this far …
    result_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"mutation-{os.getpid()}.json"
    for i in range(len(original) + 1):
        if i > needed:                        # … and past every cell a child failed in: the baseline
            break
        for entry, mutated in forks.get(i, []):
            start = time.perf_counter()
            report.flush()
            pid = os.fork()
            if pid == 0:                                          # the child: the mutated rest
                outcome = dict(id=entry["id"], caught=False, how="SURVIVED: the chapter ran without complaint")
                try:
                    for j in range(i, len(mutated)):
                        error = run_cell(mutated[j])
                        if error:
                            outcome = dict(id=entry["id"], caught=True, how=f"run: cell {j + 1}: {error}", cell=j)
                            break
                    outcome["seconds"] = time.perf_counter() - start
                    result_file.write_text(json.dumps(outcome))
                finally:
                    os._exit(0)
            deadline = time.monotonic() + TIME_LIMIT
            while os.waitpid(pid, os.WNOHANG) == (0, 0):
                if time.monotonic() > deadline:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    break
                time.sleep(0.05)
            if result_file.exists():
                outcome = json.loads(result_file.read_text())
                result_file.unlink()
                needed = max(needed, outcome.get("cell", -1))
            else:
                outcome = dict(id=entry["id"], caught=False, seconds=time.perf_counter() - start,
                               how=f"TIMEOUT after {TIME_LIMIT} s, or the child died (only a timeout would stop it)")
            emit(**outcome)
        if i < len(original):
            error = run_cell(original[i])
            if error:
                emit(baseline_failure=chapter, how=f"cell {i + 1}: {error}")
                return 2
    return 0


def run_chapter(chapter, entries):
    """Results [(entry, caught, how, seconds)] of one chapter's worker, or raises on a baseline failure."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, __file__, "--worker", chapter, "--only", *[e["id"] for e in entries]],
                          capture_output=True, text=True, env=env, cwd=ROOT)
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    broken = [line for line in lines if "baseline_failure" in line]
    if broken or proc.returncode not in (0, 2):
        raise RuntimeError(f"the unmutated {chapter} fails: {broken or proc.stderr[-2000:]}")
    by_id = {line["id"]: line for line in lines}
    return [(e, by_id[e["id"]]["caught"], by_id[e["id"]]["how"], by_id[e["id"]]["seconds"]) if e["id"] in by_id
            else (e, False, "no result from the worker", 0.0) for e in entries]


def run(entries, jobs=2):
    static_problems = _static_checks()
    results, to_run = [], {}
    for entry in entries:
        name = f"{entry['chapter']}.md"
        already = set(static_problems(name, (ROOT / "book" / name).read_text()))    # not the mutation's doing
        problems = [p for p in static_problems(name, apply(entry)) if p not in already]
        if problems:
            results.append((entry, True, "static: " + problems[0], 0.0))
        else:
            to_run.setdefault(entry["chapter"], []).append(entry)
    for entry, caught, how, seconds in results:
        print(f"caught   {entry['id']:30s} {seconds:5.1f} s  {how}", flush=True)
    # the slowest chapters first, so that the parallel workers finish together
    order = sorted(to_run, key=lambda c: (c not in ("ch12_results", "ch11_regularisation"), c))
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:     # each job is a subprocess
        for chapter_results in pool.map(lambda c: run_chapter(c, to_run[c]), order):
            for entry, caught, how, seconds in chapter_results:
                print(f"{'caught  ' if caught else 'SURVIVOR'} {entry['id']:30s} {seconds:5.1f} s  {how}", flush=True)
            results += chapter_results
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalogue", default=str(ROOT / "tools" / "book_mutations.yaml"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="mutation ids to run")
    parser.add_argument("--all", action="store_true", help="include the slow mutations")
    parser.add_argument("--worker", help=argparse.SUPPRESS)        # internal: run one chapter's mutations
    args = parser.parse_args(argv)
    entries = load(args.catalogue)
    if args.only is not None:
        entries = [e for e in entries if e["id"] in args.only]
    elif not args.all:
        entries = [e for e in entries if not e.get("slow")]
    if args.worker:
        return _worker(args.worker, entries)
    start = time.perf_counter()
    try:
        results = run(entries, args.jobs)
    except RuntimeError as err:
        print(f"{err}: fix it first (is PYTHONPATH's mlpkit current?)")
        return 2
    survivors = [e["id"] for e, caught, _, _ in results if not caught]
    print(f"{len(results) - len(survivors)} of {len(results)} mutations caught in "
          f"{time.perf_counter() - start:.0f} s; survivors: {survivors or 'none'}")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
