"""gradekit: the trusted, instructor side of the course's grading (never shipped to students).

Student code never runs here: :mod:`gradekit.sandbox` executes every notebook in a throw-away
bubblewrap sandbox and brings back its outputs as data; :mod:`gradekit.scoring` compares the
values the student's code recorded with the reference solution's, outside the sandbox; nbgrader's
gradebook is written only by this side. The in-notebook runtime is the separate package nbcheck.

Modules: ``cli`` (the one command, ``gradekit``), ``course`` (paths and assignments), ``release``
(student notebooks, per-student variants), ``collect``, ``sandbox``, ``reference``, ``scoring``,
``diagnose`` (classic backprop mistakes), ``scan`` (a review hint), ``plugins`` (nbgrader
preprocessors), ``feedback``.
"""
__version__ = "0.2.0"
