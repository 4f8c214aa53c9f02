"""One throw-away sandbox per notebook run, with only the student's *kernel* inside it.

:func:`run_notebook` is the whole interface: a notebook (a dict) goes in, what its code cells
recorded comes back as data (:class:`RunResult`). It keeps no state between calls, so a worker
pool can schedule one call per submission on any machine that has bwrap.

The executor (nbclient, trusted code) runs *here*, outside the sandbox; it talks to the kernel over
ZeroMQ sockets in a private folder (``ipc`` transport), the one writable folder the two share. What
the kernel gets (:func:`kernel_command`):

* a fresh bubblewrap sandbox: its own PID, network (loopback only), IPC, UTS and cgroup
  namespaces; read-only ``/usr`` and the Python *standard library*; size-limited tmpfs ``/tmp`` and
  HOME ``/home/student``; nothing else of the host;
* **only the packages the exercise declares** (:func:`nbcheck.imports` in its locked setup
  cell, e.g. ``numpy``), plus what they and the kernel itself need (ipykernel and its
  dependencies), each bound read-only from its installation into ``/opt/course/site``; the
  Python installation's own site-packages are not there, and Python starts with ``-S``. An
  exercise that does not declare ``mlpkit`` has no mlpkit in its sandbox: the library that would
  answer it cannot be called, by any route;
* a uid of its own from the slot pool (:class:`Slots`), not root and not the executor's, without
  capabilities and with ``no_new_privs``; so ``/proc/<executor>`` is not even visible (another
  PID namespace) and could not be read or traced if it were;
* a seccomp filter (:mod:`gradekit.seccomp`: ptrace, process_vm_readv/writev, keyctl, add_key,
  request_key, bpf, perf_event_open, mount, unshare, setns, namespaces through clone, … fail);
* rlimits (CPU time, address space, file size, open files, processes of its uid) and, where
  cgroups work, a memory and pids cgroup for the sandbox as a whole.

When the run ends, however it ends, the sandbox is killed, its cgroup emptied and removed, and
every process and keyring of its uid cleaned (:meth:`Slots.clean`) before the uid is used again.
What comes back is bounded: each kernel message by ZeroMQ's ``MAXMSGSIZE``; of the outputs only
records (:data:`MIME`, bounded in size) and error names are kept, everything else (text, images)
is dropped on arrival, so nothing a kernel prints can reach anyone.

Why bubblewrap: a small, widely used setuid-free tool (Flatpak's sandbox) that Debian ships; no
daemon, no image, it starts in milliseconds, and its every mount is explicit on its command line.
"""
import asyncio
import contextlib
import dataclasses
import fcntl
import importlib.metadata as md
import importlib.util
import json
import os
import re
import shutil
import signal
import sys
import sysconfig
import tempfile
import time
from pathlib import Path


__all__ = ["Limits", "RunResult", "Slots", "available", "probe", "run_notebook", "run_unsandboxed", "kernel_command",
           "site_binds", "bounded_unpack", "FIRST_UID", "SLOT_COUNT"]

BWRAP = os.environ.get("GRADEKIT_BWRAP", "bwrap")           # tests point this elsewhere to see the refusal
UNSANDBOXED_ENV = "GRADEKIT_UNSANDBOXED_I_ACCEPT_THE_RISK"   # set only by autograde's loudly named flag
SITE = "/opt/course/site"        # the declared packages and the kernel's own, bound one by one
LIB = "/opt/course/lib"          # the course's own student-side packages (nbcheck; mlpkit where declared)
HOME = "/home/student"
MIME = "application/vnd.nbcheck.record+json"
KERNEL_RUNTIME = ("ipykernel",)  # what every kernel needs besides the declared packages
COURSE_PACKAGES = ("nbcheck", "mlpkit")   # the course's own packages (bound from their source folders)
ALWAYS = ("nbcheck",)


def env_int(name, default):
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


#: the uid pool's default range (nbgrader_config.py's ``c.SandboxedExecute.first_uid`` /
#: ``slot_count`` set it for autograde; these environment variables override the defaults)
FIRST_UID = env_int("GRADEKIT_FIRST_UID", 61000)
SLOT_COUNT = env_int("GRADEKIT_SLOTS", 64)


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one run may use. Defaults fit the course's notebooks with a wide margin."""
    wall_seconds: int = 300          # the whole run; the sandbox is killed after it
    cell_seconds: int = 30           # one cell; the kernel is interrupted after it
    cpu_seconds: int = 240           # CPU time per process (RLIMIT_CPU)
    memory_bytes: int = 2 * 1024 ** 3   # address space per process (RLIMIT_AS): a bomb fails fast
    sandbox_memory_bytes: int = 3 * 1024 ** 3   # all processes together (cgroup), where cgroups work
    processes: int = 64              # processes of the sandbox's uid (RLIMIT_NPROC; each slot has its own uid)
    file_bytes: int = 64 * 1024 ** 2     # one file (RLIMIT_FSIZE)
    disk_bytes: int = 256 * 1024 ** 2    # each tmpfs (/tmp and HOME)
    message_bytes: int = 8 * 1024 ** 2   # one kernel message (ZeroMQ MAXMSGSIZE): larger ones are dropped
    record_bytes: int = 4 * 1024 ** 2    # all records of one run together


@dataclasses.dataclass
class RunResult:
    """What came back: per code cell (by index) its records and the name of its error, if any."""
    cells: dict                      # index -> list of outputs kept (records and errors, as dicts)
    status: str                      # "ok", "timeout", "error"
    detail: str = ""
    seconds: float = 0.0
    start_seconds: float = 0.0       # until the kernel answered
    uid: int = -1                    # the slot's uid (cleaned again before anyone else gets it)

    def errors(self, index):
        """The names of the errors code cell ``index`` showed (empty if none, or if it did not run)."""
        return [o.get("ename") for o in self.cells.get(index, []) if o.get("output_type") == "error"]


# --------------------------------------------------------------------------------------------
# What the kernel may import


def _requirement(text):
    """'mlpkit[data]' -> ('mlpkit', {'data'})."""
    match = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)\s*(?:\[([^\]]*)\])?\s*", text)
    if not match:
        raise ValueError(f"not a package name: {text!r}")
    return match.group(1), {e.strip() for e in (match.group(2) or "").split(",") if e.strip()}


_PROVIDERS = {}


def _distribution(module):
    """The installed distribution named ``module``, or that provides top-level ``module``."""
    for name in (module, module.replace("_", "-")):
        try:
            return md.distribution(name)
        except md.PackageNotFoundError:
            continue
    if not _PROVIDERS:
        _PROVIDERS.update(md.packages_distributions())     # slow (reads every RECORD): once
    for name in _PROVIDERS.get(module, []):
        with contextlib.suppress(md.PackageNotFoundError):
            return md.distribution(name)
    raise RuntimeError(f"the package {module!r} declared by the exercise is not installed here")


def _marker_ok(requirement, extras):
    from packaging.requirements import Requirement
    req = Requirement(requirement)
    if req.marker is None:
        return req.name, True
    envs = [{"extra": e} for e in extras] or [{"extra": ""}]
    return req.name, any(req.marker.evaluate(env) for env in envs)


def _closure(declared):
    """{canonical name: distribution} of ``declared`` (requirement strings) and all they need."""
    from packaging.utils import canonicalize_name
    found, todo = {}, [_requirement(d) for d in declared]
    while todo:
        name, extras = todo.pop()
        try:
            dist = _distribution(name)
        except RuntimeError:
            dist = None
        if dist is None:
            continue
        key = canonicalize_name(dist.metadata["Name"])
        if key in found and not extras:
            continue
        found[key] = dist
        for requirement in dist.requires or []:
            req_name, ok = _marker_ok(requirement, extras)
            if ok and canonicalize_name(req_name) not in found:
                todo.append((req_name, set()))
    return found


def _course_package(name):
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the student-side package {name!r} is not installed: pip install it "
                           f"(mlpkit: `pip install -e .`; nbcheck: `pip install -e packages/nbcheck`)")
    return Path(list(spec.submodule_search_locations)[0]).resolve()


_BIND_CACHE = {}


def site_binds(declared):
    """[(host path, path inside)] of the packages a kernel for ``declared`` sees.

    ``declared``: requirement strings (``"numpy"``, ``"mlpkit[data]"``); ``nbcheck`` and the kernel
    runtime are always added. Each distribution's top-level entries (packages, modules, their
    ``.libs`` folders, ``.dist-info``) are bound one by one into :data:`SITE`; the course's own
    packages are bound from their source folders into :data:`LIB`. Nothing undeclared is bound.
    """
    key = tuple(sorted(set(declared) | set(ALWAYS)))
    if key in _BIND_CACHE:
        return _BIND_CACHE[key]
    from packaging.utils import canonicalize_name
    dists = _closure([*key, *KERNEL_RUNTIME])
    binds, seen = [], set()
    for name in COURSE_PACKAGES:
        if name in {_requirement(d)[0] for d in key}:
            binds.append((str(_course_package(name)), f"{LIB}/{name}"))
            seen.add(name)
    for cname, dist in sorted(dists.items()):
        if cname in COURSE_PACKAGES:
            continue
        root = Path(dist.locate_file("")).resolve()
        entries = set()
        for file in dist.files or []:
            first = Path(file).parts[0] if Path(file).parts else ""
            if first and first not in ("..", "__pycache__") and not first.endswith(".pth") \
                    and not first.startswith("__editable__"):
                entries.add(first)
        for entry in sorted(entries):
            host = root / entry
            if host.exists() and entry not in seen and entry.split(".")[0] not in COURSE_PACKAGES:
                binds.append((str(host), f"{SITE}/{entry}"))
                seen.add(entry)
    _BIND_CACHE[key] = binds
    return binds


# --------------------------------------------------------------------------------------------
# Slots: one uid per concurrent sandbox


class Slots:
    """A pool of uids, one per sandbox running at the same time, on this machine.

    A slot is held with an exclusive ``flock`` on ``<lock_dir>/<uid>.lock`` (any process of any
    gradekit on the machine agrees on it), and :meth:`clean` kills every process of the uid and
    clears its keyrings before the slot is handed out and after it is given back: nothing a
    sandbox leaves behind survives into the next one.
    """

    def __init__(self, first_uid=FIRST_UID, count=SLOT_COUNT, lock_dir="/run/gradekit-slots"):
        self.first_uid, self.count, self.lock_dir = int(first_uid), int(count), Path(lock_dir)

    @contextlib.contextmanager
    def slot(self, wait_seconds=600):
        self.lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        deadline = time.monotonic() + wait_seconds
        while True:
            for uid in range(self.first_uid, self.first_uid + self.count):
                handle = open(self.lock_dir / f"{uid}.lock", "a+")
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    handle.close()
                    continue
                try:
                    self.clean(uid)
                    yield uid
                finally:
                    try:
                        self.clean(uid)
                    finally:
                        handle.close()
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"no free sandbox slot among uids {self.first_uid}..{self.first_uid + self.count - 1}")
            time.sleep(0.05)

    @staticmethod
    def processes(uid):
        """PIDs of the processes whose real or effective uid is ``uid``."""
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/status") as status:
                    for line in status:
                        if line.startswith("Uid:"):
                            if str(uid) in line.split()[1:3]:
                                pids.append(int(entry))
                            break
            except OSError:
                continue
        return pids

    @classmethod
    def clean(cls, uid):
        """Kill every process of ``uid`` (until none is left) and clear its user keyrings."""
        for _ in range(100):
            pids = cls.processes(uid)
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)
        else:
            raise RuntimeError(f"processes of sandbox uid {uid} survive SIGKILL: {cls.processes(uid)}")
        _clear_keyrings(uid)


def _clear_keyrings(uid):
    """Clear the user and user-session keyrings of ``uid`` (a child takes the uid to do it)."""
    if os.geteuid() != 0:
        return
    import ctypes
    number = {"x86_64": 250, "aarch64": 219}.get(os.uname().machine)
    if number is None:
        return
    pid = os.fork()
    if pid == 0:                                  # the child: become uid, clear, exit
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            libc = ctypes.CDLL(None, use_errno=True)
            for keyring in (-4, -5):              # KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING
                libc.syscall(ctypes.c_long(number), ctypes.c_long(7), ctypes.c_long(keyring))   # KEYCTL_CLEAR
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


# --------------------------------------------------------------------------------------------
# The cgroup of one sandbox


def _dirs(path):
    """bwrap arguments creating every parent of ``path`` world-traversable (0755)."""
    args = []
    for parent in reversed(Path(path).parents):
        if str(parent) != "/":
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


class _Cgroup:
    """A memory + pids cgroup for one sandbox (cgroup v2, else v1), or nothing where neither works;
    emptied with ``cgroup.kill`` (where the kernel has it) before it is removed, whatever the run did.

    rlimits bound each process; only a cgroup bounds the sandbox as a whole (64 processes of
    4 GiB each would otherwise be allowed 256 GiB together).
    """
    V1 = Path("/sys/fs/cgroup")
    V2 = Path("/sys/fs/cgroup/unified") if Path("/sys/fs/cgroup/unified/cgroup.procs").exists() else Path("/sys/fs/cgroup")

    def __init__(self, limits):
        self.dirs = []
        name = f"gradekit-{os.getpid()}-{time.monotonic_ns()}"
        if os.geteuid() != 0:
            return
        v2 = self.V2 / name
        try:
            controllers = (self.V2 / "cgroup.subtree_control").read_text().split()
            if {"memory", "pids"} <= set(controllers):
                v2.mkdir()
                (v2 / "memory.max").write_text(str(limits.sandbox_memory_bytes))
                (v2 / "memory.swap.max").write_text("0") if (v2 / "memory.swap.max").exists() else None
                (v2 / "pids.max").write_text(str(limits.processes))
                self.dirs = [v2]
                return
        except OSError:
            shutil.rmtree(v2, ignore_errors=True) if v2.exists() and not any(v2.glob("*/")) else None
        try:
            memory, pids = self.V1 / "memory" / name, self.V1 / "pids" / name
            memory.mkdir()
            self.dirs.append(memory)
            (memory / "memory.limit_in_bytes").write_text(str(limits.sandbox_memory_bytes))
            pids.mkdir()
            self.dirs.append(pids)
            (pids / "pids.max").write_text(str(limits.processes))
        except OSError:
            self.close()

    @property
    def kind(self):
        if not self.dirs:
            return None
        return "cgroup v1" if self.dirs[0].parent.name == "memory" else "cgroup v2"

    def kill(self):
        for folder in self.dirs:
            if (folder / "cgroup.kill").exists():
                with contextlib.suppress(OSError):
                    (folder / "cgroup.kill").write_text("1")
            with contextlib.suppress(OSError):
                for line in (folder / "cgroup.procs").read_text().split():
                    with contextlib.suppress(ProcessLookupError, ValueError):
                        os.kill(int(line), signal.SIGKILL)

    def close(self):
        self.kill()
        for folder in self.dirs:
            for _ in range(200):                  # the killed processes take a moment to leave
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)
        self.dirs = []


# --------------------------------------------------------------------------------------------
# The kernel's command line


def _base_python():
    """The base installation's interpreter and the folders its standard library needs."""
    base = Path(sys.base_prefix).resolve()
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (base / "bin" / version, base / "bin" / "python3"):
        if candidate.exists():
            return base, candidate
    raise RuntimeError(f"no interpreter in {base}/bin")


def _hidden_site_dirs(base):
    """The base installation's own package folders: the kernel must not see them."""
    paths = sysconfig.get_paths(vars={"base": str(base), "platbase": str(base), "installed_base": str(base),
                                      "installed_platbase": str(base)})
    hidden = {paths["purelib"], paths["platlib"]}
    hidden |= {str(p) for p in Path("/usr/lib").glob("python3*/dist-packages")}
    hidden |= {str(p) for p in Path("/usr/local/lib").glob("python3*/dist-packages")}
    hidden |= {str(p) for p in Path("/usr/lib/python3").glob("dist-packages")}
    return sorted(h for h in hidden if Path(h).is_dir())


def kernel_command(limits, uid, rundir, declared, seccomp_file, cgroup_procs=""):
    """The command (a list) that starts the kernel in a fresh sandbox; ``{connection_file}`` is
    filled in by jupyter_client.

    A shell enters the cgroup, hands the connection file to the slot's uid and opens the seccomp
    filter as fd 9; ``prlimit`` sets the rlimits; bwrap builds the sandbox; ``setpriv`` drops to
    the slot's uid with no capabilities; Python starts without its site-packages (``-S``).
    """
    base, python = _base_python()
    args = [BWRAP, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--clearenv", "--seccomp", "9",
            "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
            "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin"]
    for etc in ("/etc/ld.so.cache", "/etc/localtime", "/etc/fonts", "/etc/alternatives", "/etc/mime.types"):
        if os.path.exists(etc):
            args += ["--ro-bind", etc, etc]
    # the writable tmpfs first: bwrap mounts in order, and a later mount hides an earlier one below it
    args += ["--proc", "/proc", "--dev", "/dev",
             "--size", str(limits.disk_bytes), "--perms", "1777", "--tmpfs", "/tmp",
             "--size", str(limits.disk_bytes), "--perms", "0755", "--tmpfs", HOME]
    if not str(base).startswith("/usr/"):
        args += _dirs(base) + ["--ro-bind", str(base), str(base)]
    for hidden in _hidden_site_dirs(base):
        args += ["--tmpfs", hidden]
    args += _dirs(SITE + "/x") + ["--tmpfs", SITE] + _dirs(LIB + "/x")
    for host, inside in site_binds(declared):
        args += ["--ro-bind", host, inside]
    args += _dirs(rundir) + ["--bind", str(rundir), str(rundir), "--chdir", HOME,
                             "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    env = {"PATH": "/usr/bin:/bin", "HOME": HOME, "USER": "student", "LOGNAME": "student", "TMPDIR": "/tmp",
           "LANG": "C.UTF-8", "PYTHONPATH": f"{SITE}:{LIB}", "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONNOUSERSITE": "1", "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp/mpl",
           "JUPYTER_RUNTIME_DIR": "/tmp/jupyter", "JUPYTER_CONFIG_DIR": "/tmp/jupyter-config",
           "JUPYTER_PLATFORM_DIRS": "1", "IPYTHONDIR": "/tmp/ipython", "NBCHECK_RECORD": "1",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    for passed in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "NPY_DISABLE_CPU_FEATURES"):   # numerics of the host
        if passed in os.environ:
            env[passed] = os.environ[passed]
    for key, value in env.items():
        args += ["--setenv", key, value]
    args += ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
             "--inh-caps=-all", "--bounding-set=-all", str(python), "-S", "-s", "-m", "ipykernel_launcher",
             "-f", "{connection_file}", "--HistoryManager.enabled=False"]
    nproc = limits.processes
    prlimit = ["/usr/bin/prlimit", f"--as={limits.memory_bytes}", f"--cpu={limits.cpu_seconds}",
               f"--fsize={limits.file_bytes}", f"--nproc={nproc}", "--nofile=256", "--core=0", "--"]
    wrapper = ('[ -n "$1" ] && echo $$ > "$1"; chown "$2:$2" "$4"; chmod 0400 "$4"; exec 9< "$3"; '
               'shift 4; exec "$@"')
    return ["/bin/sh", "-c", wrapper, "gradekit-kernel", cgroup_procs, str(uid), str(seccomp_file),
            "{connection_file}", *prlimit, *args]


# --------------------------------------------------------------------------------------------
# The executor


def available():
    """None when sandboxes can be made here, else why not (with the fix)."""
    if shutil.which(BWRAP) is None:
        return "bubblewrap is not installed (Debian: apt-get install bubblewrap)"
    for tool in ("/usr/bin/setpriv", "/usr/bin/prlimit"):
        if not os.path.exists(tool):
            return f"{tool} (util-linux) is missing"
    if os.geteuid() != 0:
        return ("grading must start as root: bwrap binds the Python installation and then drops to "
                "a sandbox uid; run the command with sudo (or in a container as root)")
    try:
        from . import seccomp
        seccomp.filter_file()
    except Exception as err:                     # noqa: BLE001 (any reason is the reason)
        return f"the seccomp filter cannot be built ({err}); Debian: apt-get install libseccomp2"
    return None


def _kept(output, budget):
    """What of one kernel output the grader keeps: records (within ``budget``, a one-item list of
    bytes left) and error names; everything else is dropped."""
    kind = output.get("output_type")
    if kind == "error":
        return {"output_type": "error", "ename": str(output.get("ename", ""))[:100]}
    if kind in ("display_data", "execute_result"):
        record = output.get("data", {}).get(MIME)
        if isinstance(record, dict):
            size = len(json.dumps(record))
            if size <= budget[0]:
                budget[0] -= size
                return {"output_type": "display_data", "data": {MIME: record}}
    return None


MAX_NESTING = 64        # a record is 4 deep, a message's wrapping adds a few
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)


def bounded_unpack(data):
    """jupyter_client's unpacker, for bytes a hostile kernel wrote: a frame nested deeper than
    :data:`MAX_NESTING` raises ``ValueError`` before any parser sees it (the standard library's
    JSON parser can crash the process on deep nesting; orjson refuses it, then jupyter_client
    falls back to that parser). Brackets inside strings do not count."""
    if isinstance(data, str):
        data = data.encode("utf-8", errors="replace")
    data = bytes(data)
    if data.count(b"[") + data.count(b"{") > MAX_NESTING:
        import numpy as np
        b = np.frombuffer(_JSON_STRING.sub(b'""', data), np.uint8)
        step = (b == 91).astype(np.int32) + (b == 123) - (b == 93) - (b == 125)
        if step.size and int(np.cumsum(step).max()) > MAX_NESTING:
            raise ValueError(f"a kernel message nested deeper than {MAX_NESTING} levels")
    return json.loads(data)


def _client_class():
    from nbclient import NotebookClient

    class BoundedClient(NotebookClient):
        """nbclient, keeping only records and error names of what the kernel sends."""

        def output(self, outs, msg, display_id, cell_index):
            from nbformat.v4 import output_from_msg
            try:
                out = output_from_msg(msg)
            except (ValueError, KeyError, TypeError):
                return None
            kept = _kept(out, self.record_budget)
            if kept is not None:
                outs.append(kept)
            return None

        def clear_output(self, outs, msg, cell_index):
            return None                         # records and errors cannot be cleared

    return BoundedClient


def _kernel_spec(specdir, argv, env=None):
    folder = Path(specdir) / "kernels" / "gradekit-sandbox"
    folder.mkdir(parents=True)
    (folder / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "sandboxed", "language": "python",
                                                    "interrupt_mode": "message", **({"env": env} if env else {})}))
    return str(Path(specdir) / "kernels")


def _executable(notebook):
    """An nbformat notebook to run: the code and markdown cells, outputs cleared."""
    import nbformat
    cells = []
    for cell in notebook.get("cells", []):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if cell.get("cell_type") == "code":
            cells.append(nbformat.v4.new_code_cell(source))
        else:
            cells.append(nbformat.v4.new_markdown_cell(source))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "gradekit-sandbox", "display_name": "sandboxed", "language": "python"}
    return nb


async def _execute(client, nb):
    import subprocess
    async with client.async_setup_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        client.started_after = time.monotonic() - client.created
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            await client.async_execute_cell(cell, index, execution_count=None)


def run_notebook(notebook, limits=Limits(), declared=("numpy",), slots=None):
    """Execute ``notebook`` (an nbformat dict) with its kernel in a fresh sandbox; return a :class:`RunResult`.

    ``declared``: the packages the exercise may import (:func:`gradekit.course.declared_imports`).
    ``slots``: the uid pool (:class:`Slots`; default: uids 61000–61063).
    """
    why = available()
    if why:
        raise RuntimeError(f"cannot sandbox: {why}")
    slots = slots or Slots()
    with slots.slot() as uid:
        return _run_in_slot(notebook, limits, tuple(declared), uid)


def run_unsandboxed(notebook, limits=Limits(), declared=("numpy",), slots=None):
    """The same executor with NO isolation: the kernel runs as the calling user, with everything
    installed. Only for the instructor's loudly named flag (``--unsandboxed-i-accept-the-risk``)."""
    return _run_in_slot(notebook, limits, tuple(declared), None)


def _run_in_slot(notebook, limits, declared, uid):
    import zmq
    import zmq.asyncio
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from . import seccomp

    started = time.monotonic()
    nb = _executable(notebook)
    rundir = Path(tempfile.mkdtemp(prefix="gradekit-run-"))
    specdir = Path(tempfile.mkdtemp(prefix="gradekit-spec-"))
    cgroup = _Cgroup(limits) if uid is not None else None
    if uid is None:                              # unsandboxed: an ordinary kernel of this user
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                "--HistoryManager.enabled=False"]
        env = {"NBCHECK_RECORD": "1", "HOME": str(rundir), "MPLBACKEND": "Agg"}
    else:
        os.chown(rundir, uid, uid)
        os.chmod(rundir, 0o700)
        procs = str(cgroup.dirs[0] / "cgroup.procs") if cgroup.dirs else ""
        argv, env = kernel_command(limits, uid, rundir, declared, seccomp.filter_file(), procs), None
    ksm = KernelSpecManager(kernel_dirs=[_kernel_spec(specdir, argv, env)], ensure_native_kernel=False)
    km = AsyncKernelManager(kernel_name="gradekit-sandbox", kernel_spec_manager=ksm, transport="ipc",
                            ip=str(rundir / "k"), connection_file=str(rundir / "kernel.json"))
    context = zmq.asyncio.Context()
    context.setsockopt(zmq.MAXMSGSIZE, limits.message_bytes)
    km.context = context
    km.session.unpack = bounded_unpack        # every frame of every message the kernel sends
    client = _client_class()(nb, km=km, timeout=limits.cell_seconds, allow_errors=True,
                             interrupt_on_timeout=True, record_timing=False, startup_timeout=60,
                             shutdown_kernel="immediate", kernel_name="gradekit-sandbox",
                             resources={"metadata": {"path": str(rundir)}})
    client.record_budget = [limits.record_bytes]
    client.created = started
    client.started_after = 0.0
    status, detail = "ok", ""
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(asyncio.wait_for(_execute(client, nb), limits.wall_seconds))
    except asyncio.TimeoutError:
        status, detail = "timeout", f"the notebook ran longer than {limits.wall_seconds} s and was stopped"
    except Exception as err:                     # noqa: BLE001 (whatever the kernel did, the run ends here)
        from nbclient.exceptions import CellTimeoutError, DeadKernelError
        if isinstance(err, DeadKernelError):
            status, detail = "error", ("the kernel stopped answering (it died, or ignored the interrupt after "
                                       f"{limits.cell_seconds} s in a cell)")
        elif isinstance(err, CellTimeoutError):
            status, detail = "timeout", f"a cell ran longer than {limits.cell_seconds} s and ignored the interrupt"
        elif isinstance(err, ValueError) and "nested deeper" in str(err):
            status, detail = "error", f"the kernel sent a message nested deeper than {MAX_NESTING} levels: the run stopped there"
        else:
            status, detail = "error", f"the run stopped: {type(err).__name__}"
    finally:
        with contextlib.suppress(Exception):
            loop.run_until_complete(asyncio.wait_for(km.shutdown_kernel(now=True), 10))
        if uid is not None:
            cgroup.close()
            Slots.clean(uid)
        with contextlib.suppress(Exception):
            context.destroy(linger=0)
        with contextlib.suppress(Exception):
            loop.close()
        shutil.rmtree(rundir, ignore_errors=True)
        shutil.rmtree(specdir, ignore_errors=True)
    cells = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (cell.get("execution_count") is not None or cell.outputs):
            cells[index] = [dict(o) for o in cell.outputs]
    return RunResult(cells=cells, status=status, detail=detail, seconds=time.monotonic() - started,
                     start_seconds=client.started_after, uid=uid)


def probe(limits=Limits(), slots=None):
    """Run a notebook that measures the sandbox from inside; return {fact: value} for the isolation line."""
    code = r'''
import json, os, resource, socket, ctypes, importlib.util
facts = {"uid": os.getuid(), "pid": os.getpid()}
try:
    socket.create_connection(("192.0.2.1", 9), timeout=1); facts["network"] = "reachable"
except OSError:
    facts["network"] = "none"
facts["repository_visible"] = os.path.exists(REPO)
facts["gradekit_importable"] = importlib.util.find_spec("gradekit") is not None
facts["mlpkit_importable"] = importlib.util.find_spec("mlpkit") is not None
libc = ctypes.CDLL(None, use_errno=True)
facts["ptrace_denied"] = libc.ptrace(0, 0, 0, 0) != 0 and ctypes.get_errno() == 1
facts["nproc_limit"] = resource.getrlimit(resource.RLIMIT_NPROC)[0]
facts["as_limit_gib"] = resource.getrlimit(resource.RLIMIT_AS)[0] / 2**30
import IPython.display as D
D.display({"application/vnd.nbcheck.record+json": {"v": 1, "kind": "probe", "name": "probe", "value": facts},
           "text/plain": ""}, raw=True)
'''.replace("REPO", repr(str(Path.cwd())))
    nb = {"cells": [{"cell_type": "code", "source": code}]}
    result = run_notebook(nb, limits, ("numpy",), slots)
    for out in result.cells.get(0, []):
        record = out.get("data", {}).get(MIME)
        if isinstance(record, dict) and record.get("kind") == "probe":
            facts = dict(record["value"])
            cgroup = _Cgroup(limits)                  # what each sandbox gets (measured here, as root)
            facts["cgroup"] = cgroup.kind
            cgroup.close()
            facts["start_seconds"] = round(result.start_seconds, 2)
            return facts
    errors = [o for o in result.cells.get(0, []) if o.get("output_type") == "error"]
    return {"error": result.detail or (errors[0]["ename"] if errors else result.status)}
