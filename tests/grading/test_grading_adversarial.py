"""Hostile submissions, graded by the real instructor command (`gradekit autograde`), as root.

One attack class per student. Each must get its honest score (what its real answers are worth),
and nothing outside its sandbox may change: the other students' gradebook rows, the course and the
repository, the instructor's HOME, and no process of the grading uid may survive. The first run
grades two honest students; the second run grades every attacker; the checks compare before/after.
"""
import base64
import codecs
import hashlib
import json
import os
import pwd
import subprocess
import time
from pathlib import Path

import pytest

from gradekit import sandbox, scan
from grading_support import (CANARY_HIDDEN, CANARY_SOLUTION, ROOT, autograde, elements, make_course, solution_sources,
                             student_notebook, submit)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading"),
              pytest.mark.skipif(sandbox.available() is not None, reason=f"no sandbox here: {sandbox.available()}")]

A = "ps01"
# This run's sandboxes get a uid pool of their own (as each worker of a pool would), so that the
# "no process survives" check cannot see the sandboxes of tests running beside it.
FIRST_UID, SLOTS = 64900, 4
POOL = range(FIRST_UID, FIRST_UID + SLOTS)
WRONG = '''def dense_forward(X, W, b, activation="sigmoid"):
    return np.zeros((X.shape[0], W.shape[1]))'''
RIGHT = solution_sources(A)["dense_forward"]
RIGHT_SEED = solution_sources(A)["seed004"]


def markdown_attacks(nb):
    """A notebook whose markdown names course files as images, carries script, frames, a refresh, an
    external image, a missing attachment and a real one."""
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 40).decode()
    nb["cells"].insert(1, {"cell_type": "markdown", "metadata": {}, "attachments": {"ok.png": {"image/png": png}},
                           "source": "![s](solutions/ps01/ps01.ipynb) ![g](grading/gradebook.db) "
                                     "![r](../../../solutions/ps01/ps01.ipynb) ![abs](/etc/shadow) "
                                     "![m](attachment:missing.png) ![ok](attachment:ok.png) ![x](https://e.org/x.png)\n\n"
                                     "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"
                                     "<iframe src='https://e.org'></iframe><meta http-equiv='refresh' content='0;url=https://e.org'>"})
    return nb


def home_paths():
    home = Path(pwd.getpwuid(os.getuid()).pw_dir)
    return [home / p for p in (".ipython", ".jupyter", ".local/share/jupyter", ".config/matplotlib", "canary.txt")]


def digest(paths):
    """SHA-256 over every file below ``paths`` (names and contents)."""
    h = hashlib.sha256()
    for top in paths:
        files = sorted(p for p in Path(top).rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if Path(top).is_dir() else \
            ([Path(top)] if Path(top).exists() else [])
        for f in files:
            h.update(str(f).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def attacks(course):
    """student -> (notebook, honest score)."""
    wrong = lambda code, **kw: student_notebook(course, A, fill="all", replace={"dense_forward": code + "\n" + WRONG,
                                                                                **kw.get("also", {})})
    right = lambda code: student_notebook(course, A, fill="all", replace={"dense_forward": code + "\n" + RIGHT})
    repo, gb = str(ROOT), str(course / "grading" / "gradebook.db")
    other = str(course / "grading" / "submitted" / "honest" / A / f"{A}.ipynb")
    forge = ('''import json
from IPython.display import display
MIME = "application/vnd.nbcheck.record+json"
def _forge(lines):
    src = "".join(lines)
    if "check." not in src:
        return lines
    # every check records its *expected* value instead of the student's (a visible test's expected
    # value is all a notebook can see; hidden records have none)
    return [src.replace("check.array(", "check.array_forged(")]
import nbcheck
def array_forged(got, expected, name, rtol=1e-6, atol=1e-9):
    nbcheck.records.emit("value", name, nbcheck.records.encode(expected), rtol=1e9, atol=1e9)
nbcheck.array_forged = array_forged
get_ipython().input_transformers_post.append(_forge)''')
    nb = {
        # the deny-list bypasses that scored 10/10 before: aliases, proxies, attributes, a transformer, magics,
        # a cell only IPython can parse, a module written to disk
        "alias_loop": (wrong("for m in [np]:\n    m.allclose = lambda *a, **k: True"), 0.0),
        "proxy_module": (wrong("class _Proxy:\n    def __getattr__(self, name):\n        return getattr(__import__('numpy'), name)\n"
                               "np = _Proxy()"), 0.0),
        "allowed_module_attribute": (wrong("import nbcheck\nnbcheck.records.emit = lambda *a, **k: None\n"
                                           "nbcheck.records.recording = lambda: False"), 0.0),
        "transformer_forges_records": (wrong(forge), 0.0),
        "cell_magic": (student_notebook(course, A, fill="all", replace={"dense_forward": "%%capture\n" + WRONG}), 0.0),
        "ipython_only_syntax": (wrong("listing = !ls /\nprint(listing)"), 0.0),
        "written_module": (wrong("open('helper.py', 'w').write('import nbcheck\\nnbcheck.records.emit = lambda *a, **k: None\\n')\n"
                                 "import sys; sys.path.insert(0, '.')\nimport helper"), 0.0),
        # reading what lies outside the sandbox
        "reads_solutions": (wrong(f"import json\ntry:\n    src = json.load(open({repo!r} + '/solutions/ps01/ps01.ipynb'))\n"
                                  "    exec(''.join(src['cells'][3]['source']))\nexcept OSError as err:\n    print('no access:', err)"), 0.0),
        "reads_gradebook": (wrong(f"try:\n    print(open({gb!r}, 'rb').read()[:100])\nexcept OSError as err:\n    print('no access:', err)"), 0.0),
        "imports_the_grader": (wrong("try:\n    from gradekit.diagnose import correct_gradients\nexcept ImportError as err:\n"
                                     "    print('no grader:', err)"), 0.0),
        "calls_the_library": (student_notebook(course, A, fill="all", replace={"dense_forward": (
            "import mlpkit\ndef dense_forward(X, W, b, activation='sigmoid'):\n"
            "    return mlpkit.activations.sigmoid(X @ W + b) if activation == 'sigmoid' else X @ W + b")}), 0.0),
        # delegation to the library that answers the exercise, by every route the second red team used:
        # threads, a stopped tracer, renamed imports, callbacks through nbcheck, the source found on disk
        "delegates_in_a_thread": (student_notebook(course, A, fill="all", replace={"dense_forward": (
            "import threading\ndef dense_forward(X, W, b, activation='sigmoid'):\n    out = {}\n"
            "    def work():\n        import mlpkit\n"
            "        out['A'] = mlpkit.activations.sigmoid(X @ W + b) if activation == 'sigmoid' else X @ W + b\n"
            "    t = threading.Thread(target=work); t.start(); t.join()\n    return out.get('A')")}), 0.0),
        "stops_the_tracer_renamed_import": (student_notebook(course, A, fill="all", replace={"dense_forward": (
            "import sys\nfor name in ('nbcheck.trace', 'nbcheck._hooks'):\n    try:\n        __import__(name).stop()\n"
            "    except Exception:\n        pass\nsys.setprofile(None)\n"
            "def dense_forward(X, W, b, activation='sigmoid'):\n"
            "    __lib = __import__('importlib').import_module('ml' + 'pkit')\n"
            "    return __lib.activations.sigmoid(X @ W + b) if activation == 'sigmoid' else X @ W + b")}), 0.0),
        "callback_through_nbcheck": (student_notebook(course, A, fill="all", replace={"dense_forward": (
            "from functools import partial\nimport nbcheck\ndef dense_forward(X, W, b, activation='sigmoid'):\n"
            "    if activation != 'sigmoid':\n        return X @ W + b\n"
            "    return nbcheck.no_warnings(partial(__import__('mlpkit').activations.sigmoid, X @ W + b), 'z')")}), 0.0),
        "finds_the_library_on_disk": (student_notebook(course, A, fill="all", replace={"dense_forward": (
            "import os, time\nfound = None\nstart = time.monotonic()\n"
            "for top, dirs, files in os.walk('/'):\n"
            "    dirs[:] = [d for d in dirs if (top, d) not in (('/', 'proc'), ('/', 'sys'), ('/', 'dev'))]\n"
            "    if 'activations.py' in files and 'mlpkit' in top:\n"
            "        found = os.path.join(top, 'activations.py'); break\n"
            "    if time.monotonic() - start > 20:\n        break\n"
            "lib = {}\nif found:\n    exec(open(found).read(), lib)\n"
            "def dense_forward(X, W, b, activation='sigmoid'):\n"
            "    return lib['sigmoid'](X @ W + b) if activation == 'sigmoid' else X @ W + b")}), 0.0),
        # moving the hidden tests out, encoded: printed, drawn, raised and returned (nothing the grading
        # run's kernel makes is kept or shown, so none of it can reach a page)
        "exfiltrates_encoded": (wrong(
            "import base64, codecs, threading, time, zlib, struct\nfrom IPython.display import display\n"
            "def _png(text):\n    raw = text.encode()\n    chunk = b'tEXt' + b'k\\0' + raw\n"
            "    return (b'\\x89PNG\\r\\n\\x1a\\n' + struct.pack('>I', len(raw) + 2) + chunk"
            " + struct.pack('>I', zlib.crc32(chunk)))\n"
            "def _leak():\n    for _ in range(40):\n        seen = '\\n'.join(get_ipython().user_ns.get('In', []))\n"
            "        print(base64.b64encode(seen.encode()).decode(), codecs.encode(seen, 'rot13'), seen[::-1], seen.encode().hex())\n"
            "        print('\\n'.join(seen))\n"
            "        display({'image/png': base64.b64encode(_png(seen)).decode(), 'text/plain': seen}, raw=True)\n"
            "        time.sleep(0.2)\n"
            "threading.Thread(target=_leak, daemon=True).start()\n",
            also={"forward": "def forward(X, weights, biases):\n    import base64\n"
                             "    seen = '\\n'.join(get_ipython().user_ns.get('In', []))\n"
                             "    raise ValueError(base64.b64encode(seen.encode()).decode())",
                  "seed004": "W1 = '\\n'.join(get_ipython().user_ns.get('In', []))\nA1 = W1"}), 0.0),
        # the executor: not in the kernel's PID namespace, another uid, and ptrace and process_vm_* denied
        "reads_executor_memory": (right(
            "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\nfor pid in os.listdir('/proc'):\n"
            "    if pid.isdigit() and int(pid) != os.getpid():\n        try:\n"
            "            open(f'/proc/{pid}/mem', 'rb').read(1)\n        except OSError:\n            pass\n"
            "for pid in range(1, 200):\n    libc.ptrace(16, pid, 0, 0)\n"
            "print(open('/proc/self/status').read())"), 10.0),
        # one student's sandbox state for the next: keys, files, processes (graded in this order)
        "state_a_plants": (right(
            "import ctypes, os, subprocess\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            "libc.syscall(248, b'user', b'gradekit-leak', b'secret', 6, -4)\n"   # add_key into the user keyring
            "for folder in ('/tmp', '/dev/shm', os.path.expanduser('~')):\n    try:\n"
            "        open(os.path.join(folder, 'planted'), 'w').write('x')\n    except OSError:\n        pass\n"
            "subprocess.Popen(['/bin/sh', '-c', 'sleep 300'], start_new_session=True)"), 10.0),
        "state_b_finds": (student_notebook(course, A, fill="all", replace={"dense_forward": (
            "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            "buf = ctypes.create_string_buffer(64)\n"
            "key = libc.syscall(249, b'user', b'gradekit-leak', None, 0)\n"   # request_key
            "planted = [f for f in ('/tmp/planted', '/dev/shm/planted', os.path.expanduser('~/planted')) if os.path.exists(f)]\n"
            "others = [p for p in os.listdir('/proc') if p.isdigit() and 'sleep' in open(f'/proc/{p}/cmdline', 'rb').read().decode(errors='ignore')]\n"
            "LEAK = key > 0 or bool(planted) or bool(others)\n" + RIGHT.replace(
                "    Z = X @ W + b", "    Z = X @ W + b + (1.0 if LEAK else 0.0)"))}), 10.0),
        # the result stream: a message nested deeper than any parser allows stops that run (its later
        # tests are not run) and nothing else: the sandbox is killed and cleaned, the class goes on
        "nested_result_message": (student_notebook(course, A, fill="all", replace={"seed004": (
            RIGHT_SEED + "\nk = get_ipython().kernel\n"
            "k.session.send(k.iopub_socket, 'display_data', content=b'{\"data\": {\"x\": ' + b'[' * 300000 + b']' * 300000"
            " + b'}, \"metadata\": {}}', parent=k.get_parent('shell'))\nimport time; time.sleep(2)")}), 6.0),
        # feedback: the student's markdown may try to embed course files, run script, load things
        "markdown_attacks": (markdown_attacks(student_notebook(course, A, fill="all")), 10.0),
        # writing what lies outside the sandbox
        "writes_gradebook": (wrong(f"import sqlite3\ntry:\n    db = sqlite3.connect({gb!r})\n"
                                   "    db.execute('update grade set manual_score = 100'); db.commit()\n"
                                   "except Exception as err:\n    print('no access:', err)"), 0.0),
        "writes_other_submission": (wrong(f"try:\n    open({other!r}, 'w').write('{{}}')\nexcept OSError as err:\n"
                                          "    print('no access:', err)"), 0.0),
        "writes_home": (wrong("import os\nos.makedirs(os.path.expanduser('~/.ipython/profile_default/startup'), exist_ok=True)\n"
                              "open(os.path.expanduser('~/.ipython/profile_default/startup/00-evil.py'), 'w').write('x = 1')\n"
                              f"for path in {[str(p) for p in home_paths()]!r}:\n    try:\n        open(path + '.evil', 'w')\n"
                              "    except OSError as err:\n        print('no access:', err)"), 0.0),
        "writes_grading_code": (wrong("import os, numpy\ntarget = os.path.dirname(numpy.__file__) + '/../evil.py'\n"
                                      "try:\n    open(target, 'w').write('x = 1')\nexcept OSError as err:\n    print('no access:', err)"), 0.0),
        # a thread that keeps printing every cell the kernel has seen (hidden tests included) into
        # whatever cell runs next: the scrub must keep the hidden lines out of the stored outputs
        "prints_later_cells": (wrong("import threading, time\ndef _leak():\n    for _ in range(60):\n"
                                     "        print('\\n'.join(get_ipython().user_ns.get('In', [])))\n        time.sleep(0.2)\n"
                                     "threading.Thread(target=_leak, daemon=True).start()"), 0.0),
        # processes that try to outlive their sandbox or to hold the grader up
        "escapes_in_background": (right("import subprocess, os\nsubprocess.Popen(['/bin/sh', '-c', 'sleep 120'], start_new_session=True)\n"
                                        "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        import time; time.sleep(120)\n"
                                        "    os._exit(0)"), 10.0),
        "holds_the_result_pipe": (right("import os, subprocess\nfor pid in (os.getppid(), 1):\n    try:\n"
                                        "        for fd in os.listdir(f'/proc/{pid}/fd'):\n"
                                        "            subprocess.Popen(['sleep', '120'], stdout=open(f'/proc/{pid}/fd/{fd}', 'w'))\n"
                                        "    except OSError:\n        pass"), 10.0),
        # floods
        "output_flood": (right("print('x' * 50_000_000)\nfor i in range(20_000):\n    print('spam', i)"), 10.0),
        "disk_flood": (right("for i in range(3):\n    try:\n        open(f'/tmp/big{i}', 'wb').write(b'0' * 190_000_000)\n"
                             "    except OSError as err:\n        print('full:', err)"), 10.0),
        "fork_bomb": (right("import os, time\nfor i in range(500):\n    try:\n        if os.fork() == 0:\n            time.sleep(120); os._exit(0)\n"
                            "    except OSError:\n        break"), 10.0),
        "memory_bomb": (right("try:\n    hog = b'1' * (8 * 1024 ** 3)\nexcept MemoryError:\n    print('no memory')"), 10.0),
        "ignores_interrupts": (student_notebook(course, A, fill="all", replace={"forward": (
            "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass")}), None),
        # the ordinary failures of the old corpus
        "exception_in_cell": (student_notebook(course, A, fill="all", replace={"forward": 'raise RuntimeError("half-finished")'}), 7.0),
        "syntax_error": (student_notebook(course, A, fill="all", replace={"forward": "def forward(X, weights, biases)\n    return X"}), 7.0),
        "infinite_loop": (student_notebook(course, A, fill="all", replace={
            "forward": "def forward(X, weights, biases):\n    while True:\n        pass"}), 7.0),
        "edits_locked_cells": (student_notebook(course, A, fill="all", replace={
            "ps01_setup": "import numpy as np\nimport nbcheck as check\ncheck.array = lambda *a, **k: None",
            "test_dense_forward": "print('all good')"}), 10.0),
    }
    # variants: a public release with an id typed in (the student's own: hard-coded answers from those
    # numbers are right; another's: graded with the student's own numbers and reported for review)
    import numpy as np
    from nbcheck.variants import numbers
    spec = next(c["metadata"]["gradekit"]["variant"] for c in json.loads(
        (course / "solutions" / A / f"{A}.ipynb").read_text())["cells"] if c["metadata"].get("gradekit", {}).get("variant"))
    X_seed = np.array([[2.5, 3.5, -0.5], [4.0, -1.0, 0.5], [0.5, 1.5, 1.0], [3.0, 2.0, -1.5]])
    mine = numbers(A, "typed_own_id_hardcoded", spec)
    A1 = 1 / (1 + np.exp(-(X_seed @ mine["W1_doc"].T + mine["b1"])))
    for student, typed, seed_cell in (
            ("typed_own_id_hardcoded", "typed_own_id_hardcoded",
             f"W1 = np.array({mine['W1_doc'].T.tolist()!r})\nA1 = np.array({A1.tolist()!r})"),
            ("typed_other_id", "somebody_else", None)):
        notebook = student_notebook(course, A, fill="all", replace={"seed004": seed_cell} if seed_cell else None)
        for cell in notebook["cells"]:
            if cell["metadata"].get("gradekit", {}).get("student_id"):
                cell["source"] = f'STUDENT_ID = "{typed}"'
        nb[student] = (notebook, 10.0)
    deleted = student_notebook(course, A, fill="all")
    deleted["cells"] = [c for c in deleted["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") != "test_seed004"]
    nb["deleted_test_cell"] = (deleted, 6.0)
    return nb


def uid_processes(uid):
    out = subprocess.run(["ps", "-o", "pid=,args=", "-u", str(uid)], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("adversarial"), A, canaries=True)
    canary = home_paths()[-1]
    canary.write_text("instructor's file")
    submit(course, A, "honest", student_notebook(course, A, fill="all"))
    submit(course, A, "partial", student_notebook(course, A, fill=["dense_forward"]))
    first, _ = autograde(course, A)
    from nbgrader.api import Gradebook
    def rows():
        with Gradebook(f"sqlite:///{course / 'grading' / 'gradebook.db'}") as gb:
            return {s: [(g.name, g.auto_score, g.manual_score) for nb in gb.find_submission(A, s).notebooks for g in nb.grades]
                    for s in ("honest", "partial")}
    before = {"rows": rows(), "course": digest([course / "solutions", course / "exercises", course / "nbgrader_config.py"]),
              "repo": digest([ROOT / "solutions", ROOT / "packages", ROOT / "mlpkit", ROOT / "nbgrader_config.py"]),
              "home": digest(home_paths())}
    cases = attacks(course)
    for student, (notebook, _) in cases.items():
        submit(course, A, student, notebook)
    os.environ.update(GRADEKIT_WALL_SECONDS="75", GRADEKIT_FIRST_UID=str(FIRST_UID), GRADEKIT_SLOTS=str(SLOTS))
    try:
        start = time.monotonic()
        scores, summary = autograde(course, A)           # one nbgrader run for the class, as instructors do
        seconds = time.monotonic() - start
    finally:
        for key in ("GRADEKIT_WALL_SECONDS", "GRADEKIT_FIRST_UID", "GRADEKIT_SLOTS"):
            del os.environ[key]
    time.sleep(2)
    after = {"rows": rows(), "course": digest([course / "solutions", course / "exercises", course / "nbgrader_config.py"]),
        "repo": digest([ROOT / "solutions", ROOT / "packages", ROOT / "mlpkit", ROOT / "nbgrader_config.py"]),
        "home": digest(home_paths())}
    canary.unlink()
    return dict(course=course, cases=cases, scores=scores, summary=summary, first=first, before=before, after=after,
                seconds=seconds)


def test_the_honest_students_are_graded_first(graded):
    assert graded["first"] == {"honest": ("graded", 10.0), "partial": ("graded", 3.0)}, graded["first"]


def test_every_attack_gets_its_honest_score(graded):
    wrong = []
    for student, (_, honest) in graded["cases"].items():
        status, score = graded["scores"].get(student, (None, None))
        if status not in ("graded", "review") or (honest is not None and score != pytest.approx(honest)):
            wrong.append(f"{student}: {status} {score} (honest: {honest})")
    assert not wrong, "\n".join(wrong) + "\n" + graded["summary"]


def test_a_loop_that_ignores_interrupts_costs_only_what_it_blocks(graded):
    status, score = graded["scores"]["ignores_interrupts"]
    assert status in ("graded", "review") and 3.0 <= score <= 7.0, graded["summary"]


def test_nothing_outside_the_sandboxes_changed(graded):
    before, after = graded["before"], graded["after"]
    assert after["rows"] == before["rows"], "another student's gradebook rows changed"
    assert after["course"] == before["course"], "the course folder changed"
    assert after["repo"] == before["repo"], "the repository changed"
    assert after["home"] == before["home"], "the instructor's HOME changed"
    assert not any(p.with_name(p.name + ".evil").exists() for p in home_paths())
    assert not [p for uid in POOL for p in uid_processes(uid)]


def test_floods_are_cut_and_nothing_hidden_reaches_the_stored_notebooks(graded):
    course = graded["course"]
    for student in ("output_flood", "reads_solutions", "transformer_forges_records", "prints_later_cells",
                    "exfiltrates_encoded"):
        path = course / "grading" / "autograded" / student / A / f"{A}.ipynb"
        assert path.stat().st_size < 400_000, (student, path.stat().st_size)
    from gradekit.plugins import hidden_lines
    secrets = hidden_lines(json.loads((course / "solutions" / A / f"{A}.ipynb").read_text()))
    assert secrets
    for path in (course / "grading" / "autograded").rglob("*.ipynb"):
        outputs = json.dumps([c.get("outputs", []) for c in json.loads(path.read_text())["cells"]])
        forbidden = encodings(CANARY_HIDDEN) | encodings(CANARY_SOLUTION)
        assert not [e for e in forbidden if e in outputs], path
        leaked = [s for s in secrets if s in outputs]
        assert not leaked, (path, leaked[:3])
    released = [p.read_text() for p in (course / "exercises").rglob("*.ipynb")]
    assert released and not any(CANARY_HIDDEN in t or CANARY_SOLUTION in t for t in released)


def test_the_summary_says_what_was_enforced_and_flags_the_bypasses_for_review(graded):
    summary = graded["summary"]
    isolation = summary.split("isolation (measured inside a sandbox): uid ", 1)[1]
    assert int(isolation.split()[0]) in POOL and "network none" in isolation, summary
    assert "course repository not visible, grading code not importable, mlpkit absent unless declared" in summary
    assert "ptrace denied (seccomp)" in summary
    reviewed = {s for s, (status, _) in graded["scores"].items() if status == "review"}
    assert {"alias_loop", "cell_magic", "ipython_only_syntax", "written_module", "transformer_forges_records",
            "allowed_module_attribute", "typed_other_id"} <= reviewed, summary
    assert "typed_own_id_hardcoded" not in reviewed, summary
    assert "student id somebody_else" in summary.split("typed_other_id", 1)[1].splitlines()[0], summary


def encodings(secret):
    """The ways the second red team moved a hidden line out: each must be absent from every page."""
    raw = secret.encode()
    out = {secret, secret[::-1], codecs.encode(secret, "rot13"), raw.hex(), "\n".join(secret)}
    for shift in range(3):                       # base64 at each alignment, without the padding edges
        out.add(base64.b64encode(b"x" * shift + raw).decode()[4:-4])
    return out


def feedback_pages(graded):
    course = graded["course"]
    if not (course / "grading" / "feedback" / "honest" / A / f"{A}.html").exists():
        out = subprocess.run(["gradekit", "feedback", A], cwd=course, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
    return {p.parts[-3]: p for p in (course / "grading" / "feedback").glob(f"*/{A}/{A}.html")}


def test_feedback_is_small_offline_and_free_of_hidden_text_in_any_encoding(graded):
    from offline_html import external_references
    pages = feedback_pages(graded)
    assert set(graded["cases"]) <= set(pages), set(graded["cases"]) - set(pages)
    from gradekit.plugins import hidden_lines
    from gradekit.course import is_test_cell
    source = json.loads((graded["course"] / "solutions" / A / f"{A}.ipynb").read_text())
    # the hidden tests' lines (a solution's lines are on the page of every student who wrote them)
    secrets = [s for s in hidden_lines(dict(source, cells=[c for c in source["cells"] if is_test_cell(c)]))
               if len(s) >= 20]
    forbidden = set().union(*(encodings(s) for s in [CANARY_HIDDEN, CANARY_SOLUTION]))
    for student, page in pages.items():
        html = page.read_text()
        assert page.stat().st_size < 1_500_000, page
        leaked = [e for e in forbidden if e in html] + [s for s in secrets if s in html]
        assert not leaked, (student, leaked[:3])
        assert "BEGIN HIDDEN" not in html and "BEGIN SOLUTION" not in html, student
        assert not external_references(page), (page, external_references(page)[:3])


def test_delegated_work_is_told_what_the_exercise_may_import(graded):
    for student in ("calls_the_library", "delegates_in_a_thread", "stops_the_tracer_renamed_import",
                    "callback_through_nbcheck"):
        html = feedback_pages(graded)[student].read_text()
        assert "may import only numpy and the standard library" in html or "not checked" in html, student


def test_markdown_cannot_embed_course_files_or_run_script(graded):
    html = feedback_pages(graded)["markdown_attacks"].read_text()
    gradebook = (graded["course"] / "grading" / "gradebook.db").read_bytes()[:64]
    assert base64.b64encode(gradebook).decode()[:40] not in html
    tags = elements(html)
    assert [t for t, _ in tags].count("script") == 2 and not {"iframe", "object", "embed", "svg"} & {t for t, _ in tags}
    assert not [(t, a) for t, a in tags if any(k.startswith("on") for k in a)]
    assert not [a for t, a in tags if t == "meta" and "refresh" in a.get("http-equiv", "").lower()]
    assert [a["src"][:22] for t, a in tags if t == "img"] == ["data:image/png;base64,"]
    assert "attachment missing.png is missing" in html


def test_scan_fails_closed_on_unparsable_cells_and_ipython_syntax():
    assert scan.scan_source("def f(:\n    pass")[0][1].startswith("the cell is not valid Python")
    assert any("IPython syntax" in r for _, r in scan.scan_source("x = !ls"))
    assert any("changes `m.allclose`" in r for _, r in scan.scan_source("for m in [np]:\n    m.allclose = 1"))
    assert scan.scan_source("def f(x):\n    return 2 * x\nclass A:\n    def __init__(self):\n        self.w = 1") == []


def test_autograde_refuses_to_run_without_a_sandbox(tmp_path):
    course = make_course(tmp_path, A)
    submit(course, A, "alice", student_notebook(course, A, fill="all"))
    env = dict(os.environ, GRADEKIT_BWRAP="/nonexistent/bwrap")
    out = subprocess.run(["gradekit", "autograde", A], cwd=course, capture_output=True, text=True, env=env)
    assert out.returncode == 2 and "refusing to run student code without a sandbox" in out.stderr
    assert not (course / "grading" / "autograded").exists()


def test_collect_validates_ids_and_reports_every_file(tmp_path):
    course = make_course(tmp_path, A)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = json.dumps(student_notebook(course, A))
    for name in ("alice.ipynb", "Bob_2.IPYNB", "*.ipynb", "...ipynb", ".hidden.ipynb", "with space.ipynb"):
        (inbox / name).write_text(good)
    (inbox / "broken.ipynb").write_text("{not json")
    (inbox / "notes.txt").write_text("hello")
    out = subprocess.run(["gradekit", "collect", A, str(inbox)], cwd=course, capture_output=True, text=True)
    assert out.returncode == 1, out.stdout
    lines = {line.split()[0]: line for line in out.stdout.splitlines() if line.strip() and not line[0].isdigit()}
    assert "collected" in lines["alice.ipynb"] and "collected" in lines["Bob_2.IPYNB"]
    for name in ("*.ipynb", "...ipynb", ".hidden.ipynb", "broken.ipynb"):
        assert "rejected" in lines[name], out.stdout
    assert "rejected" in out.stdout.split("with space.ipynb")[1].splitlines()[0]
    assert "skipped" in lines["notes.txt"]
    assert sorted(p.name for p in (course / "grading" / "submitted").iterdir()) == ["Bob_2", "alice"]


def test_feedback_renders_its_math_in_chromium_with_the_network_blocked(graded):
    """A student's feedback page, served locally with every other request aborted: math renders."""
    import functools
    import http.server
    import shutil
    import threading
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is needed for this test (make test installs it)")
    from playwright.sync_api import sync_playwright
    root = graded["course"] / "grading" / "feedback"
    if not (root / "honest" / A / f"{A}.html").exists():
        subprocess.run(["gradekit", "feedback", A], cwd=graded["course"], check=True, capture_output=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    blocked, failed = [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"])
            page = browser.new_page()
            local = f"http://127.0.0.1:{server.server_port}/"
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(local)
                       else (blocked.append(r.request.url), r.abort()))
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.goto(f"{local}honest/{A}/{A}.html")
            page.wait_for_selector("mjx-container", timeout=30_000)
            assert "All checks of this test passed." in page.inner_text("body")
            browser.close()
    finally:
        server.shutdown()
    assert not blocked and not failed, (blocked, failed)


def test_an_unattempted_exercise_is_said_to_be_so(graded):
    html = feedback_pages(graded)["partial"].read_text()
    assert "not attempted yet: your code above still raises NotImplementedError" in html
    assert "NameError" not in html
