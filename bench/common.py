"""Shared helpers of the benchmarks: paired rounds, their ratio and its CI, verdicts, servers.

How a figure is measured
    Every benchmark compares a candidate (what this project adds) with a baseline (the
    same work done the plainest way) side by side in one run: after a warm-up of each,
    it runs them round by round, rotating which goes first so that neither always runs
    on a warmer machine (:func:`interleaved`). Both sides of a round ran back to back,
    under the same load from whatever else the machine is doing, so the figure is the
    **per-round paired ratio** candidate_i / baseline_i: its median over the rounds, and
    a distribution-free 95 % confidence interval of that median (the order statistics
    of the sorted ratios at binomial ranks: for 21 rounds the 6th and the 16th; see
    :func:`median_ci_ranks`). A ratio of two medians of independent, noisy series is
    not used: on a shared machine it moved by 40 % from one run to the next.

    The absolute targets (``bench_sdk.py``, ``bench_exchange.py``) are the same with a
    constant baseline, the budget: each round's ratio is its value / the budget.

    Beside the wall time each benchmark reports the CPU of the measured process
    (:func:`own_cpu`, :func:`children_cpu`, :func:`process_cpu`), as its own paired
    ratio with its own CI.

The decision rule
    The rounds **agree** when the CI's relative half-width, (hi − lo) / 2 / median, is at
    most ``AGREEMENT`` (5 %). Only then is a ratio recorded (bench/RESULTS.md's summary)
    and a verdict given: "met" / "not met" from the median ratio against the target,
    with "CI reaches past the target" added when the CI straddles it. Otherwise no ratio
    is recorded; the verdict is still given when the whole CI lies on one side of the
    target (every ratio the rounds make plausible meets it, or none does), and is
    "undecided" (exit code 1) only when the wide CI straddles the target.

    Why 5 %: a recorded figure should come back within its printed spread when the
    benchmark is run again (the ratio that prompted this rule moved from 0.71× to
    1.03–1.1×). ±5 % is reachable here: with the rounds chosen, the paired ratios on
    this 2-core machine shared with other work reach about ±0.5 % (client), ±1–4 %
    (import, orders, exchange, wrk). A tighter rule (±2 %) would leave the wrk and
    nbval figures undecided on most runs; a looser one (±10 %) would record the SDK's
    median page load (±6–10 %), which lands 20 % away on the next run. Closeness to the
    target is a separate matter: when the CI straddles it, the verdict says so.

A benchmark script builds one or more :class:`Result` and ends with ``return
finish(results)``: that prints each verdict, writes them as a JSON list when
``run_all.py`` asked for it (``$PAYPARTS_BENCH_JSON``), and gives the exit code (0 every
target met, 1 otherwise, 2 when the benchmark cannot run at all).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import resource
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
from typing import Any, NamedTuple
from urllib.parse import urlsplit

__all__ = [
    "AGREEMENT",
    "BENCH_DIR",
    "PYTHON",
    "REPO",
    "Paired",
    "Result",
    "Sample",
    "Server",
    "children_cpu",
    "finish",
    "free_port",
    "interleaved",
    "own_cpu",
    "process_cpu",
    "served",
    "timed",
]

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
PYTHON = sys.executable
RESULT_ENV = "PAYPARTS_BENCH_JSON"
AGREEMENT = 0.05  # the largest relative half-width of the 95 % CI at which rounds agree
CONFIDENCE = 0.95
_SERVER_START_TIMEOUT = 30.0
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- CPU of the measured process: the one place it is read --------------------------


def own_cpu() -> float:
    """CPU seconds of this process (all its threads): for code measured in the bench itself."""
    return time.process_time()


def children_cpu() -> float:
    """CPU seconds of every child this process has waited for (a fresh interpreter per run)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds (utime + stime, every thread) of another running process, from /proc."""
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)", which may hold spaces
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / _CLOCK_TICKS


# --- rounds -------------------------------------------------------------------------


class Sample(NamedTuple):
    """One measurement: its value (wall seconds, or a rate) and the measured process's CPU."""

    value: float
    cpu: float = math.nan  # seconds; nan when the benchmark does not measure it


def timed(action: Callable[[], object]) -> Callable[[], Sample]:
    """``action`` as a measurement in this process: wall seconds and this process's CPU."""

    def measure() -> Sample:
        cpu_start, start = own_cpu(), time.perf_counter()
        action()
        wall = time.perf_counter() - start
        return Sample(wall, own_cpu() - cpu_start)

    return measure


def interleaved(
    measures: Sequence[Callable[[], Sample]],
    rounds: int,
    *,
    warmup: int = 1,
    runs_per_round: int = 1,
) -> list[list[Sample]]:
    """Measure each of ``measures`` ``rounds`` times, interleaved; one list of rounds each.

    ``warmup`` unrecorded runs of each come first. A round is ``runs_per_round`` runs of
    each measure, their samples added up (a fine grain: with many short runs per round
    the two sides alternate every few milliseconds). Run after run the order rotates:
    A B, B A, A B … (or A B C, B C A, C A B …), so no side is always first.
    """
    for _ in range(warmup):
        for measure in measures:
            measure()
    results: list[list[Sample]] = [[] for _ in measures]
    count = len(measures)
    turn = 0
    for _ in range(rounds):
        values = [0.0] * count
        cpus = [0.0] * count
        for _ in range(runs_per_round):
            for offset in range(count):
                index = (turn + offset) % count
                sample = measures[index]()
                values[index] += sample.value
                cpus[index] += sample.cpu
            turn += 1
        for index in range(count):
            results[index].append(Sample(values[index], cpus[index]))
    return results


# --- the paired ratio and its CI: the one place they are computed -------------------


def median_ci_ranks(n: int, confidence: float = CONFIDENCE) -> tuple[int, int] | None:
    """1-based ranks (lo, hi) of the sorted values that bound the median with ≥ ``confidence``.

    Distribution-free: the number of values below the true median is Binomial(n, ½), so
    the k-th smallest and k-th largest bound it unless ≥ n−k+1 or < k fall below; k is
    the largest rank with P(Bin(n, ½) ≤ k−1) ≤ (1 − confidence)/2. None when n is too
    small for any (below 6 rounds at 95 %).
    """
    tail = (1 - confidence) / 2
    cumulative, rank = 0.0, 0
    for below in range(n + 1):
        cumulative += math.comb(n, below) / 2**n
        if cumulative > tail:
            break
        rank = below + 1
    return (rank, n - rank + 1) if rank else None


@dataclass(frozen=True)
class Paired:
    """Two interleaved series: their medians, and the median of the per-round ratios with its CI."""

    baseline: float  # median of the baseline's rounds
    candidate: float  # median of the candidate's rounds
    ratio: float  # median of candidate_i / baseline_i
    low: float  # the CI of that median (nan when too few rounds)
    high: float
    rounds: int

    @classmethod
    def of(cls, baseline: Sequence[float], candidate: Sequence[float]) -> Paired:
        if len(baseline) != len(candidate):
            raise ValueError("paired series need the same number of rounds")
        if not baseline:  # a run that failed before its first round
            return cls(math.nan, math.nan, math.nan, math.nan, math.nan, 0)
        ratios = sorted(c / b if b else math.inf for b, c in zip(baseline, candidate, strict=True))
        ranks = median_ci_ranks(len(ratios))
        low, high = (ratios[ranks[0] - 1], ratios[ranks[1] - 1]) if ranks else (math.nan,) * 2
        return cls(
            baseline=statistics.median(baseline),
            candidate=statistics.median(candidate),
            ratio=statistics.median(ratios),
            low=low,
            high=high,
            rounds=len(ratios),
        )

    @property
    def half_width(self) -> float:
        """(hi − lo) / 2 / median: the CI's relative half-width (inf when there is none)."""
        if math.isnan(self.low) or not self.ratio:
            return math.inf
        return (self.high - self.low) / 2 / self.ratio

    @property
    def agree(self) -> bool:
        """The decision rule: the rounds agree when the CI is within ±``AGREEMENT``."""
        return self.half_width <= AGREEMENT

    @property
    def ci_text(self) -> str:
        if math.isnan(self.low):
            return f"no 95% CI: {self.rounds} rounds are too few"
        return f"95% CI {self.low:.3g}–{self.high:.3g} over {self.rounds} rounds"

    @property
    def text(self) -> str:
        """E.g. ``ratio 0.93× (95% CI 0.91–0.95 over 21 rounds)``."""
        return f"ratio {self.ratio:.3g}× ({self.ci_text})"


# --- results ------------------------------------------------------------------------


@dataclass
class Result:
    """One benchmark figure: the paired rounds of both sides, and the target it is held to.

    ``baseline_values`` / ``candidate_values`` are per round, already in ``unit``.
    ``baseline_cpu`` / ``candidate_cpu`` (in ``cpu_unit``) are the measured process's CPU
    per round, for information. ``candidate_does_more``: the candidate does the
    baseline's work and more, so beating the baseline needs a ``cause``, or the result
    is flagged "unexplained".
    """

    name: str  # the script, and which of its figures: "bench_client.py (wall)"
    what: str  # the candidate, in a few words
    compared_with: str  # the baseline, in a few words
    unit: str  # of the values: "ms", "s", "creates/s"
    baseline_values: list[float]
    candidate_values: list[float]
    target: float
    higher_is_better: bool = False  # False: ratio ≤ target; True: ratio ≥ target
    candidate_does_more: bool = False
    cause: str | None = None  # why the candidate beats a baseline that does less
    cpu_unit: str | None = None
    cpu_label: str | None = None  # whose CPU: "this process", "the server"
    baseline_cpu: list[float] = field(default_factory=list)
    candidate_cpu: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    valid: bool = True  # False when a sanity check failed: the figures do not count
    error: str | None = None

    @classmethod
    def from_samples(
        cls,
        baseline: Sequence[Sample],
        candidate: Sequence[Sample],
        *,
        scale: float = 1.0,
        cpu_scale: float | None = None,
        **fields: Any,
    ) -> Result:
        """Values (and CPU, when measured) of the rounds, multiplied by ``scale`` to the unit."""
        cpu_scale = scale if cpu_scale is None else cpu_scale
        has_cpu = all(not math.isnan(s.cpu) for s in (*baseline, *candidate))
        return cls(
            baseline_values=[s.value * scale for s in baseline],
            candidate_values=[s.value * scale for s in candidate],
            baseline_cpu=[s.cpu * cpu_scale for s in baseline] if has_cpu else [],
            candidate_cpu=[s.cpu * cpu_scale for s in candidate] if has_cpu else [],
            **fields,
        )

    @classmethod
    def against_budget(cls, values: Sequence[float], budget: float, **fields: Any) -> Result:
        """An absolute target: every round's baseline is the budget, the target 1×."""
        return cls(
            baseline_values=[budget] * len(values),
            candidate_values=list(values),
            target=1.0,
            **fields,
        )

    @property
    def paired(self) -> Paired:
        return Paired.of(self.baseline_values, self.candidate_values)

    @property
    def cpu(self) -> Paired | None:
        if not self.baseline_cpu or not self.candidate_cpu:
            return None
        return Paired.of(self.baseline_cpu, self.candidate_cpu)

    @property
    def target_text(self) -> str:
        return f"{'≥' if self.higher_is_better else '≤'} {self.target:g}×"

    def _good(self, ratio: float) -> bool:
        return ratio >= self.target if self.higher_is_better else ratio <= self.target

    @property
    def decided(self) -> bool:
        """A verdict can be given: the rounds agree, or their whole CI is on one side."""
        if not self.valid or not self.candidate_values:
            return False
        return self.paired.agree or self._whole_ci_side() is not None

    def _whole_ci_side(self) -> bool | None:
        """True when the whole CI meets the target, False when none of it does, else None."""
        paired = self.paired
        if math.isnan(paired.low) or math.isnan(paired.high):
            return None
        ends = (self._good(paired.low), self._good(paired.high))
        return ends[0] if ends[0] == ends[1] else None

    @property
    def met(self) -> bool:
        return self.decided and self._good(self.paired.ratio)

    @property
    def verdict(self) -> str:
        if not self.valid or not self.candidate_values:
            return "invalid"
        paired = self.paired
        if not paired.agree:
            side = self._whole_ci_side()
            if side is None:
                return "undecided"
            # Too wide to record a figure, but every plausible ratio is on one side.
            return "met, whole CI past the target" if side else "not met, whole CI short of it"
        # The CI end nearer the target's bad side decides whether the CI straddles it.
        worst = paired.low if self.higher_is_better else paired.high
        best = paired.high if self.higher_is_better else paired.low
        if self._good(paired.ratio):
            return "met" if self._good(worst) else "met, CI reaches past target"
        return "not met, CI reaches the target" if self._good(best) else "not met"

    @property
    def recorded(self) -> str:
        """The ratio as the summary shows it: only when the rounds agree."""
        paired = self.paired
        if not self.valid or not self.candidate_values:
            return "not recorded"
        if paired.agree:
            return f"{paired.ratio:.3g}× (CI {paired.low:.3g}–{paired.high:.3g})"
        if math.isnan(paired.low):
            return f"too few rounds ({paired.rounds}) for a CI: not recorded"
        return f"rounds disagree (CI {paired.low:.3g}–{paired.high:.3g}): not recorded"

    @property
    def unexplained(self) -> bool:
        """Beats a baseline that does less, and the benchmark gives no cause."""
        if not self.candidate_does_more or self.cause or not self.candidate_values:
            return False
        ratio = self.paired.ratio
        return ratio > 1 if self.higher_is_better else ratio < 1

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        paired, cpu = self.paired, self.cpu
        data.update(
            baseline=paired.baseline,
            candidate=paired.candidate,
            ratio=paired.ratio,
            ci_low=paired.low,
            ci_high=paired.high,
            rounds=paired.rounds,
            half_width=paired.half_width,
            agree=paired.agree,
            ratio_text=paired.text,
            recorded=self.recorded,
            met=self.met,
            decided=self.decided,
            verdict=self.verdict,
            target_text=self.target_text,
            unexplained=self.unexplained,
            cpu=None if cpu is None else {**asdict(cpu), "text": cpu.text, "agree": cpu.agree},
        )
        return _finite(data)

    def report(self) -> None:
        """Print the paired figures and the verdict (the medians are printed by the bench)."""
        paired = self.paired
        print(f"  {paired.text}" if paired.rounds else "  no rounds measured")
        print(f"  target {self.target_text}: {self.verdict}")
        if not paired.agree and self.valid:
            print(
                f"  (the rounds disagree: CI ±{paired.half_width:.1%} > ±{AGREEMENT:.0%}; "
                "the ratio is not recorded)"
            )
        cpu = self.cpu
        if cpu is not None:
            print(
                f"  CPU of {self.cpu_label}: {cpu.baseline:.4g} → {cpu.candidate:.4g} "
                f"{self.cpu_unit} (medians), {cpu.text}"
            )
        if self.cause:
            print(f"  cause: {self.cause}")
        elif self.unexplained:
            print("  UNEXPLAINED: beats a baseline that does less, and no cause is given")
        for note in self.notes:
            print(f"  ({note})")
        if self.error:
            print(f"  error: {self.error}")


def _finite(data: Any) -> Any:
    """``data`` with every nan or infinite float as None: JSON has no such numbers."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(value) for value in data]
    return data


def spread(values: Sequence[float]) -> str:
    """min–max of the rounds, to show how noisy each side is on its own."""
    return f"{min(values):.4g}–{max(values):.4g}"


def finish(results: Result | Sequence[Result]) -> int:
    """Print each ratio and verdict, hand the results to run_all, and give the exit code."""
    results = [results] if isinstance(results, Result) else list(results)
    for result in results:
        if len(results) > 1:
            print(f"- {result.name}: {result.what}")
        result.report()
    path = os.environ.get(RESULT_ENV)
    if path:
        data = [result.as_json() for result in results]
        Path(path).write_text(json.dumps(data, indent=2, allow_nan=False), encoding="utf-8")
    sys.stdout.flush()
    return 0 if all(result.met for result in results) else 1


# --- servers in subprocesses --------------------------------------------------------


def bench_env(**extra: str) -> dict[str, str]:
    """The environment for child processes: no PAYPARTS_* from the caller's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYPARTS_")}
    env.update(extra)
    return env


def free_port() -> int:
    """A loopback port nobody listens on now (for servers that cannot bind port 0 and say so)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
            time.sleep(0.05)


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


@dataclass(frozen=True)
class Server:
    """A server the bench started: its base URL and its process id (for its CPU)."""

    url: str
    pid: int

    def cpu(self) -> float:
        """CPU seconds the server has used so far."""
        return process_cpu(self.pid)


@contextlib.contextmanager
def served(
    argv: Sequence[str], env: dict[str, str] | None = None, *, url: str | None = None
) -> Iterator[Server]:
    """Run a server, wait until it accepts connections, yield it; stop it however the block ends.

    Without ``url`` the server must print its base URL on its first line (the sandbox,
    constant_json_server.py) and print nothing more. With ``url`` (a server that
    cannot, such as Prism) its output is discarded and that address is awaited.
    ``argv[0]`` must become the server itself (exec, not fork), so that the pid is the
    server's.
    """
    process = subprocess.Popen(
        list(argv),
        stdout=subprocess.PIPE if url is None else subprocess.DEVNULL,
        text=True,
        cwd=REPO,
        env=env if env is not None else bench_env(),
    )
    try:
        address = url or _first_line(process, _SERVER_START_TIMEOUT)
        _wait_until_listening(address, process, _SERVER_START_TIMEOUT)
        yield Server(address, process.pid)
    finally:
        stop(process)
