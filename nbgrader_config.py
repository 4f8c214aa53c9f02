"""nbgrader configuration for the course (run gradekit and nbgrader commands from the repo root).

Source notebooks (with solutions and hidden tests) live in solutions/<ps>/, the generated student
versions in exercises/<ps>/. Everything grading produces (gradebook, submissions, autograded
notebooks, feedback, grades.csv) stays under grading/, which git ignores.

Autograding runs nbgrader's own pipeline with one step replaced: gradekit's SandboxedExecute runs
the student's notebook in a bubblewrap sandbox and scores it outside, against the reference
solution (see gradekit.plugins and book/threat_model.md). Use `gradekit autograde`, which checks
that a sandbox can be made and prints what it enforced.
"""
import os

from gradekit.plugins import SandboxedExecute
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, LimitOutput, SaveAutoGrades

c = get_config()  # noqa: F821  (provided by nbgrader)
here = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "backprop-checked"
c.CourseDirectory.root = here
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = "grading/submitted"
c.CourseDirectory.autograded_directory = "grading/autograded"
c.CourseDirectory.feedback_directory = "grading/feedback"
c.CourseDirectory.solution_directory = "grading/solution"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(here, "grading", "gradebook.db")
c.Execute.timeout = 30                 # nbgrader validate (a student's own run) stops a cell after 30 s
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

c.Autograde.autograde_preprocessors = [SandboxedExecute, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
                                       AssignLatePenalties, CheckCellMetadata]
c.LimitOutput.max_lines = 200          # on top of the byte limits the sandbox applies
