"""gradekit: the course's one command for instructors (run it in the course folder).

    gradekit generate [ps ...] [--students ID ...]   solutions/ -> exercises/ (+ personal releases)
    gradekit validate [ps ...]                       each source passes its tests; its blank release fails
    gradekit collect ps DIR                          DIR/<student>.ipynb -> grading/submitted/
    gradekit autograde ps [student ...]              every submission in its own sandbox; a summary
    gradekit feedback ps                             HTML feedback (math rendered offline)
    gradekit export                                  grading/grades.csv

Student code runs only in a kernel inside a bubblewrap sandbox (gradekit.sandbox); autograde
refuses to run without one unless given --unsandboxed-i-accept-the-risk.
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from . import collect as collect_mod
from . import release as release_mod
from . import sandbox
from .course import STUDENT_ID, Course, find_course
from .sandbox import UNSANDBOXED_ENV

__all__ = ["main"]


def _nbgrader(course, *args, capture=False):
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course.root, text=True,
                          capture_output=capture)


def cmd_generate(course, args):
    names = args.assignments or course.assignments()
    for path in release_mod.release(course, names):
        print(f"released {path.relative_to(course.root)}")
    for student in args.students or ():
        for name in names:
            target = release_mod.personal_release(course, name, student)
            print(f"personal release {target.relative_to(course.root)}")
    return 0


def cmd_validate(course, args):
    failures = 0
    for name in args.assignments or course.assignments():
        for label, path, should_pass in (("source", course.root / "solutions" / name / f"{name}.ipynb", True),
                                         ("blank release", course.root / "exercises" / name / f"{name}.ipynb", False)):
            out = _nbgrader(course, "validate", str(path), capture=True)
            passed = "Success! Your notebook passes all the tests." in out.stdout
            ok = passed == should_pass
            failures += not ok
            print(f"{name} {label}: {'passes' if passed else 'fails'} its tests"
                  f"{'' if ok else ' — WRONG: expected it to ' + ('pass' if should_pass else 'fail')}")
    return 1 if failures else 0


def cmd_collect(course, args):
    report = collect_mod.collect(course, args.assignment, Path(args.folder))
    width = max([len(r[0]) for r in report] + [4])
    for name, student, status, detail in report:
        print(f"{name:<{width}}  {status:<9}  {detail}".rstrip())
    counts = {s: sum(r[2] == s for r in report) for s in ("collected", "skipped", "rejected")}
    print(f"\n{counts['collected']} collected, {counts['skipped']} skipped, {counts['rejected']} rejected "
          f"into {(course.grading / 'submitted').relative_to(course.root)}/")
    return 1 if counts["rejected"] else 0


def _isolation(unsafe):
    if unsafe:
        return "isolation: NONE — student code ran unsandboxed, as this user (--unsandboxed-i-accept-the-risk)"
    facts = sandbox.probe()
    if "error" in facts:
        return f"isolation: the sandbox probe failed ({facts['error']})"
    limits = sandbox.Limits()
    return (f"isolation (measured inside a sandbox): uid {facts['uid']} (one of the pool's {sandbox.SLOT_COUNT}, "
            f"from {sandbox.FIRST_UID}), network {facts['network']}, "
            f"course repository {'VISIBLE' if facts['repository_visible'] else 'not visible'}, grading code "
            f"{'IMPORTABLE' if facts['gradekit_importable'] else 'not importable'}, mlpkit "
            f"{'IMPORTABLE' if facts['mlpkit_importable'] else 'absent'} unless declared, ptrace "
            f"{'denied' if facts['ptrace_denied'] else 'ALLOWED'} (seccomp), own PID namespace "
            f"(pid {facts['pid']}), kernel ready in {facts['start_seconds']:g} s; "
            f"limits per submission: {limits.wall_seconds} s wall, {limits.cell_seconds} s "
            f"per cell, {limits.cpu_seconds} s CPU, {facts['as_limit_gib']:g} GiB memory per process, "
            + (f"{limits.sandbox_memory_bytes / 2**30:g} GiB and {limits.processes} processes per sandbox "
               f"({facts['cgroup']}), " if facts.get("cgroup") else
               f"{facts['nproc_limit']} processes of the grading uid (no cgroup here), ")
            + f"{limits.disk_bytes // 2**20} MiB disk, {limits.record_bytes // 2**20} MiB of records")


def summary(course, assignment, students):
    """Rows {student, status, score, max_score, detail} read from the gradebook and the status files."""
    from nbgrader.api import Gradebook, MissingEntry
    rows = []
    with Gradebook(f"sqlite:///{course.grading / 'gradebook.db'}") as gb:
        for student in students:
            path = course.grading / "status" / assignment / f"{student}.json"
            status = json.loads(path.read_text()) if path.exists() else {"status": "error", "detail": "not graded"}
            try:
                sub = gb.find_submission(assignment, student)
                score, max_score = sub.score, sub.max_score
                if status["status"] == "error":        # graded earlier, failed now: the old score is stale
                    score, max_score = None, None
            except MissingEntry:
                score, max_score = None, None
                status = {"status": "error", "detail": status.get("detail") or "nbgrader did not grade it"}
            detail = "; ".join(([status["detail"]] if status.get("detail") else []) + status.get("review", [])[:3])
            rows.append({"student": student, "status": status["status"], "score": score, "max_score": max_score,
                         "detail": detail})
    return rows


def _generated(course, assignment):
    from nbgrader.api import Gradebook, MissingEntry
    try:
        with Gradebook(f"sqlite:///{course.grading / 'gradebook.db'}") as gb:
            gb.find_assignment(assignment)
        return True
    except MissingEntry:
        return False


def _reference_fails(course, assignment, unsafe):
    """Why the reference solution cannot be graded against (with its public numbers), or None."""
    from . import reference
    run = sandbox.run_unsandboxed if unsafe else sandbox.run_notebook
    try:
        reference.records(course, assignment, None, run=run)
    except (reference.ReferenceFailure, ValueError) as err:
        return str(err)
    return None


def _nbgrader_errors(stderr):
    """nbgrader's own error lines (what it says when it cannot grade at all or skips a student)."""
    keep = []
    for line in stderr.splitlines():
        text = line.strip()
        if text and ("[ERROR]" in text or "Error" in text.split(":")[0] or "No assignment" in text) and text not in keep:
            keep.append(text[:300])
    return keep


def cmd_autograde(course, args):
    unsafe = args.unsandboxed_i_accept_the_risk
    why = sandbox.available()
    if why and not unsafe:
        print(f"gradekit autograde: refusing to run student code without a sandbox: {why}.\n"
              "Fix that, or pass --unsandboxed-i-accept-the-risk to run every notebook as this user, with "
              "access to everything this user can read and write.", file=sys.stderr)
        return 2
    bad = [s for s in args.students if not STUDENT_ID.fullmatch(s)]
    if bad:
        print(f"gradekit autograde: not a student id: {', '.join(map(repr, bad))}", file=sys.stderr)
        return 2
    students = args.students or course.students(args.assignment)
    if not students:
        print(f"no submissions of {args.assignment} in {course.grading / 'submitted'}", file=sys.stderr)
        return 1
    for student in students:
        (course.grading / "status" / args.assignment / f"{student}.json").unlink(missing_ok=True)
    env = dict(os.environ)
    if unsafe:
        env[UNSANDBOXED_ENV] = "1"
    if not _generated(course, args.assignment):
        print(f"{args.assignment} was not generated yet (nbgrader knows no such assignment): generating it now")
        release_mod.release(course, [args.assignment])
    why = _reference_fails(course, args.assignment, unsafe)
    if why:
        print(f"gradekit autograde: nobody was graded: {why}\nFix the source in solutions/{args.assignment}/ "
              f"(gradekit validate {args.assignment} runs it), then autograde again.", file=sys.stderr)
        return 1
    # one nbgrader process for the class (ids were checked at collect and are checked again here);
    # one per student when the instructor names them
    calls = [[]] if not args.students else [["--student", s] for s in students]
    problems = []
    for extra in calls:
        done = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", args.assignment, *extra, "--force",
                               "--log-level=ERROR"], cwd=course.root, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, errors="replace")
        problems += _nbgrader_errors(done.stderr)
    rows = summary(course, args.assignment, students)
    width = max([len(r["student"]) for r in rows] + [7])
    lines = [f"{'student':<{width}}  {'status':<7}  score"]
    for r in rows:
        score = f"{r['score']:g} / {r['max_score']:g}" if r["score"] is not None else "-"
        lines.append(f"{r['student']:<{width}}  {r['status']:<7}  {score:<11}  {r['detail']}".rstrip())
    if problems and any(r["status"] == "error" for r in rows):
        lines += ["", "nbgrader said:"] + [f"  {p}" for p in problems[:20]]
    lines += ["", _isolation(unsafe)]
    text = "\n".join(lines) + "\n"
    print(text, end="")
    (course.grading / f"autograde-{args.assignment}.txt").write_text(text)
    return 0 if all(r["status"] == "graded" for r in rows) else 1


def cmd_feedback(course, args):
    from . import feedback
    written = feedback.generate(course, args.assignment, args.students or course.students(args.assignment))
    for path in written:
        print(f"feedback {path.relative_to(course.root)}")
    return 0


def cmd_export(course, args):
    target = course.grading / "grades.csv"                     # under grading/, which git ignores
    result = _nbgrader(course, "export", "--to", str(target), "--log-level=ERROR")
    if result.returncode == 0:
        print(f"grades written to {target}")
    return result.returncode


def main(argv=None):
    parser = argparse.ArgumentParser(prog="gradekit", description=__doc__.splitlines()[0])
    parser.add_argument("--course", help="the course folder (default: the nearest with nbgrader_config.py)")
    sub = parser.add_subparsers(dest="step", required=True)
    p = sub.add_parser("generate", help="public release, book pages, personal releases")
    p.add_argument("assignments", nargs="*")
    p.add_argument("--students", nargs="+", help="also write personal releases with these students' numbers")
    p = sub.add_parser("validate", help="each source passes, each blank release fails")
    p.add_argument("assignments", nargs="*")
    p = sub.add_parser("collect", help="copy DIR/<student>.ipynb into grading/submitted/")
    p.add_argument("assignment"); p.add_argument("folder")
    p = sub.add_parser("autograde", help="grade submissions, each in its own sandbox")
    p.add_argument("assignment"); p.add_argument("students", nargs="*")
    p.add_argument("--unsandboxed-i-accept-the-risk", action="store_true",
                   help="run student code WITHOUT a sandbox, as this user (never for real submissions)")
    p = sub.add_parser("feedback", help="HTML feedback for each graded submission")
    p.add_argument("assignment"); p.add_argument("students", nargs="*")
    sub.add_parser("export", help="grading/grades.csv")
    args = parser.parse_args(argv)
    course = Course(Path(args.course).resolve()) if args.course else find_course()
    course.grading.mkdir(exist_ok=True)
    step = {"generate": cmd_generate, "validate": cmd_validate, "collect": cmd_collect, "autograde": cmd_autograde,
            "feedback": cmd_feedback, "export": cmd_export}[args.step]
    return step(course, args)


if __name__ == "__main__":
    sys.exit(main())
