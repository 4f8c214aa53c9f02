"""Mutation harness for the book: plant wrong formulas, assert that the build would catch each.

Usage:  python tools/book_mutations.py [--jobs 2] [--only ID ...] [--catalogue tools/book_mutations.yaml]

Each mutation of the catalogue replaces one exact string (it must occur exactly once) in a copy of
a chapter. It is *caught* if the static checks of tests/book/test_equations.py reject the mutated
text (an equation typed instead of printed from its checked object) or if executing the mutated
chapter fails. Chapters run in separate processes (`tools/run_chapter.py`), `--jobs` at a time, each
with a time limit: a mutation that only a timeout would stop counts as a survivor. The report lists
every mutation; the exit code is 1 if any survived. The mlpkit that the chapters import is the one
on PYTHONPATH (set PYTHONPATH to test against another copy).
"""
import argparse
import concurrent.futures
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TIME_LIMIT = 400          # seconds per chapter run; chapter 11 needs about 150 on a busy 2-core machine


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


def judge(entry, static_problems):
    """(caught: bool, how: str, seconds: float) for one mutation."""
    start = time.perf_counter()
    text = apply(entry)
    problems = static_problems(f"{entry['chapter']}.md", text)
    if problems:
        return True, "static: " + problems[0], time.perf_counter() - start
    with tempfile.TemporaryDirectory(prefix=f"mut-{entry['id']}-") as tmp:
        path = Path(tmp) / f"{entry['chapter']}.md"
        path.write_text(text)
        try:
            proc = subprocess.run([sys.executable, str(ROOT / "tools" / "run_chapter.py"), str(path)],
                                  capture_output=True, text=True, timeout=TIME_LIMIT, env=os.environ.copy())
        except subprocess.TimeoutExpired:
            return False, f"TIMEOUT after {TIME_LIMIT} s (a check that only a timeout stops)", time.perf_counter() - start
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        errors = [line for line in proc.stdout.splitlines() if "Error" in line]
        return True, "run: " + (errors[-1].strip()[:160] if errors else "failed"), seconds
    return False, "SURVIVED: the chapter ran without complaint", seconds


def baseline_failures(chapters, jobs=2):
    """Chapters that fail *unmutated*: a mutation there would be 'caught' for the wrong reason."""
    identity = [{"id": f"baseline-{c}", "chapter": c, "find": "\n", "replace": "\n"} for c in chapters]
    def unmutated(entry):
        text = (ROOT / "book" / f"{entry['chapter']}.md").read_text()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{entry['chapter']}.md"
            path.write_text(text)
            proc = subprocess.run([sys.executable, str(ROOT / "tools" / "run_chapter.py"), str(path)],
                                  capture_output=True, text=True, timeout=TIME_LIMIT, env=os.environ.copy())
        return entry["chapter"], proc.returncode
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        return sorted(c for c, rc in pool.map(unmutated, identity) if rc != 0)


def run(entries, jobs=2):
    static_problems = _static_checks()
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:     # each job is a subprocess
        futures = {pool.submit(judge, e, static_problems): e for e in entries}
        results = []
        for future in concurrent.futures.as_completed(futures):
            entry = futures[future]
            caught, how, seconds = future.result()
            results.append((entry, caught, how, seconds))
            print(f"{'caught  ' if caught else 'SURVIVOR'} {entry['id']:28s} {seconds:5.1f} s  {how}", flush=True)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalogue", default=str(ROOT / "tools" / "book_mutations.yaml"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="mutation ids to run")
    parser.add_argument("--all", action="store_true", help="include the slow mutations")
    args = parser.parse_args(argv)
    entries = load(args.catalogue)
    if args.only:
        entries = [e for e in entries if e["id"] in args.only]
    elif not args.all:
        entries = [e for e in entries if not e.get("slow")]
    # the slowest chapters first, so that the parallel jobs finish together
    entries.sort(key=lambda e: e["chapter"] != "ch12_results")
    start = time.perf_counter()
    broken = baseline_failures(sorted({e["chapter"] for e in entries}), args.jobs)
    if broken:
        print(f"the unmutated chapters {broken} already fail: fix them first (is PYTHONPATH's mlpkit current?)")
        return 2
    results = run(entries, args.jobs)
    survivors = [e["id"] for e, caught, _, _ in results if not caught]
    print(f"{len(results) - len(survivors)} of {len(results)} mutations caught in "
          f"{time.perf_counter() - start:.0f} s; survivors: {survivors or 'none'}")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
