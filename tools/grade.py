"""The instructor's grading workflow, one command per step (run from the repository root).

    python tools/grade.py generate                 # solutions/ -> exercises/ (nbgrader generate_assignment)
    python tools/grade.py collect ps01 DIR         # DIR/<student>.ipynb -> grading/submitted/<student>/ps01/
    python tools/grade.py autograde ps01           # every submitted student, each in its own process
    python tools/grade.py feedback ps01            # HTML feedback in grading/feedback/
    python tools/grade.py export                   # grading/grades.csv

`autograde` runs `nbgrader autograde ps01 --student S --force` once per student, in a child
process with a wall-clock limit and resource limits (address space, CPU time, file size), so a
notebook that hangs, ignores interrupts or exhausts memory fails *that* student, is reported,
and everyone else is graded. Re-running is safe: it re-grades with --force. When `unshare -n`
works on the machine (root, or unprivileged user namespaces) the grading process has no
network. Run as root, it grades as the unprivileged user $MLPKIT_GRADE_USER (default `nobody`)
if that user can run this Python; otherwise it says so and grades as root. A container per
student is the instructor's job on shared machines (see book/threat_model.md).

The summary has one line per student: `graded` (score), `flagged` (the tamper scan of
tools/nbgrader_ext.py found code that patches the grader: the tests score 0, the reason is
shown; review by hand) or `error` (not graded: not a notebook, time limit, nbgrader failed).
It is also written to grading/autograde-<assignment>.txt. Exit status 1 if any line is not
`graded`.
"""
import argparse
import json
import os
import pwd
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path.cwd()
WALL_SECONDS = int(os.environ.get("MLPKIT_GRADE_WALL_SECONDS", 300))   # per student, whole notebook
MEMORY_BYTES = 4 * 1024 ** 3    # address space per process (kernel included)
CPU_SECONDS = 240
FILE_BYTES = 200 * 1024 ** 2


GRADE_USER = os.environ.get("MLPKIT_GRADE_USER", "nobody")


def _limits(user=None):
    """preexec_fn for a grading child: resource limits, own session, and (as root) the user."""
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES))
        os.setsid()                               # its own process group: a hung kernel dies with it
        if user is not None:
            os.setgroups([])
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)
    return apply


def _unprivileged_user():
    """(pwd entry or None, note): the user to grade as when running as root, and why not if not."""
    if os.geteuid() != 0:
        return None, f"runs as {pwd.getpwuid(os.geteuid()).pw_name} (not root)"
    try:
        user = pwd.getpwnam(GRADE_USER)
    except KeyError:
        return None, f"runs as root: no user {GRADE_USER!r} to drop to (set MLPKIT_GRADE_USER)"
    probe = [sys.executable, "-c", "import nbgrader, mlpkit"]
    try:
        ok = subprocess.run(probe, preexec_fn=_limits(user), capture_output=True, cwd="/", timeout=60).returncode == 0
        reason = "it cannot import nbgrader and mlpkit"
    except OSError as err:
        ok, reason = False, f"it cannot run {sys.executable} ({err.strerror})"
    if not ok:
        return None, (f"runs as root: could not drop to {GRADE_USER!r}, {reason}; install Python where "
                      f"that user can read it, or run this command as an unprivileged user")
    return user, f"runs as {GRADE_USER!r}"


def _give_to(user, *paths):
    """Let the unprivileged grading user write the grading state (never the sources)."""
    for path in paths:
        for folder, dirs, files in os.walk(path):
            for name in [folder] + [os.path.join(folder, f) for f in files]:
                os.chown(name, user.pw_uid, user.pw_gid)


def _sandbox_prefix():
    """A new network namespace with only loopback up (the kernel talks to nbgrader over
    127.0.0.1; nothing else is reachable) when `unshare -n` works here; nothing otherwise."""
    probe = ["unshare", "-n", "sh", "-c", "ip link set lo up"]
    if shutil.which("unshare") and shutil.which("ip") and subprocess.run(probe, capture_output=True).returncode == 0:
        return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" "$@"']
    return []


def _scan_configured():
    """Does the course's nbgrader configuration run tools/nbgrader_ext.FlagTampering?"""
    from traitlets.config.loader import PyFileConfigLoader
    try:
        config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
        steps = config.Autograde.autograde_preprocessors
    except Exception:                                  # missing or broken config: say it is not there
        return False
    return any(getattr(step, "__name__", str(step)).endswith("FlagTampering") for step in steps)


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


def autograde_one(assignment, student, user=None, sandbox=()):
    """Grade one student in a limited child process; return (status, detail).

    ``sandbox`` is the command prefix from :func:`_sandbox_prefix` (probed once per run)."""
    nb = ROOT / "grading" / "submitted" / student / assignment / f"{assignment}.ipynb"
    try:
        json.loads(nb.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, FileNotFoundError) as err:
        return "error", f"submission is not a valid notebook ({type(err).__name__})"
    cmd = list(sandbox) + [sys.executable, "-m", "nbgrader", "autograde", assignment, "--student", student,
                           "--force", "--log-level=WARN"]
    env = dict(os.environ)
    if user is not None:
        home = ROOT / "grading" / ".home"
        home.mkdir(exist_ok=True)
        _give_to(user, ROOT / "grading")
        env.update(HOME=str(home), JUPYTER_RUNTIME_DIR=str(home / "runtime"), MPLCONFIGDIR=str(home / "mpl"))
    child = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=_limits(user), env=env)
    try:
        out, err = child.communicate(timeout=WALL_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)         # nbgrader and the kernel it started
        child.communicate()
        return "error", f"grading took longer than {WALL_SECONDS} s and was stopped (a loop that ignores interrupts?)"
    finally:
        try:
            os.killpg(child.pid, signal.SIGKILL)     # nothing of this student's outlives its grading
        except (ProcessLookupError, PermissionError):
            pass
    log = (err or "") + (out or "")
    if child.returncode != 0:
        last = [line for line in log.splitlines() if line.strip()][-3:]
        return "error", "nbgrader failed: " + " | ".join(last)
    flags = [line.split("TAMPERING:", 1)[1].strip() for line in log.splitlines() if "TAMPERING:" in line]
    if flags:
        return "flagged", flags[0]
    unmarked = sum("no valid completion mark" in line for line in log.splitlines())
    return "graded", f"{unmarked} test cell(s) did not finish" if unmarked else ""


def autograde(assignment, students=None):
    submitted = ROOT / "grading" / "submitted"
    students = students or sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir())
    user, isolation = _unprivileged_user()
    sandbox = _sandbox_prefix()
    network = "no network (unshare -n)" if sandbox else "network NOT cut (unshare -n unavailable)"
    scan = "" if _scan_configured() else \
        ("WARNING: nbgrader_config.py does not run the tamper scan (add FlagTampering to "
         "c.Autograde.autograde_preprocessors, as this project's nbgrader_config.py does)")
    rows = []
    for student in students:
        status, detail = autograde_one(assignment, student, user, sandbox)
        score, max_score = _score(assignment, student) if status != "error" else (None, None)
        rows.append({"student": student, "status": status, "score": score, "max_score": max_score, "detail": detail})
    width = max([len(r["student"]) for r in rows] + [7])
    lines = [f"{'student':<{width}}  {'status':<7}  score"]
    for r in rows:
        score = f"{r['score']:g} / {r['max_score']:g}" if r["score"] is not None else "-"
        lines.append(f"{r['student']:<{width}}  {r['status']:<7}  {score:<9}  {r['detail']}".rstrip())
    lines += ["", f"isolation: {network}; {isolation}; limits per student: {WALL_SECONDS} s wall, "
                  f"{CPU_SECONDS} s CPU, {MEMORY_BYTES // 1024 ** 3} GiB address space"] + ([scan] if scan else [])
    print("\n".join(lines))
    (ROOT / "grading" / f"autograde-{assignment}.txt").write_text("\n".join(lines) + "\n")
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
        target = ROOT / "grading" / "grades.csv"          # under grading/, which git ignores
        subprocess.run([sys.executable, "-m", "nbgrader", "export", "--to", str(target)], cwd=ROOT, check=True)
        print(f"grades written to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
