"""nbgrader preprocessors that make the completion marks of :mod:`mlpkit.grading` count.

``ProvideSecret`` runs before nbgrader's ``Execute``: it writes a fresh random secret to a
private file and points the kernel at it (``MLPKIT_GRADING_SECRET_FILE``); the notebook's
locked first cell imports ``mlpkit.grading``, which reads the file and deletes it.
``RequireCompletion`` runs after ``Execute``: every autograded test cell must show the mark
``passed(grade_id)`` prints under that secret; a test cell without it gets an error output,
which nbgrader scores as 0. Wired up in ``nbgrader_config.py``.
"""
import os
import secrets
import tempfile

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from .grading import completion_mark

SECRET_KEY = "mlpkit_grading_secret"


class ProvideSecret(NbGraderPreprocessor):
    """Create the per-notebook secret before the kernel starts."""

    def preprocess(self, nb, resources):
        secret = secrets.token_hex(32).encode()
        fd, path = tempfile.mkstemp(prefix="mlpkit-grading-")
        with os.fdopen(fd, "wb") as f:
            f.write(secret)
        os.environ["MLPKIT_GRADING_SECRET_FILE"] = path     # inherited by the kernel Execute starts
        resources[SECRET_KEY] = secret
        resources[SECRET_KEY + "_file"] = path
        return nb, resources


class RequireCompletion(NbGraderPreprocessor):
    """Fail every autograded test cell that did not print its valid completion mark."""

    def preprocess(self, nb, resources):
        secret = resources.get(SECRET_KEY)
        path = resources.pop(SECRET_KEY + "_file", None)
        if path and os.path.exists(path):
            os.remove(path)                  # never read by the notebook: its first cell did not run
        os.environ.pop("MLPKIT_GRADING_SECRET_FILE", None)
        if secret is None:
            return nb, resources
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
                continue
            if any(o.output_type == "error" for o in cell.outputs):
                continue                       # already failed
            text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            if completion_mark(secret, meta.get("grade_id")) not in text:
                error = NotebookNode(output_type="error", ename="IncompleteTest",
                                     evalue="this test cell did not finish normally (no valid completion mark)",
                                     traceback=["IncompleteTest: this test cell did not finish normally "
                                                "(no valid completion mark), so it scores 0"])
                cell.outputs.append(error)
                self.log.warning("test cell %s has no valid completion mark", meta.get("grade_id"))
        return nb, resources


class ShortenTracebacks(NbGraderPreprocessor):
    """For feedback: replace each error's traceback by its last line ("GradingError: …").

    A traceback quotes the source line that failed, which in a test cell may be a hidden
    test; the message of ``mlpkit.grading``'s checks already says what is wrong.
    """

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    output.traceback = [f"{output.ename}: {output.evalue}"]
        return nb, resources
