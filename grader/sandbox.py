"""The bubblewrap sandbox and the resource cage around it.

A student's kernel runs as::

    sh -c 'join cgroups; exec "$@"' -- prlimit ... -- bwrap <view> -- python -m ipykernel_launcher -f <conn>

- **view**: an empty root with the read-only system (``/usr``), the read-only
  Python environment and the course packages (``grader`` and ``keras_course``,
  imported through ``PYTHONPATH``), a fresh ``/proc`` and ``/dev``,
  size-limited tmpfs as home (and working folder) and as ``/tmp``, and one host
  folder (the scratch folder) bound read-write *at the same path*, which holds
  the kernel's IPC sockets and the probe data channel. Nothing else of the host:
  not the course, not the gradebook, not the answer keys, not other students.
- **namespaces**: every namespace unshared (no network at all, loopback
  included; a PID namespace so nothing outlives the sandbox), a new session,
  all capabilities dropped, ``--die-with-parent``.
- **cage**: a cgroup (v1 or v2, whichever the machine offers) bounds memory and
  the number of processes; where no cgroup can be made, a watcher polls the
  process tree instead.

Example:

>>> spec = SandboxSpec(scratch=Path("/tmp/s"), home_mb=64)
>>> argv = bwrap_argv(spec, ["python", "-c", "print(1)"])
>>> argv[0], "--unshare-all" in argv
('bwrap', True)
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import shutil
import signal
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

SANDBOX_HOME = "/home/student"
KILL_TIMEOUT = 1.0  # seconds a cage's processes get to die, and its folders to be removed, before the grader moves on
INSTALL_HINT = (
    "bubblewrap (bwrap) is not installed, and the grader runs student code only inside it.\n"
    "TIP: install it with `sudo apt-get install bubblewrap` (Debian/Ubuntu) or "
    "`sudo dnf install bubblewrap` (Fedora), or pass --no-sandbox for a class you trust."
)
# Files of /etc that Python and its libraries read; the rest of /etc stays out.
_ETC_FILES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/hosts",
    "/etc/fonts",
)


class SandboxUnavailable(RuntimeError):
    """Raised when bubblewrap is missing or cannot create a sandbox here."""


@dataclass(frozen=True)
class SandboxSpec:
    """What one sandbox may see and use.

    Args:
        scratch: host folder bound read-write at the same path.
        home_mb: size of each tmpfs: home (with the working folder) and /tmp.
        env: environment variables inside (everything else is cleared).
        readonly: extra host paths bound read-only at the same path.
        devices: host device nodes (a GPU's, say) made usable inside. Defaults to ().
        uid: run as this user id in a user namespace of its own (the warm-kernel
            server needs a non-root id to nest namespaces). Defaults to None.
    """

    scratch: Path
    home_mb: int = 256
    env: dict[str, str] = field(default_factory=dict)
    readonly: tuple[Path, ...] = ()
    devices: tuple[str, ...] = ()
    uid: int | None = None


def find_bwrap() -> str:
    """Return the path of ``bwrap`` or raise `SandboxUnavailable` with a TIP."""
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable(INSTALL_HINT)
    return path


STUDENT_PACKAGE = "keras_course"  # the student side, installed beside ``grader``


def course_packages() -> tuple[Path, ...]:
    """The course's package folders the kernel imports from: ``grader/`` and the student side's beside it.

    They are the ones this process imports (a git worktree's, not the editable
    install's), bound one by one: the folder above them holds the course,
    which the sandbox must not see.
    """
    import grader

    package_dir = Path(grader.__file__).resolve().parent
    student_dir = package_dir.parent / STUDENT_PACKAGE
    return (package_dir, student_dir) if student_dir.is_dir() else (package_dir,)


def packages_root() -> Path:
    """The folder above the course packages: the kernel's ``PYTHONPATH``, so it imports the bound ones."""
    return course_packages()[0].parent


def python_environment() -> tuple[Path, ...]:
    """The host paths the kernel needs to run Python with the course packages."""
    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent, *course_packages()}
    kept: list[Path] = []
    for path in sorted(paths, key=lambda p: len(p.parts)):
        if not any(path.is_relative_to(k) for k in kept) and not path.is_relative_to("/usr"):
            kept.append(path)
    return tuple(kept)


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "lib", "lib64", "lib32", "sbin"):
        top = Path("/") / name
        if top.is_symlink():
            args += ["--symlink", os.readlink(top), str(top)]
        elif top.is_dir():
            args += ["--ro-bind", str(top), str(top)]
    for etc in _ETC_FILES:
        args += ["--ro-bind-try", etc, etc]
    return args


def bwrap_argv(spec: SandboxSpec, command: list[str], bwrap: str = "bwrap") -> list[str]:
    """Build the ``bwrap`` command line that runs ``command`` inside ``spec``."""
    home_bytes = str(spec.home_mb * 1024 * 1024)
    args = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    if spec.uid is not None:
        args += ["--unshare-user", "--uid", str(spec.uid), "--gid", str(spec.uid)]
    args += ["--hostname", "sandbox"]
    args += _system_binds()
    args += ["--proc", "/proc", "--dev", "/dev"]
    for device in spec.devices:  # e.g. /dev/nvidia0: only the nodes this sandbox was given
        args += ["--dev-bind-try", device, device]
    # The tmpfs mounts come before the binds: a course under /tmp must not be hidden by them.
    args += ["--size", home_bytes, "--perms", "1777", "--tmpfs", "/tmp"]
    args += ["--size", home_bytes, "--perms", "0700", "--tmpfs", SANDBOX_HOME]
    args += ["--dir", f"{SANDBOX_HOME}/work"]
    for path in python_environment() + tuple(spec.readonly):
        args += ["--ro-bind", str(path), str(path)]
    args += ["--bind", str(spec.scratch), str(spec.scratch)]
    args += ["--remount-ro", "/"]
    args += ["--chdir", f"{SANDBOX_HOME}/work", "--clearenv"]
    env = {
        "HOME": SANDBOX_HOME,
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "TMPDIR": "/tmp",
        "MPLCONFIGDIR": f"{SANDBOX_HOME}/.matplotlib",
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(packages_root()),
        **spec.env,
    }
    for key, value in sorted(env.items()):
        args += ["--setenv", key, value]
    return args + ["--", *command]


# --------------------------------------------------------------------------- cage


class Cage:
    """A cgroup that bounds memory and processes of everything started in it.

    Use `Cage.create` (which returns ``None`` where cgroups cannot be made),
    `wrap` a command so it joins the cage before ``exec``, then ask `oom_killed`
    or `pids_exhausted` after a failure and `destroy` when done.
    """

    def __init__(self, dirs: dict[str, Path], version: int) -> None:
        self.dirs = dirs  # controller name -> cgroup folder
        self.version = version

    @classmethod
    def create(cls, memory_bytes: int, max_pids: int) -> Cage | None:
        name = f"grader-{uuid.uuid4().hex[:12]}"
        try:
            dirs, version = _make_cgroups(name)
        except OSError as exc:
            log.debug("no cgroup cage (%s); falling back to polling", exc)
            return None
        if not dirs:
            return None
        cage = cls(dirs, version)
        try:
            if version == 2:
                (dirs["unified"] / "memory.max").write_text(str(memory_bytes))
                (dirs["unified"] / "memory.swap.max").write_text("0")
                (dirs["unified"] / "pids.max").write_text(str(max_pids))
            else:
                (dirs["memory"] / "memory.limit_in_bytes").write_text(str(memory_bytes))
                with contextlib.suppress(OSError):
                    (dirs["memory"] / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
                (dirs["pids"] / "pids.max").write_text(str(max_pids))
        except OSError as exc:
            log.debug("cgroup limits could not be set (%s)", exc)
            cage.destroy()
            return None
        return cage

    def wrap(self, command: list[str]) -> list[str]:
        """Prefix ``command`` so its process joins this cage, then execs."""
        procs = " ".join(f"'{d / 'cgroup.procs'}'" for d in self.dirs.values())
        script = f'for f in {procs}; do echo $$ > "$f" || exit 97; done; exec "$@"'
        return ["/bin/sh", "-c", script, "grader-cage", *command]

    def adopt(self, pid: int) -> None:
        """Move a running process (by host pid) into this cage; its children will start inside it."""
        for d in self.dirs.values():
            (d / "cgroup.procs").write_text(str(pid))

    def _read(self, controller: str, file: str) -> str:
        try:
            return (self.dirs[controller] / file).read_text()
        except (OSError, KeyError):
            return ""

    def oom_killed(self) -> bool:
        if self.version == 2:
            text = self._read("unified", "memory.events")
        else:
            text = self._read("memory", "memory.oom_control")
        return any(
            line.split()[0] == "oom_kill" and int(line.split()[1]) > 0
            for line in text.splitlines()
            if len(line.split()) == 2
        )

    def pids_exhausted(self) -> bool:
        controller = "unified" if self.version == 2 else "pids"
        for line in self._read(controller, "pids.events").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "max" and int(parts[1]) > 0:
                return True
        return False

    def peak_memory_bytes(self) -> int:
        if self.version == 2:
            text = self._read("unified", "memory.peak")
        else:
            text = self._read("memory", "memory.max_usage_in_bytes")
        return int(text) if text.strip().isdigit() else 0

    def pids(self) -> list[int]:
        controller = "unified" if self.version == 2 else "pids"
        return [int(p) for p in self._read(controller, "cgroup.procs").split()]

    def kill_all(self, timeout: float = KILL_TIMEOUT) -> None:
        """SIGKILL every process in the cage until none is left (or ``timeout`` seconds have passed)."""
        for pause in _pauses(timeout):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(pause)

    def destroy(self) -> None:
        self.kill_all()
        for d in self.dirs.values():
            for pause in _pauses(KILL_TIMEOUT):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(pause)


def _pauses(timeout: float, first: float = 0.001, longest: float = 0.02) -> Iterator[float]:
    """Pauses between polls: short at first (a killed kernel is gone within milliseconds), for ``timeout`` seconds.

    >>> list(_pauses(0.0))
    [0.001]
    """
    deadline = time.monotonic() + timeout
    pause = first
    while True:
        yield pause
        if time.monotonic() >= deadline:
            return
        pause = min(pause * 2, longest)


def _own_cgroups() -> dict[str, str]:
    """Map controller -> this process's cgroup path, from /proc/self/cgroup."""
    found: dict[str, str] = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for c in controllers.split(",") if controllers else ["unified"]:
            found[c] = path
    return found


def _make_cgroups(name: str) -> tuple[dict[str, Path], int]:
    root = Path("/sys/fs/cgroup")
    own = _own_cgroups()
    v1 = {c: root / c for c in ("memory", "pids")}
    if all((v1[c] / "cgroup.procs").exists() for c in v1) and "memory" in own and "pids" in own:
        dirs = {}
        for c, base in v1.items():
            parent = base / own[c].lstrip("/")
            d = parent / name
            d.mkdir()
            dirs[c] = d
        return dirs, 1
    unified = root if (root / "cgroup.controllers").exists() else root / "unified"
    if (unified / "cgroup.controllers").exists() and "unified" in own:
        parent = unified / own["unified"].lstrip("/")
        available = (parent / "cgroup.subtree_control").read_text().split()
        if {"memory", "pids"} <= set(available):
            d = parent / name
            d.mkdir()
            return {"unified": d}, 2
    return {}, 0


# --------------------------------------------------------------------------- fallback watch


def tree_usage(root_pid: int) -> tuple[int, int]:
    """Resident memory (bytes) and process count of ``root_pid`` and its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            rss[int(entry.name)] = int(fields[21]) * page
        except (OSError, IndexError, ValueError):
            continue
    total, count, todo = 0, 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        count += 1
        todo.extend(children.get(pid, []))
    return total, count


def readable(stream: IO[str] | IO[bytes], timeout: float) -> bool:
    """Whether ``stream`` has something to read within ``timeout`` seconds.

    ``poll``, not ``select``: select fails on a descriptor numbered 1024 or more,
    which a long-running grader may well hold.
    """
    poller = select.poll()
    poller.register(stream, select.POLLIN | select.POLLHUP)
    return bool(poller.poll(timeout * 1000))
