"""nbgrader configuration for the course (run nbgrader commands from the repo root).

Source notebooks (with solutions and hidden tests) live in solutions/<ps>/,
the generated student versions in exercises/<ps>/. Everything the grading
produces (gradebook, submissions, autograded notebooks, feedback) stays under
grading/, which git ignores.
"""
import os

c = get_config()  # noqa: F821  (provided by nbgrader)

c.CourseDirectory.course_id = "backprop-checked"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = "grading/submitted"
c.CourseDirectory.autograded_directory = "grading/autograded"
c.CourseDirectory.feedback_directory = "grading/feedback"
c.CourseDirectory.solution_directory = "grading/solution"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "grading", "gradebook.db"
)
# Student notebooks must not be able to hang the grader.
c.Execute.timeout = 30
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# Autograding: nbgrader's own pipeline plus the completion marks of mlpkit.grading
# (a test cell scores only if it ran to its last line with the checking helpers intact).
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, Execute,  # noqa: E402
                                    IgnorePattern, LimitOutput, SaveAutoGrades)

from mlpkit.grading_nbgrader import ProvideSecret, RequireCompletion  # noqa: E402

# After the notebook has run, a static scan of the student's own cells (tools/nbgrader_ext.py)
# gives every test 0 when they patch numpy, the checking helpers or IPython, or forge completion
# marks; tools/grade.py then reports the student as "flagged" with the reason.
import sys  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "tools"))
from nbgrader_ext import FlagTampering  # noqa: E402

c.Autograde.autograde_preprocessors = [
    ProvideSecret, Execute, RequireCompletion, FlagTampering, IgnorePattern, ClearMetadataPreprocessor,
    LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
]
c.LimitOutput.max_lines = 200          # an output flood is cut, not stored

# Feedback shows students what failed, never the hidden tests: their code is cleared from the
# test cells and tracebacks (which quote the failing line) are cut to the error message.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402

from mlpkit.grading_nbgrader import ShortenTracebacks  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, ShortenTracebacks, CSSHTMLHeaderPreprocessor]
