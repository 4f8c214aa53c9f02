"""The seccomp filter every sandboxed kernel runs under (bwrap's ``--seccomp``).

The list follows Docker's default profile (the system calls it allows only with capabilities a
sandbox never has, or not at all) and adds those that let one process reach another: tracing and
reading another process's memory, kernel keyrings (which outlive a process and are shared by its
uid), namespaces and mounts, kernel modules and BPF. A denied call fails with ``EPERM`` (``ENOSYS``
for ``clone3``, so that the C library falls back to ``clone``, whose namespace flags are checked
here). Everything else is allowed: the kernel is a Python interpreter with numpy.

The filter is compiled once per process with libseccomp (Debian's ``libseccomp2``, through the
``pyseccomp`` ctypes binding) for this machine's architecture and written to a private file.
"""
import atexit
import errno
import os
import tempfile

__all__ = ["DENIED", "NAMESPACE_FLAGS", "filter_file"]

DENIED = (
    # one process reaching another
    "ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "pidfd_getfd", "kcmp",
    # kernel keyrings: they belong to the uid and outlive the process
    "keyctl", "add_key", "request_key",
    # namespaces and mounts
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "mount_setattr", "move_mount", "open_tree",
    "fsopen", "fsconfig", "fsmount", "fspick",
    # the kernel itself: modules, BPF, tracing, io_uring, userfaultfd
    "bpf", "perf_event_open", "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd", "lookup_dcookie", "fanotify_init",
    # the machine: clocks, swap, reboot, accounting, quotas, the console, ports
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "swapon", "swapoff", "reboot", "acct",
    "quotactl", "syslog", "vhangup", "iopl", "ioperm", "sethostname", "setdomainname",
    # file handles bypass the mount namespace
    "open_by_handle_at", "name_to_handle_at",
    # memory policies of other processes
    "migrate_pages", "move_pages", "mbind", "set_mempolicy",
    # obsolete
    "uselib", "ustat", "sysfs", "_sysctl", "nfsservctl", "create_module", "get_kernel_syms", "query_module",
    "vm86", "vm86old",
)

# clone(2) flags that make a namespace: a sandboxed process may fork and start threads, nothing more
NAMESPACE_FLAGS = {"CLONE_NEWNS": 0x00020000, "CLONE_NEWCGROUP": 0x02000000, "CLONE_NEWUTS": 0x04000000,
                   "CLONE_NEWIPC": 0x08000000, "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000,
                   "CLONE_NEWNET": 0x40000000}

_FILE = {}


def _build():
    import pyseccomp as sc
    flt = sc.SyscallFilter(defaction=sc.ALLOW)
    for name in DENIED:
        try:
            flt.add_rule(sc.ERRNO(errno.EPERM), name)
        except (RuntimeError, ValueError, OSError):
            continue                               # not a system call of this architecture
    for flag in NAMESPACE_FLAGS.values():
        flt.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    try:
        flt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    except (RuntimeError, ValueError, OSError):
        pass
    return flt


def filter_file():
    """The path of the compiled BPF filter (built on first use, then reused by this process)."""
    path = _FILE.get(os.getpid())
    if path and os.path.exists(path):
        return path
    flt = _build()
    fd, path = tempfile.mkstemp(prefix="gradekit-seccomp-", suffix=".bpf")
    with os.fdopen(fd, "wb") as handle:
        flt.export_bpf(handle)
    os.chmod(path, 0o400)
    _FILE[os.getpid()] = path
    atexit.register(lambda: os.path.exists(path) and os.unlink(path))
    return path
