"""How many submissions per minute one machine autogrades.

Usage: python benchmarks/bench_grading.py [--students 30] [--assignment ps01]

Builds a temporary course with the repository's nbgrader configuration, submits a class of
N copies of the solution with small variations (a comment, a renamed local variable, one
wrong answer in every third copy), grades them with the instructor command
(`gradekit autograde`: one bubblewrap sandbox per submission, scored outside against the
reference records) and prints the throughput. Run it as root (the sandbox needs it); tests/support
must be importable (it is when run from the repository root with PYTHONPATH=tests/support).
"""
import argparse
import tempfile
import time
from pathlib import Path

from grading_support import autograde, make_course, student_notebook, submit


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--assignment", default="ps01")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        course = make_course(Path(tmp), args.assignment)
        for i in range(args.students):
            nb = student_notebook(course, args.assignment, fill="all")
            for cell in nb["cells"]:
                if cell["metadata"].get("nbgrader", {}).get("solution"):
                    cell["source"] = f"# student {i}\n" + "".join(cell["source"])
                    if i % 3 == 2:                       # every third student gets one answer wrong
                        cell["source"] = cell["source"].replace("+ b", "- b", 1)
                        break
            submit(course, args.assignment, f"student{i:02d}", nb)
        start = time.perf_counter()
        scores, _ = autograde(course, args.assignment)
        seconds = time.perf_counter() - start
    graded = sum(1 for status, _ in scores.values() if status in ("graded", "review"))
    print(f"{graded}/{args.students} submissions of {args.assignment} graded in {seconds:.0f} s: "
          f"{60 * graded / seconds:.1f} submissions per minute ({seconds / graded:.1f} s each, one sandbox per submission)")


if __name__ == "__main__":
    main()
