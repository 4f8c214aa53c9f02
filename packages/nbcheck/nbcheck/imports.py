"""What an exercise may import, said once in its locked setup cell: ``check.imports("numpy")``.

The declaration is the exercise's contract. The grader reads the same line (from the
instructor's copy of the notebook, never the student's) and builds the sandbox the notebook is
graded in with exactly those packages, the standard library and what the kernel itself needs:
there, a package the exercise does not declare (``mlpkit``, which would answer it, or scipy,
scikit-learn, torch) is simply not installed.

This module only makes the student's own run say the same thing, clearly and at once: after
``imports(...)``, an ``import`` of anything else written in the notebook (a cell, or a function
defined in one) fails with :class:`NotAllowedImport`, a ``ModuleNotFoundError`` that names the
exercise's packages. It is a message, not the boundary; the sandbox is.
"""
import sys

__all__ = ["NotAllowedImport", "imports", "declared", "top_level"]

_state = {"declared": None, "allowed": frozenset()}


class NotAllowedImport(ModuleNotFoundError):
    """An import the exercise does not declare."""


def top_level(requirement):
    """'mlpkit[data]' -> 'mlpkit' (the name a notebook imports)."""
    return str(requirement).split("[", 1)[0].strip()


def declared():
    """The packages this notebook declared (None if it declared nothing)."""
    return _state["declared"]


def _from_notebook(frame):
    """Is the first frame outside the import machinery code the student wrote in the notebook?"""
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        file = frame.f_code.co_filename
        if file.startswith("<frozen importlib") or name == "importlib" or name.startswith("importlib.") \
                or name == __name__:
            frame = frame.f_back
            continue
        return name == "__main__"
    return False


class _Finder:
    """First on ``sys.meta_path``: refuses top-level imports the notebook's code makes of
    undeclared packages; libraries importing their own dependencies are not affected."""

    @staticmethod
    def find_spec(fullname, path=None, target=None):
        if path is not None or fullname in _state["allowed"] or fullname in sys.stdlib_module_names:
            return None
        if fullname in sys.modules or not _from_notebook(sys._getframe(1)):
            return None
        packages = ", ".join(_state["declared"]) or "nothing"
        raise NotAllowedImport(
            f"`import {fullname}` is not allowed in this exercise: it may import {packages} and Python's "
            f"standard library only (its setup cell says so). The grader runs your notebook where "
            f"{fullname} is not installed, so this line would fail there too: write this part yourself "
            f"with {packages}.", name=fullname)


def imports(*packages):
    """Declare what this exercise may import (the setup cell calls it once, with string literals).

    ``packages``: names as imported (``"numpy"``, ``"sympy"``), optionally with a distribution's
    extras (``"mlpkit[data]"``: mlpkit with what its data loaders need).
    """
    names = tuple(str(p) for p in packages)
    _state["declared"] = tuple(top_level(p) for p in names)
    _state["allowed"] = frozenset(_state["declared"]) | {"nbcheck"}
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
    return names
