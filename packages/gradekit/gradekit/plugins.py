"""nbgrader's autograde, with the student's code moved into a sandbox and the scoring kept out.

``SandboxedExecute`` replaces nbgrader's ``Execute`` (wired up in the course's nbgrader_config.py).
nbgrader has already restored the locked and test cells from its gradebook; this step then

1. writes the student's own variant numbers into the variant cells (:mod:`gradekit.variants`);
2. runs the notebook in a fresh sandbox (:func:`gradekit.sandbox.run_notebook`) and takes back
   only its outputs, as data;
3. scores every test cell here, outside, against the reference records (:mod:`gradekit.scoring`),
   and writes each verdict as that cell's only output: nbgrader's ``SaveAutoGrades`` then records
   it in the gradebook exactly as it would an ordinary passing or failing cell;
4. keeps the student's own cells' outputs, cut by bytes, with every line of the hidden tests and
   the solutions scrubbed out, so that nothing else can reach the feedback;
5. writes ``grading/status/<ps>/<student>.json``: graded, review (the scan's findings, the files
   left behind, a variant that is not the student's) or error, with the details.
"""
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from nbformat.notebooknode import from_dict
from nbgrader.preprocessors import NbGraderPreprocessor

from . import reference, sandbox, scan, scoring, variants
from .sandbox import UNSANDBOXED_ENV
from .course import Course, grade_cells, source_text

__all__ = ["SandboxedExecute", "UNSANDBOXED_ENV", "hidden_lines", "clean_outputs"]

MAX_SUBMISSION_BYTES = 20 * 1024 ** 2


def hidden_lines(source):
    """Lines of the source's hidden tests and solutions that are long enough to be recognised."""
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


def _scrub(text, secrets):
    for line in secrets:
        if line in text:
            text = text.replace(line, "[hidden]")
    return text


def clean_outputs(outputs, secrets, limit=20_000):
    """The outputs a student may see again: text and images, cut to ``limit`` bytes, scrubbed."""
    kept = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            text = _scrub(str(output.get("text", "")), secrets)
            if len(text.encode()) > limit:
                text = text.encode()[:limit].decode(errors="ignore") + f"\n[output cut at {limit} bytes]\n"
            kept.append({"output_type": "stream", "name": "stdout" if output.get("name") != "stderr" else "stderr",
                         "text": text})
        elif kind == "error":
            ename, evalue = str(output.get("ename", ""))[:100], _scrub(str(output.get("evalue", "")), secrets)[:2000]
            kept.append({"output_type": "error", "ename": ename, "evalue": evalue, "traceback": [f"{ename}: {evalue}"]})
        elif kind == "display_data":
            data = {k: v for k, v in output.get("data", {}).items() if k in ("image/png", "text/plain")}
            if "text/plain" in data:
                data["text/plain"] = _scrub(str(data["text/plain"]), secrets)[:limit]
            if data and data != {"text/plain": ""}:
                kept.append({"output_type": "display_data", "data": data, "metadata": {}})
    return kept


def _verdict_output(verdict):
    if verdict.ok:
        return {"output_type": "stream", "name": "stdout", "text": "All checks of this test passed.\n"}
    text = "\n".join(f"- {m}" for m in verdict.messages)
    return {"output_type": "error", "ename": "CheckFailed", "evalue": text, "traceback": [f"CheckFailed:\n{text}"]}


class SandboxedExecute(NbGraderPreprocessor):
    """Run the submission in a sandbox; score it outside (see the module docstring)."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        student, assignment = info["student"], info["assignment"]
        course = Course(Path(self.config.CourseDirectory.root or os.getcwd()).resolve())
        source = course.source(assignment)
        limits = sandbox.Limits(wall_seconds=int(os.environ.get("GRADEKIT_WALL_SECONDS", 300)))
        run = sandbox.run_notebook if not os.environ.get(UNSANDBOXED_ENV) else sandbox.run_unsandboxed
        status = {"student": student, "assignment": assignment, "status": "graded", "detail": "", "review": []}

        claimed = None
        submitted = course.submission(assignment, student)
        if variants.has_variants(source):
            status["variant"] = variants.variant_id(assignment, student)
            try:
                if submitted.stat().st_size <= MAX_SUBMISSION_BYTES:
                    claimed = variants.claimed(json.loads(submitted.read_text(encoding="utf-8")), assignment)
            except (OSError, ValueError):
                pass
            rendered = variants.rendered_cells(source, assignment, student)
            for cell in nb.cells:
                gid = cell.metadata.get("nbgrader", {}).get("grade_id")
                if gid in rendered:
                    cell.source = rendered[gid]

        # the student's run and the reference run (often cached) side by side: two sandboxes at once
        with ThreadPoolExecutor(2) as pool:
            student_run = pool.submit(run, reference.executable(nb), limits)
            reference_run = pool.submit(reference.records, course, assignment, student, limits, run=run)
            result, expected = student_run.result(), reference_run.result()
        if result.status == "error" and not result.cells:      # the sandbox itself failed: once more
            result = run(reference.executable(nb), limits)
        if result.status == "error" and not result.cells:      # never a silent 0: nbgrader reports it
            status.update(status="error", detail=f"the sandbox could not run this notebook ({result.detail}); "
                                                 "not graded: run autograde again for this student")
            self._write_status(course, assignment, student, status)
            raise RuntimeError(status["detail"])
        status.update(sandbox=result.status, seconds=round(result.seconds, 1))
        got = scoring.records_by_cell(nb.cells, result.cells)
        forbid = tuple(source.get("metadata", {}).get("gradekit", {}).get("forbid", []))
        secrets = hidden_lines(source)
        tests = grade_cells(source)
        failed = 0
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            outputs = result.cells.get(index, [])
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in tests and not cell.metadata.get("nbgrader", {}).get("solution"):
                errors = [o for o in clean_outputs(outputs, secrets) if o["output_type"] == "error"]
                error = f"{errors[0]['ename']}: {errors[0]['evalue']}"[:300] if errors else None
                if index not in result.cells and result.status != "ok":
                    error = result.detail
                verdict = scoring.score_cell(expected.get(gid, []), got.get(gid, []), forbid, error)
                failed += not verdict.ok
                cell.outputs = [from_dict(_verdict_output(verdict))]
            else:
                cell.outputs = [from_dict(o) for o in clean_outputs(outputs, secrets)]

        if claimed and claimed[0] != status.get("variant"):
            if claimed[0] == "public":            # downloaded from the book: normal, but say what happened
                note = (f"The grader ran this notebook with your own numbers (variant {status['variant']}), not "
                        "the public release's: a result typed in from the release's numbers cannot match.")
            else:                                 # another student's numbers: the instructor looks
                note = (f"This notebook carries the numbers of variant {claimed[0]} (student id {claimed[1]}), not "
                        f"this student's own ({status['variant']}): it was graded with the student's own numbers.")
                status["review"].append(note)
            if failed:
                status["note"] = note                 # shown once, at the top of the feedback
        findings = scan.review(nb, result.files)
        status["review"] += [f"{label} line {line}: {reason}" for label, line, reason in findings[:10]]
        if result.status != "ok":
            status["detail"] = result.detail
        if status["review"]:
            status["status"] = "review"
        status["failed_tests"] = failed
        self._write_status(course, assignment, student, status)
        return nb, resources

    @staticmethod
    def _write_status(course, assignment, student, status):
        folder = course.grading / "status" / assignment
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{student}.json").write_text(json.dumps(status, indent=1))
