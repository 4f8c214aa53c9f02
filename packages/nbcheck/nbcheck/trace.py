"""Which library functions did the student's own code call during a test cell?

A graded function must be the student's own: ``def sigmoid(z): return mlpkit.activations.sigmoid(z)``
is not an answer to "write the sigmoid". While a test cell runs, a profiler notes every function of
mlpkit or of this package that is called *from code outside the test cell* (that is, from the
student's functions). Records carry the list; the grader, which knows which functions each
exercise forbids, refuses the points and says why. This is a policy check, not a security
boundary (the student's code runs in this interpreter and could switch it off; the sandbox and
the grader's own comparison of values are the boundary).
"""
import sys

__all__ = ["start", "stop", "calls_so_far"]

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
            or caller.f_code.co_filename == _state["cell_file"]:
        return                                   # library-internal, or the test cell itself
    if code.co_name.startswith(("<", "__")):
        return                                   # module bodies and lazy-import machinery
    module = frame.f_globals.get("__name__", "?")
    _state["calls"].add(f"{module}.{code.co_qualname}")


def start(cell_file=None):
    """Begin noting library calls (called by the grader's hook before each test cell)."""
    _state["calls"] = set()
    _state["cell_file"] = cell_file
    if not _state["prefixes"]:
        _state["prefixes"] = _library_prefixes()
    sys.setprofile(_profile)


def stop():
    sys.setprofile(None)


def calls_so_far():
    return sorted(_state["calls"])[:50]
