"""A Jupyter server for browser tests: the venv's Python kernel, offline, on a free local port, always stopped.

Example:

>>> with JupyterServer(tmp_path / "home", tmp_path / "jupyter") as server:  # doctest: +SKIP
...     page.goto(server.url("lab/tree/01_the_neuron.ipynb"))
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# Lab settings a student's first visit would otherwise bring: a news and update prompt that
# asks the network, autosave (the saved notebook stays what the test wrote), and windowing
# that takes cells far below the fold out of the page.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterServer:
    """``jupyter lab`` (or ``jupyter server``) serving ``root``, with its state kept under ``state``.

    Config, data, runtime and lab settings live under ``state``, so the user's own
    Jupyter setup is never read or written; the only ``python3`` kernel is this
    interpreter. Server extensions installed in the venv (nbgrader's formgrader)
    load as usual, reading ``nbgrader_config.py`` from ``cwd``.
    """

    def __init__(self, root: Path, state: Path, app: str = "lab", cwd: Path | None = None, start_timeout: float = 120.0) -> None:
        self.root, self.state, self.app = root, state, app
        self.cwd = cwd or root
        self.start_timeout = start_timeout
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.log_path = state / "server.log"
        self.process: subprocess.Popen | None = None

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def _environment(self) -> dict[str, str]:
        kernels = self.state / "path" / "kernels" / "python3"
        kernels.mkdir(parents=True, exist_ok=True)
        (kernels / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (ipykernel)", "language": "python",
        }))
        settings = self.state / "lab-settings"
        for name, values in LAB_SETTINGS.items():
            (settings / name).parent.mkdir(parents=True, exist_ok=True)
            (settings / name).write_text(json.dumps(values))
        env = dict(os.environ)
        env.update(
            JUPYTER_PATH=str(self.state / "path"),
            JUPYTER_CONFIG_DIR=str(self.state / "config"),
            JUPYTER_DATA_DIR=str(self.state / "data"),
            JUPYTER_RUNTIME_DIR=str(self.state / "runtime"),
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTERLAB_WORKSPACES_DIR=str(self.state / "workspaces"),
            IPYTHONDIR=str(self.state / "ipython"),
            MPLCONFIGDIR=str(self.state / "matplotlib"),
            PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
            TF_CPP_MIN_LOG_LEVEL="3",
        )
        return env

    def __enter__(self) -> JupyterServer:
        self.state.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "jupyter", self.app, "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
        ]
        if self.app == "lab":  # no update checks, and an extension manager that never asks PyPI
            command += ["--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.extension_manager=readonly"]
        if os.geteuid() == 0:  # CI containers run as root
            command.append("--allow-root")
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(command, cwd=self.cwd, env=self._environment(), stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _request(self, path: str, method: str = "GET") -> bytes:
        request = urllib.request.Request(self.url(path), method=method, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter {self.app} exited with {self.process.returncode}:\n{self.log()}")
            try:
                self._request("api/status")
                return
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)
        raise TimeoutError(f"jupyter {self.app} did not answer on port {self.port} within {self.start_timeout:.0f} s:\n{self.log()}")

    def wait_for_one_connected_idle_kernel(self, timeout: float) -> None:
        """Wait until the server has one kernel, idle, with a page connected to it.

        JupyterLab can start a second kernel and shut the first down while it opens a
        notebook; commands sent before that settles can go to the kernel that is leaving.
        """
        deadline = time.monotonic() + timeout
        kernels: list = []
        while time.monotonic() < deadline:
            kernels = json.loads(self._request("api/kernels"))
            if len(kernels) == 1 and kernels[0]["execution_state"] == "idle" and kernels[0]["connections"] >= 1:
                return
            time.sleep(0.5)
        raise TimeoutError(f"no single connected idle kernel within {timeout:.0f} s: {kernels}\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def stop(self) -> None:
        """Shut down the kernels and the server; kill its process group if it does not go."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            for kernel in json.loads(self._request("api/kernels")):
                self._request(f"api/kernels/{kernel['id']}", method="DELETE")
            self._request("api/shutdown", method="POST")
            self.process.wait(timeout=30)
        except (urllib.error.URLError, OSError, subprocess.TimeoutExpired, ValueError):
            pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.process.poll() is not None:
                break
            try:
                os.killpg(self.process.pid, sig)
                self.process.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
