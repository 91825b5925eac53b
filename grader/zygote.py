"""The warm-kernel server: imports TensorFlow once, then forks one fresh kernel per submission.

It runs inside the grader's bubblewrap sandbox (`grader.warm` starts it) and
answers JSON lines on stdin. For each submission it forks a child that, before
any student code runs and while it is still single-threaded:

1. waits until the grader has put it into the submission's own cgroup (memory
   and process limits);
2. enters new user, mount, network and IPC namespaces;
3. hides every other submission's folder (a tmpfs over the run folder, with
   only its own folder bound back at the same path) and gets a fresh /tmp and
   home, so nothing of an earlier or a parallel submission is visible;
4. sets its file-size limit and a clean environment, and becomes an ipykernel
   on the connection file the grader wrote.

The server itself is never reachable by student code: the child closes every
inherited descriptor, and the server is not dumpable (no ptrace, no
``/proc/<pid>/mem`` or ``fd`` for code in the child's nested user namespace).

Protocol (one JSON object per line): ``{"op": "spawn", ...}`` answers
``{"pid": N}``; ``{"op": "go", "pid": N}`` releases that child; ``{"op": "reap"}``
kills every process but the server (after a run) and answers ``{"ok": true}``.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys
import time
import traceback

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS = 0x20000, 0x10000000, 0x40000000, 0x08000000, 0x04000000
MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 2, 4, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER = 1, 4, 36
# What a fork costs grows with the libraries mapped: ~5 ms with LIGHT, ~40 ms once TensorFlow is in.
# What a kernel imports while it starts (the shell, its completer, the debugger ipykernel always loads, the
# event loop of its control thread, the magics it registers) is imported here once, so each fork starts a
# kernel without paying for it again (about 0.1 s a kernel).
KERNEL_START = (
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger", "IPython.core.completer",
    "IPython.core.completerlib", "IPython.core.debugger", "IPython.core.oinspect", "IPython.extensions.storemagic",
    "IPython.utils.wildcard", "tornado.platform.asyncio",
)
# A graded run keeps no command history: IPython's SQLite history file, made afresh in each kernel's new
# home, cost about 0.2 s of every kernel start (and a thread). The session's own In/Out stay as they are.
KERNEL_OPTIONS = ("--HistoryManager.enabled=False",)
LIGHT = ("numpy", *KERNEL_START, "keras_course.question")
HEAVY = (*LIGHT, "sklearn", "matplotlib.pyplot", "matplotlib_inline.backend_inline", "tensorflow", "keras", "keras_course.data")

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    encode = lambda s: s.encode() if s is not None else None  # noqa: E731
    _check(_libc.mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags), encode(data)), f"mount {target}")


def preload(modules: tuple[str, ...]) -> float:
    """Import what notebooks use, once, before any fork; returns the seconds it took."""
    import importlib

    started = time.monotonic()
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a missing optional library only makes the kernel colder
            pass
    return time.monotonic() - started


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _enter_namespaces() -> None:
    uid, gid = os.geteuid(), os.getegid()
    _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS), "unshare")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"0 {uid} 1")
    _write("/proc/self/gid_map", f"0 {gid} 1")


def _isolate_files(run_root: str, own: str, home: str, size_bytes: int, keep: tuple[str, ...] = ()) -> None:
    """Only this submission's folder of the run stays visible; /tmp and home are new and empty.

    ``keep`` names read-only paths under /tmp that must survive the new /tmp (a
    Python environment in a clone under /tmp, say); they are bound back in place.
    """
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    survivors = [own, *(path for path in keep if (path + "/").startswith("/tmp/"))]
    stashes = []
    for index, path in enumerate(survivors):
        stash = f"{home}/.grader-keep-{os.getpid()}-{index}"  # the server's home, covered below
        os.mkdir(stash)
        _mount(path, stash, None, MS_BIND | MS_REC)
        stashes.append((stash, path))
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={size_bytes},mode=1777")
    if not (run_root + "/").startswith("/tmp/"):
        _mount("tmpfs", run_root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    for stash, path in stashes:
        os.makedirs(path, exist_ok=True)
        _mount(stash, path, None, MS_BIND | MS_REC)
        _check(_libc.umount2(stash.encode(), MNT_DETACH), "umount stash")
    _mount("tmpfs", home, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size_bytes},mode=0700")
    os.makedirs(f"{home}/work")


def _become_kernel(go_fd: int, request: dict) -> None:
    """In the forked child: wait to be caged, isolate, then run ipykernel (never returns)."""
    try:
        os.closerange(3, go_fd)
        os.closerange(go_fd + 1, 65536)
        devnull = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        if os.read(go_fd, 1) != b"g":
            os._exit(70)
        os.close(go_fd)
        os.setsid()  # its own session and group: a student's killpg(0) stays inside the submission
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        _enter_namespaces()
        _isolate_files(
            request["run_root"], request["own"], request["home"], int(request["tmpfs_bytes"]), tuple(request.get("keep", ()))
        )
        resource.setrlimit(resource.RLIMIT_FSIZE, (int(request["fsize"]),) * 2)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(f"{request['home']}/work")
        sys.argv = ["ipykernel_launcher", "-f", request["connection_file"], *KERNEL_OPTIONS]
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        app.initialize(sys.argv[1:])
        app.start()
        os._exit(0)
    except BaseException as exc:  # noqa: BLE001 - the child must never fall back into the server's loop
        try:  # for the instructor's log: why a kernel could not start (written before any student code)
            with open(os.path.join(request["own"], "kernel-start-error.txt"), "w") as f:
                f.write(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        finally:
            os._exit(71)


def _selftest(request: dict) -> dict:
    """Fork a child that isolates itself as a kernel would, and report whether it could."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            _enter_namespaces()
            _isolate_files(request["run_root"], request["own"], request["home"], 1 << 20, tuple(request.get("keep", ())))
            if not all(os.path.exists(path) for path in request.get("keep", ())):
                raise FileNotFoundError("the Python environment is not visible after isolation")
            visible = sorted(os.listdir(request["run_root"]))
            os.write(write_end, json.dumps({"ok": True, "visible": visible}).encode())
        except BaseException as exc:  # noqa: BLE001 - report, never fall into the server's loop
            os.write(write_end, json.dumps({"ok": False, "error": f"{type(exc).__name__}: {exc}"}).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as f:
        data = f.read()
    os.waitpid(pid, 0)
    try:
        return json.loads(data)
    except ValueError:
        return {"ok": False, "error": "the self-test child died"}


def _parent_of(pid: str) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])  # after "pid (name)": state, then the parent
    except (OSError, IndexError, ValueError):
        return None  # gone meanwhile


def _descendants() -> list[int]:
    """Every process this server started, and theirs, followed through /proc's parent links.

    Orphans come back to the server (it is their subreaper), so inside the sandbox
    this is every process of a run; run outside one, it still touches nothing else.
    """
    parents = {int(entry): _parent_of(entry) for entry in os.listdir("/proc") if entry.isdigit()}
    found, frontier = [], [os.getpid()]
    while frontier:
        parent_pid = frontier.pop()
        children = [pid for pid, parent in parents.items() if parent == parent_pid]
        found += children
        frontier += children
    return found


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def serve() -> None:
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    requests = os.fdopen(os.dup(0), "r")
    devnull = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1)
    seconds = preload(HEAVY if "--heavy" in sys.argv[1:] else LIGHT)
    _libc.prctl(PR_SET_DUMPABLE, 0)
    answers.write(json.dumps({"ready": True, "preload_seconds": seconds}) + "\n")
    waiting: dict[int, int] = {}
    for line in requests:
        _reap()
        try:
            request = json.loads(line)
            op = request.get("op")
            if op == "spawn":
                read_end, write_end = os.pipe()
                pid = os.fork()
                if pid == 0:
                    os.close(write_end)
                    _become_kernel(read_end, request)
                os.close(read_end)
                waiting[pid] = write_end
                answer = {"pid": pid}
            elif op == "go":
                write_end = waiting.pop(int(request["pid"]))
                os.write(write_end, b"g")
                os.close(write_end)
                answer = {"ok": True}
            elif op == "selftest":
                answer = _selftest(request)
            elif op == "reap":
                for fd in waiting.values():
                    os.close(fd)
                waiting.clear()
                for pid in _descendants():
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                time.sleep(0.01)
                _reap()
                answer = {"ok": True}
            else:
                answer = {"error": f"unknown op {op!r}"}
        except Exception as exc:  # noqa: BLE001 - one bad request must not stop the server
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        answers.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    serve()
