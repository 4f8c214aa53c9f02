"""Graded runs only: note library calls while each cell runs (see :mod:`nbcheck.trace`).

The grader names its test cells by the SHA-256 of their source (``NBCHECK_TEST_CELLS``), so a
student's cell cannot pass itself off as one.
"""
import hashlib
import os

from . import trace

_TESTS = set(os.environ.get("NBCHECK_TEST_CELLS", "").split(","))

__all__ = ["install"]


def _cell_file(shell, info):
    try:
        return shell.compile.get_code_name(info.raw_cell, info.raw_cell, 0)
    except Exception:                            # noqa: BLE001 (another IPython: trace everything)
        return None


def install():
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    def before(info):
        is_test = hashlib.sha256(info.raw_cell.encode()).hexdigest() in _TESTS
        trace.start(_cell_file(shell, info) if is_test else None)

    shell.events.register("pre_run_cell", before)
    shell.events.register("post_run_cell", lambda result: trace.stop())
