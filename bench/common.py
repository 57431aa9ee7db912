"""Shared helpers of the benchmarks: interleaved medians, verdicts, servers in subprocesses.

Every benchmark compares a candidate (what this project adds) with a baseline (the
same work done the plainest way) side by side in one run: after a warm-up of each,
it alternates them round by round, swapping which goes first every other round so
that neither always runs on a warmer machine, and compares the medians.

A benchmark script builds a :class:`Result` and ends with ``return finish(result)``:
that prints the verdict, writes the result as JSON when ``run_all.py`` asked for it
(``$PAYPARTS_BENCH_JSON``), and gives the exit code (0 target met, 1 not met).
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "BENCH_DIR",
    "PYTHON",
    "REPO",
    "Result",
    "finish",
    "interleaved",
    "served",
    "timed",
]

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
PYTHON = sys.executable
RESULT_ENV = "PAYPARTS_BENCH_JSON"
_SERVER_START_TIMEOUT = 30.0


def timed(action: Callable[[], object]) -> Callable[[], float]:
    """``action`` as a measurement: the seconds one call takes (``perf_counter``)."""

    def measure() -> float:
        start = time.perf_counter()
        action()
        return time.perf_counter() - start

    return measure


def interleaved(
    baseline: Callable[[], float],
    candidate: Callable[[], float],
    rounds: int,
    warmup: int = 1,
) -> tuple[list[float], list[float]]:
    """Measure both ``rounds`` times, alternating, after ``warmup`` unrecorded runs of each.

    Each callable returns one measurement (seconds, or a rate). Round 0 runs the
    baseline first, round 1 the candidate first, and so on.
    """
    for _ in range(warmup):
        baseline()
        candidate()
    baseline_values: list[float] = []
    candidate_values: list[float] = []
    for round_number in range(rounds):
        pair = [(baseline, baseline_values), (candidate, candidate_values)]
        if round_number % 2:
            pair.reverse()
        for measure, values in pair:
            values.append(measure())
    return baseline_values, candidate_values


@dataclass
class Result:
    """One benchmark's figures: two medians, their ratio, and the target it is held to."""

    name: str  # the script, e.g. "bench_client.py"
    what: str  # the candidate, in a few words
    compared_with: str  # the baseline, in a few words
    unit: str  # of the medians: "ms", "s", "creates/s"
    baseline: float  # median
    candidate: float  # median
    target: float
    higher_is_better: bool = False  # False: ratio ≤ target; True: ratio ≥ target
    rounds: int = 0
    notes: list[str] = field(default_factory=list)
    baseline_values: list[float] = field(default_factory=list)
    candidate_values: list[float] = field(default_factory=list)
    valid: bool = True  # False when a sanity check failed: the figures do not count
    error: str | None = None

    @classmethod
    def from_rounds(
        cls,
        baseline_times: list[float],
        candidate_times: list[float],
        *,
        scale: float = 1.0,
        **fields: Any,
    ) -> Result:
        """Medians of the interleaved rounds, each value multiplied by ``scale`` (to its unit)."""
        baseline_values = [t * scale for t in baseline_times]
        candidate_values = [t * scale for t in candidate_times]
        return cls(
            baseline=statistics.median(baseline_values),
            candidate=statistics.median(candidate_values),
            rounds=len(baseline_times),
            baseline_values=baseline_values,
            candidate_values=candidate_values,
            **fields,
        )

    @property
    def ratio(self) -> float:
        return self.candidate / self.baseline if self.baseline else float("inf")

    @property
    def met(self) -> bool:
        if not self.valid:
            return False
        if self.higher_is_better:
            return self.ratio >= self.target
        return self.ratio <= self.target

    @property
    def target_text(self) -> str:
        return f"{'≥' if self.higher_is_better else '≤'} {self.target:g}×"

    @property
    def verdict(self) -> str:
        if not self.valid:
            return "invalid"
        return "met" if self.met else "not met"

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data.update(
            ratio=self.ratio, met=self.met, verdict=self.verdict, target_text=self.target_text
        )
        return data


def spread(values: Sequence[float]) -> str:
    """min–max of the rounds, to show how noisy a median is."""
    return f"{min(values):.4g}–{max(values):.4g}"


def finish(result: Result) -> int:
    """Print the ratio and verdict, hand the result to run_all, and give the exit code."""
    print(f"  ratio                                {result.ratio:10.3f}×")
    print(f"  target {result.target_text}: {result.verdict}")
    for note in result.notes:
        print(f"  ({note})")
    if result.error:
        print(f"  error: {result.error}")
    path = os.environ.get(RESULT_ENV)
    if path:
        Path(path).write_text(json.dumps(result.as_json(), indent=2), encoding="utf-8")
    sys.stdout.flush()
    return 0 if result.met else 1


def bench_env(**extra: str) -> dict[str, str]:
    """The environment for child processes: no PAYPARTS_* from the caller's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYPARTS_")}
    env.update(extra)
    return env


def _first_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise RuntimeError(f"{process.args!r} printed nothing within {timeout:g} s")
    line = process.stdout.readline().strip()
    if not line.startswith("http://"):
        raise RuntimeError(f"{process.args!r} did not print its URL first (got {line!r})")
    return line


def _wait_until_listening(url: str, process: subprocess.Popen[str], timeout: float) -> None:
    """The sandbox prints its URL after binding but before uvicorn listens: wait for that."""
    parts = urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or 80)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(address, timeout=1):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"{process.args!r} does not accept connections at {url}"
                ) from None
            time.sleep(0.01)


def stop(process: subprocess.Popen[str]) -> None:
    """SIGTERM (graceful), then SIGKILL if it lingers; always reaped."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
    if process.stdout is not None:
        process.stdout.close()


@contextlib.contextmanager
def served(argv: Sequence[str], env: dict[str, str] | None = None) -> Iterator[str]:
    """Run a server that prints its base URL on its first line; yield the URL; stop it.

    The server is stopped however the ``with`` block ends (error, Ctrl-C included).
    """
    process = subprocess.Popen(
        list(argv),
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env if env is not None else bench_env(),
    )
    try:
        url = _first_line(process, _SERVER_START_TIMEOUT)
        _wait_until_listening(url, process, _SERVER_START_TIMEOUT)
        yield url
    finally:
        stop(process)
