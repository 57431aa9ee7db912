"""The sandbox CLI as a real process, for the tests that need one (signals, kill -9, output).

One helper for the CLI, reliability and leak-scan tests: ``python -m
payparts_helpers.sandbox --host 127.0.0.1 --port 0 --db DB [ARGS]`` with no
PAYPARTS_* variables inherited, its URL read from its first line of output, its
stderr kept in a file per start.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

__all__ = ["SandboxProcess"]


class SandboxProcess:
    """``python -m payparts_helpers.sandbox --port 0 --db DB`` on 127.0.0.1, restartable.

    ``url`` changes with every start (port 0); ``db_path`` never does. stderr goes
    to a file per start, so a test can read what the server printed after it died.
    """

    def __init__(
        self, db_path: Path, logs: Path, *extra_args: str, python: str = sys.executable
    ) -> None:
        self.python = python  # another venv's interpreter: the lean install's test
        self.db_path = db_path
        self.logs = logs
        self.extra_args = extra_args
        self.process: subprocess.Popen[str] | None = None
        self.url = ""
        self.starts = 0
        self.stdout_first_line = ""
        self.stdout_rest = ""

    def __enter__(self) -> SandboxProcess:
        """Started: ``with SandboxProcess(db, logs) as sandbox: sandbox.url``; stopped after."""
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def stderr_path(self) -> Path:
        return self.logs / f"sandbox-{self.starts}.stderr"

    def start(self, timeout: float = 20.0) -> str:
        assert self.process is None or self.process.poll() is not None, "already running"
        self.starts += 1
        with self.stderr_path.open("w") as stderr:
            self.process = subprocess.Popen(
                [
                    self.python,
                    "-m",
                    "payparts_helpers.sandbox",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--db",
                    str(self.db_path),
                    *self.extra_args,
                ],
                stdout=subprocess.PIPE,
                stderr=stderr,
                stdin=subprocess.DEVNULL,
                text=True,
                env={k: v for k, v in os.environ.items() if not k.startswith("PAYPARTS_")},
            )
        assert self.process.stdout is not None
        self.stdout_first_line = self.process.stdout.readline().strip()
        self.url = self.stdout_first_line
        assert self.url.startswith("http://127.0.0.1:"), self.stderr()
        self._wait_until_serving(timeout)
        return self.url

    def _wait_until_serving(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"the sandbox exited early: {self.stderr()}")
            try:
                requests.get(self.url + "/", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.02)
        raise AssertionError(f"{self.url} never answered")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill9(self) -> None:
        """SIGKILL: no shutdown handler runs, the database is left mid-flight."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        assert self.process.wait(15) == -signal.SIGKILL

    def stop(self, stop_signal: int = signal.SIGTERM) -> int | None:
        """``stop_signal`` and wait (kill after 15 s); the exit code, or None if it never ran."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(stop_signal)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self.process.stdout is not None and not self.process.stdout.closed:
            self.stdout_rest = self.process.stdout.read()
            self.process.stdout.close()
        return self.process.returncode

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def all_stderr(self) -> str:
        return "".join(
            (self.logs / f"sandbox-{n}.stderr").read_text(encoding="utf-8", errors="replace")
            for n in range(1, self.starts + 1)
        )
