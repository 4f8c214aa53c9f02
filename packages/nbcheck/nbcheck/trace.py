"""Which library functions did the student's own code call during a test cell?

A graded function must be the student's own: ``def sigmoid(z): return mlpkit.activations.sigmoid(z)``
is not an answer to "write the sigmoid". In a graded run a profiler notes every function of mlpkit
or of this package that is called from code outside the cell running at the time (from the
student's functions, whichever cell calls them). Records carry the list; the grader, which knows which functions each
exercise forbids, refuses the points and says why. This is a policy check, not a security
boundary (the student's code runs in this interpreter and could switch it off; the sandbox and
the grader's own comparison of values are the boundary).
"""
import sys

__all__ = ["start", "stop", "calls_so_far", "calls_during"]

_state = {"calls": set(), "cell_file": None, "prefixes": ()}


def _library_prefixes():
    import os
    prefixes = []
    for name in ("mlpkit", "nbcheck"):
        module = sys.modules.get(name)
        if module is None:
            try:
                module = __import__(name)
            except ImportError:
                continue
        prefixes.append(os.path.dirname(module.__file__) + os.sep)
    return tuple(prefixes)


def _profile(frame, event, arg):
    if event != "call":
        return
    code = frame.f_code
    if not code.co_filename.startswith(_state["prefixes"]):
        return
    caller = frame.f_back
    if caller is None or caller.f_code.co_filename.startswith(_state["prefixes"]) \
            or (_state["cell_file"] is not None and caller.f_code.co_filename == _state["cell_file"]):
        return                                   # library-internal, or a test cell's own code
    if code.co_name.startswith(("<", "__")):
        return                                   # module bodies and lazy-import machinery
    module = frame.f_globals.get("__name__", "?")
    _state["calls"].add(f"{module}.{code.co_qualname}")


def start(cell_file=None):
    """Note library calls while the next cell runs (the grader's hook calls this before every cell).

    Calls accumulate over the whole run: a student's cell that computes an answer with the library
    before the test cell reads it is noted as well. Calls made by a cell's own top-level code to
    the library are not student functions calling it, and a test cell's are never noted.
    """
    _state["cell_file"] = cell_file              # None: a student's cell, whose every call counts
    if not _state["prefixes"]:
        _state["prefixes"] = _library_prefixes()
    sys.setprofile(_profile)


def stop():
    sys.setprofile(None)


def calls_so_far():
    return sorted(_state["calls"])[:50]


def calls_during(compute):
    """(value of ``compute()``, library functions the student's code called meanwhile).

    For a visible test's "is it your own code?" check; ``compute``'s own frame (a lambda in the
    test cell) does not count as the student's code.
    """
    saved_calls, saved_file, saved = set(_state["calls"]), _state["cell_file"], sys.getprofile()
    _state["calls"] = set()
    _state["cell_file"] = compute.__code__.co_filename
    if not _state["prefixes"]:
        _state["prefixes"] = _library_prefixes()
    sys.setprofile(_profile)
    try:
        value = compute()
    finally:
        sys.setprofile(saved)
        found = sorted(_state["calls"])
        _state["calls"] = saved_calls | set(found)
        _state["cell_file"] = saved_file
    return value, found
