"""The kernel-only sandbox (gradekit.sandbox), the building block of trust round 2.

Each test runs a real notebook, as root, with the kernel in bubblewrap under a slot uid, the
seccomp filter and only the declared packages; the executor stays outside.
"""
import pytest

from gradekit import sandbox as ks

pytestmark = [pytest.mark.slow, pytest.mark.skipif(ks.available() is not None,
                                                   reason=f"no sandbox here: {ks.available()}")]
SLOTS = ks.Slots(first_uid=64100, count=8)      # this module's own uids: other workers' sandboxes are not ours


def run(*sources, declared=("numpy",), slots=SLOTS):
    nb = {"cells": [{"cell_type": "code", "source": s} for s in sources]}
    return ks.run_notebook(nb, ks.Limits(wall_seconds=90), declared, slots)


def record_of(result, index):
    return [o["data"][ks.MIME] for o in result.cells.get(index, []) if o.get("output_type") == "display_data"]


def error_of(result, index):
    return [o["ename"] for o in result.cells.get(index, []) if o.get("output_type") == "error"]


def test_records_come_back_and_printed_text_does_not():
    r = run("import numpy as np\nimport nbcheck as check\nprint('SECRET-PRINTED')",
            "check.record('x', np.arange(3.0))")
    assert r.status == "ok", r.detail
    assert [rec["value"]["data"] for rec in record_of(r, 1)] == [[0.0, 1.0, 2.0]]
    assert "SECRET-PRINTED" not in repr(r.cells)


def test_an_undeclared_package_is_not_in_the_sandbox_by_any_route():
    r = run("import mlpkit", "import importlib; importlib.import_module('scipy')",
            "import sys; sys.path.append('/root'); import gradekit")
    assert error_of(r, 0) == ["ModuleNotFoundError"] and error_of(r, 1) == ["ModuleNotFoundError"]
    assert error_of(r, 2) == ["ModuleNotFoundError"]
    r = run("import mlpkit", declared=("numpy", "mlpkit"))
    assert error_of(r, 0) == [], r.cells


def test_the_kernel_cannot_trace_read_other_processes_or_use_keyrings():
    r = run("import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            "assert libc.ptrace(0, 0, 0, 0) != 0 and ctypes.get_errno() == 1, 'ptrace'\n"
            "assert libc.syscall(248, b'user', b'k', b'v', 1, -4) == -1 and ctypes.get_errno() == 1, 'add_key'\n"
            "assert libc.syscall(272, 0x10000000) == -1 and ctypes.get_errno() == 1, 'unshare'\n"
            "assert os.getuid() >= 64100 and os.getuid() < 64108, os.getuid()\n"
            "assert sorted(int(p) for p in os.listdir('/proc') if p.isdigit())[0] == 1\n"
            "assert not any(os.path.exists(p) for p in ('/work', '/run/gradekit-slots', '/etc/passwd')), 'host files'\n"
            "assert not os.path.exists('/root') or os.listdir('/root') in ([], ['.pyenv']), os.listdir('/root')")
    assert r.status == "ok" and error_of(r, 0) == [], r.cells


def test_nothing_of_a_run_survives_it():
    own = ks.Slots(first_uid=64120, count=1)     # a uid no other test uses: nobody else can be running as it
    r = run("import subprocess\nsubprocess.Popen(['sleep', '300'], start_new_session=True)", slots=own)
    assert r.status == "ok"
    assert r.uid == 64120 and not ks.Slots.processes(r.uid)


def test_a_cell_that_ignores_interrupts_is_stopped_and_earlier_records_kept():
    nb = {"cells": [{"cell_type": "code", "source": "import nbcheck as check\ncheck.record('a', 1.0)"},
                    {"cell_type": "code", "source": "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                                    "while True:\n    time.sleep(0.1)"}]}
    r = ks.run_notebook(nb, ks.Limits(wall_seconds=15, cell_seconds=5), ("numpy",), ks.Slots(first_uid=64121, count=1))
    assert r.status in ("timeout", "error") and "ignored the interrupt" in r.detail and record_of(r, 0), \
        (r.status, r.detail, r.cells)
    assert r.uid == 64121 and not ks.Slots.processes(r.uid)


def test_the_declared_import_message_is_the_same_in_a_students_own_run():
    import subprocess
    import sys
    code = ("import nbcheck\nnbcheck.imports('numpy')\n__name__ == '__main__'\n"
            "try:\n    import mlpkit\nexcept ModuleNotFoundError as err:\n    print(err)\n"
            "import json, numpy\nprint('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "`import mlpkit` is not allowed in this exercise: it may import numpy" in out and out.endswith("ok\n"), out


def test_a_message_nested_too_deep_stops_that_run_and_nothing_else():
    """The standard library's JSON parser can crash a process on deep nesting: such a frame is
    refused before it is parsed, the run stops there, and what came before is kept."""
    send = ("k = get_ipython().kernel\n"
            "k.session.send(k.iopub_socket, 'display_data', content=b'{\"data\": {\"x\": ' + b'[' * 300000"
            " + b']' * 300000 + b'}, \"metadata\": {}}', parent=k.get_parent('shell'))\nimport time; time.sleep(2)")
    r = run("import nbcheck as check\ncheck.record('a', 1.0)", send, "check.record('b', 2.0)")
    assert r.status == "error" and "nested deeper" in r.detail, r.detail
    assert [rec["name"] for rec in record_of(r, 0)] == ["a"] and not record_of(r, 2)
    assert not ks.Slots.processes(r.uid)
    assert ks.bounded_unpack(b'{"a": [[1, 2], {"b": "[[["}]}') == {"a": [[1, 2], {"b": "[[["}]}
