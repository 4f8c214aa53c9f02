"""nbgrader's autograde, with the student's kernel moved into a sandbox and the scoring kept out.

``SandboxedExecute`` replaces nbgrader's ``Execute`` (wired up in the course's nbgrader_config.py).
nbgrader has already restored the locked and test cells from its gradebook; this step then

1. writes the student's own variant numbers into the variant cells (:mod:`gradekit.variants`);
2. runs the notebook with its kernel in a fresh sandbox that holds exactly the packages the
   exercise declares (:func:`gradekit.course.declared_imports`, :mod:`gradekit.sandbox`)
   and takes back only records and error names, as data;
3. scores every test cell here, outside, against the reference records (:mod:`gradekit.scoring`),
   and writes each verdict as that cell's only output: nbgrader's ``SaveAutoGrades`` then records
   it in the gradebook exactly as it would an ordinary passing or failing cell. Every other cell
   is stored without outputs: nothing the grading run's kernel printed or drew is kept;
4. writes ``grading/status/<ps>/<student>.json``: graded, review (the scan's findings, a variant
   that is not the student's) or error, with the reason, and each test's verdict (the feedback
   page shows those, beside the notebook the student submitted).

The sandbox's settings are nbgrader configuration (``c.SandboxedExecute.wall_seconds = 300`` in
nbgrader_config.py): see the traits below.
"""
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from nbformat.notebooknode import from_dict
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

from . import reference, sandbox, scan, scoring, variants
from .collect import MAX_BYTES as MAX_SUBMISSION_BYTES
from .course import Course, declared_imports, grade_cells, source_text
from .sandbox import UNSANDBOXED_ENV

__all__ = ["SandboxedExecute", "UNSANDBOXED_ENV", "hidden_lines"]


def hidden_lines(source):
    """Lines of the source's hidden tests and solutions that are long enough to be recognised
    (the test suite looks for them in everything grading writes)."""
    lines = set()
    for cell in source["cells"]:
        inside = False
        for line in source_text(cell).splitlines():
            text = line.strip()
            if text.startswith("### BEGIN"):
                inside = True
            elif text.startswith("### END"):
                inside = False
            elif inside and len(text) >= 12 and not text.startswith("#"):
                lines.add(text)
    return sorted(lines, key=len, reverse=True)


def _verdict_output(verdict):
    if verdict.ok:
        return {"output_type": "stream", "name": "stdout", "text": "All checks of this test passed.\n"}
    text = "\n".join(f"- {m}" for m in verdict.messages)
    return {"output_type": "error", "ename": "CheckFailed", "evalue": text, "traceback": [f"CheckFailed:\n{text}"]}


class SandboxedExecute(NbGraderPreprocessor):
    """Run the submission's kernel in a sandbox; score it outside (see the module docstring)."""

    wall_seconds = Integer(sandbox.env_int("GRADEKIT_WALL_SECONDS", 300), help="one notebook's whole run").tag(config=True)
    cell_seconds = Integer(30, help="one cell, before the kernel is interrupted").tag(config=True)
    first_uid = Integer(sandbox.FIRST_UID,
                        help="the first uid of the sandbox slots' pool (one uid per concurrent sandbox)").tag(config=True)
    slot_count = Integer(sandbox.SLOT_COUNT, help="how many uids the pool has").tag(config=True)

    def limits(self):
        return sandbox.Limits(wall_seconds=self.wall_seconds, cell_seconds=self.cell_seconds)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        student, assignment = info["student"], info["assignment"]
        course = Course(Path(self.config.CourseDirectory.root or os.getcwd()).resolve())
        source = course.source(assignment)
        status = {"student": student, "assignment": assignment, "status": "graded", "detail": "", "review": []}
        try:
            declared = declared_imports(source)
        except ValueError as err:
            return self._fail(course, status, f"the source of {assignment} is not gradable: {err}")
        limits = self.limits()
        slots = sandbox.Slots(first_uid=self.first_uid, count=self.slot_count)
        unsafe = bool(os.environ.get(UNSANDBOXED_ENV))
        runner = sandbox.run_unsandboxed if unsafe else sandbox.run_notebook

        def run(notebook, limits, declared):
            return runner(notebook, limits, declared, slots)

        claimed = None
        submitted = course.submission(assignment, student)
        if variants.has_variants(source):
            status["variant"] = variants.variant_id(assignment, student)
            try:
                if submitted.stat().st_size <= MAX_SUBMISSION_BYTES:
                    claimed = variants.claimed(json.loads(submitted.read_text(encoding="utf-8")), assignment)
            except (OSError, ValueError, RecursionError):
                pass
            rendered = variants.rendered_cells(source, assignment, student)
            for cell in nb.cells:
                gid = cell.metadata.get("nbgrader", {}).get("grade_id")
                if gid in rendered:
                    cell.source = rendered[gid]

        # the student's run and the reference run (often cached) side by side: two sandboxes at once
        with ThreadPoolExecutor(2) as pool:
            student_run = pool.submit(run, reference.executable(nb), limits, declared)
            reference_run = pool.submit(reference.records, course, assignment, student, limits, run=run)
            try:
                expected = reference_run.result()
            except reference.ReferenceFailure as err:
                student_run.result()
                status["reference_failure"] = True
                return self._fail(course, status, str(err))
            result = student_run.result()
        if result.status == "error" and not result.cells:      # the sandbox itself failed: once more
            result = run(reference.executable(nb), limits, declared)
        if result.status == "error" and not result.cells:      # never a silent 0: nbgrader reports it
            return self._fail(course, status, f"the sandbox could not run this notebook ({result.detail}); "
                                              "not graded: run autograde again for this student")
        status.update(sandbox=result.status, seconds=round(result.seconds, 1), uid=result.uid)
        got = scoring.records_by_cell(nb.cells, result.cells)
        tests = grade_cells(source)
        verdicts = {}
        unattempted = False                   # a solution cell since the last test still raises NotImplementedError
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            errors = result.errors(index)
            if cell.metadata.get("nbgrader", {}).get("solution"):
                unattempted = unattempted or errors[:1] == ["NotImplementedError"]
            if gid in tests and not cell.metadata.get("nbgrader", {}).get("solution"):
                if errors[:1] == ["NameError"] and unattempted:
                    errors = ["NotImplementedError"]      # what it uses is still the release's stub
                unattempted = False
                error = scoring.error_phrase(errors[0], declared) if errors else None
                if index not in result.cells and result.status != "ok":
                    error = result.detail
                verdict = scoring.score_cell(expected.get(gid, []), got.get(gid, []), error)
                verdicts[gid] = {"ok": verdict.ok, "messages": verdict.messages}
                cell.outputs = [from_dict(_verdict_output(verdict))]
            else:
                cell.outputs = []                   # nothing the grading run's kernel made is kept
                cell.execution_count = None

        if claimed and claimed[0] != status.get("variant"):
            if claimed[0] == "public":            # downloaded from the book: normal, but say what happened
                note = (f"The grader ran this notebook with your own numbers (variant {status['variant']}), not "
                        "the public release's: a result typed in from the release's numbers cannot match.")
            else:                                 # another student's numbers: the instructor looks
                note = ("This notebook carries another student's numbers; it was graded with your own "
                        f"(variant {status['variant']}).")
                status["review"].append(f"this notebook carries the numbers of variant {claimed[0]} "
                                        f"(student id {claimed[1]}), not this student's own ({status['variant']})")
            if any(not v["ok"] for v in verdicts.values()):
                status["note"] = note                 # shown once, at the top of the feedback
        findings = scan.review(nb)
        status["review"] += [f"{label} line {line}: {reason}" for label, line, reason in findings[:10]]
        if result.status != "ok":
            status["detail"] = result.detail
        if status["review"]:
            status["status"] = "review"
        status["failed_tests"] = sum(not v["ok"] for v in verdicts.values())
        status["tests"] = verdicts
        self._write_status(course, assignment, student, status)
        return nb, resources

    def _fail(self, course, status, detail):
        status.update(status="error", detail=detail)
        self._write_status(course, status["assignment"], status["student"], status)
        raise RuntimeError(detail)

    @staticmethod
    def _write_status(course, assignment, student, status):
        folder = course.grading / "status" / assignment
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{student}.json").write_text(json.dumps(status, indent=1))
