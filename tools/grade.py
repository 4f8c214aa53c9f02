"""The instructor's grading workflow, one command per step (run from the repository root).

    python tools/grade.py generate                 # solutions/ -> exercises/ (nbgrader generate_assignment)
    python tools/grade.py collect ps01 DIR         # DIR/<student>.ipynb -> grading/submitted/<student>/ps01/
    python tools/grade.py autograde ps01           # every submitted student, each in its own process
    python tools/grade.py feedback ps01            # HTML feedback in grading/feedback/
    python tools/grade.py export                   # grades.csv

`autograde` runs `nbgrader autograde ps01 --student S --force` once per student, in a child
process with a wall-clock limit and resource limits (address space, CPU time, file size), so a
notebook that hangs, ignores interrupts or exhausts memory fails *that* student, is reported,
and everyone else is graded. Re-running is safe: it re-grades with --force. When `unshare -n`
works on the machine (root, or unprivileged user namespaces) the grading process has no
network. Running as an unprivileged user, in a container per student, is the instructor's
job on shared machines (see book/threat_model.md).
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path.cwd()
WALL_SECONDS = int(os.environ.get("MLPKIT_GRADE_WALL_SECONDS", 300))   # per student, whole notebook
MEMORY_BYTES = 4 * 1024 ** 3    # address space per process (kernel included)
CPU_SECONDS = 240
FILE_BYTES = 200 * 1024 ** 2


def _limits():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES))
    os.setsid()                                   # its own process group: a hung kernel dies with it


def _sandbox_prefix():
    """A new network namespace with only loopback up (the kernel talks to nbgrader over
    127.0.0.1; nothing else is reachable) when `unshare -n` works here; nothing otherwise."""
    probe = ["unshare", "-n", "sh", "-c", "ip link set lo up"]
    if shutil.which("unshare") and shutil.which("ip") and subprocess.run(probe, capture_output=True).returncode == 0:
        return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" "$@"']
    return []


def collect(assignment, folder):
    """Copy <folder>/<student>.ipynb into grading/submitted/<student>/<assignment>/, rejecting
    files that are not valid notebooks (reported, the others are collected)."""
    report = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        student = path.stem
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            report.append((student, "rejected", f"not a valid notebook (JSON error: {err.msg if hasattr(err, 'msg') else err})"))
            continue
        target = ROOT / "grading" / "submitted" / student / assignment
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target / f"{assignment}.ipynb")
        report.append((student, "collected", ""))
    return report


def _score(assignment, student):
    from nbgrader.api import Gradebook, MissingEntry
    db = "sqlite:///" + str(ROOT / "grading" / "gradebook.db")
    with Gradebook(db) as gb:
        try:
            sub = gb.find_submission(assignment, student)
            return sub.score, sub.max_score
        except MissingEntry:
            return None, None


def autograde_one(assignment, student):
    """Grade one student in a limited child process; return (status, detail)."""
    nb = ROOT / "grading" / "submitted" / student / assignment / f"{assignment}.ipynb"
    try:
        json.loads(nb.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, FileNotFoundError) as err:
        return "error", f"submission is not a valid notebook ({type(err).__name__})"
    cmd = _sandbox_prefix() + [sys.executable, "-m", "nbgrader", "autograde", assignment, "--student", student,
                               "--force", "--log-level=WARN"]
    try:
        result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=WALL_SECONDS,
                                preexec_fn=_limits)
    except subprocess.TimeoutExpired:
        return "error", f"grading took longer than {WALL_SECONDS} s and was stopped (a loop that ignores interrupts?)"
    if result.returncode != 0:
        last = [line for line in (result.stderr or result.stdout).splitlines() if line.strip()][-3:]
        return "error", "nbgrader failed: " + " | ".join(last)
    return "graded", ""


def autograde(assignment, students=None):
    submitted = ROOT / "grading" / "submitted"
    students = students or sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir())
    rows = []
    for student in students:
        status, detail = autograde_one(assignment, student)
        score, max_score = _score(assignment, student) if status == "graded" else (None, None)
        rows.append({"student": student, "status": status, "score": score, "max_score": max_score, "detail": detail})
    width = max([len(r["student"]) for r in rows] + [7])
    print(f"{'student':<{width}}  {'status':<7}  score")
    for r in rows:
        score = f"{r['score']:g} / {r['max_score']:g}" if r["score"] is not None else "-"
        print(f"{r['student']:<{width}}  {r['status']:<7}  {score}  {r['detail']}")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="step", required=True)
    sub.add_parser("generate")
    p = sub.add_parser("collect"); p.add_argument("assignment"); p.add_argument("folder")
    p = sub.add_parser("autograde"); p.add_argument("assignment"); p.add_argument("students", nargs="*")
    p = sub.add_parser("feedback"); p.add_argument("assignment")
    sub.add_parser("export")
    args = parser.parse_args(argv)
    (ROOT / "grading").mkdir(exist_ok=True)
    if args.step == "generate":
        subprocess.run([sys.executable, str(Path(__file__).with_name("release.py"))], check=True)
    elif args.step == "collect":
        for student, status, detail in collect(args.assignment, args.folder):
            print(f"{student}: {status} {detail}")
    elif args.step == "autograde":
        rows = autograde(args.assignment, args.students or None)
        return 1 if any(r["status"] != "graded" for r in rows) else 0
    elif args.step == "feedback":
        subprocess.run([sys.executable, "-m", "nbgrader", "generate_feedback", args.assignment, "--force"], cwd=ROOT, check=True)
    elif args.step == "export":
        subprocess.run([sys.executable, "-m", "nbgrader", "export", "--to", "grades.csv"], cwd=ROOT, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
