"""How many sessions per second does the sandbox create, next to its stack's ceiling?

A measurement, not a test. Two servers run side by side, each in its own process
on 127.0.0.1: the sandbox (``python -m payparts_helpers.sandbox``, a temporary
SQLite database in WAL mode) and ``constant_json_server.py``, a Starlette app
whose one route answers a constant JSON body, served by the same ``uvicorn_server``
(same uvicorn settings, one process, one event loop). The load generator is wrk
(C, its own process, so no Python GIL on the client side): ``CONNECTIONS`` keep-alive
connections POST the contract's minimum request with the demo merchant's Basic
auth to ``/v1/session/start``, for ``SECONDS`` per round, rounds alternating
between the servers after a warm-up. Only 201 answers count as creates; wrk's
Lua ``response`` hook counts them, any other answer or socket error invalidates
the run, and the sandbox's database must hold exactly as many rows as creates
were counted (plus at most one in-flight request per connection and run). The
medians of creates per second are compared against the target (≥ 0.5× the ceiling).

Needs wrk: ``apt-get install -y wrk`` (Debian). Run:
``.venv/bin/python bench/bench_sandbox_throughput.py``
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import PYTHON, Result, finish, interleaved, served, spread

from payparts_helpers.rules import examples
from payparts_helpers.sandbox import DEMO_MERCHANT

CONNECTIONS = 8
# One wrk thread drives the 8 connections: on this 2-core machine that leaves the other
# core to the server's single event loop. With two wrk threads the load generator and
# the server competed for both cores and the rounds varied by ±20 %.
THREADS = 1
SECONDS = 3
WARMUP_SECONDS = 2
ROUNDS = 5
TARGET_RATIO = 0.5
PATH = "/v1/session/start"

# Every answer goes through the response hook, for both servers alike. Each wrk thread
# has its own Lua state; done() adds up the threads' counters.
_LUA = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) created = 0; other = 0 end
function response(status, headers, body)
  if status == 201 then created = created + 1 else other = other + 1 end
end
wrk.method = "POST"
wrk.body = BODY
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["Authorization"] = AUTHORIZATION
function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do c = c + t:get("created"); o = o + t:get("other") end
  local e = summary.errors
  io.write(string.format(
    "BENCH created=%d other=%d requests=%d duration_us=%d errors=%d\\n",
    c, o, summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""
_BENCH_LINE = re.compile(
    r"BENCH created=(\d+) other=(\d+) requests=(\d+) duration_us=(\d+) errors=(\d+)"
)


def lua_script() -> str:
    body = json.dumps(examples.minimum_request(), separators=(",", ":"))
    credentials = f"{DEMO_MERCHANT.sl_code}:{DEMO_MERCHANT.secret}".encode()
    authorization = "Basic " + base64.b64encode(credentials).decode("ascii")
    return _LUA.replace("AUTHORIZATION", json.dumps(authorization)).replace(
        "BODY", json.dumps(body)
    )


class Load:
    """wrk against one server; keeps the counts of every run, warm-up included."""

    def __init__(self, wrk: str, script: Path, url: str) -> None:
        self.wrk, self.script, self.url = wrk, script, url
        self.created = self.runs = 0
        self.problems: list[str] = []

    def run(self, seconds: int) -> float:
        """One wrk run; creates (201 answers) per second."""
        argv = [
            self.wrk,
            f"-t{THREADS}",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "-s",
            str(self.script),
        ]
        output = subprocess.run(
            [*argv, self.url + PATH],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 30,
        ).stdout
        match = _BENCH_LINE.search(output)
        if match is None:
            raise RuntimeError(f"wrk printed no BENCH line:\n{output}")
        created, other, requests, duration_us, errors = map(int, match.groups())
        self.created += created
        self.runs += 1
        if other or errors or created != requests:
            self.problems.append(
                f"{self.url}: {other} non-201 answers, {errors} socket errors, "
                f"{created} creates of {requests} requests"
            )
        return created / (duration_us / 1e6)


def stored_rows(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return conn.execute("SELECT count(*) FROM sessions").fetchone()[0]


def main() -> int:
    wrk = shutil.which("wrk")
    if wrk is None:
        print(
            "wrk is not installed: it is the load generator of this benchmark.\n"
            "Install it with: sudo apt-get install -y wrk   (Debian/Ubuntu; "
            "run apt-get update first if needed)",
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory(prefix="payparts-bench-") as scratch:
        script = Path(scratch) / "create.lua"
        script.write_text(lua_script(), encoding="utf-8")
        db = Path(scratch) / "sandbox.sqlite3"
        sandbox_argv = [PYTHON, "-m", "payparts_helpers.sandbox", "--port", "0", "--db", str(db)]
        constant_argv = [PYTHON, str(Path(__file__).with_name("constant_json_server.py"))]
        with served(sandbox_argv) as sandbox_url, served(constant_argv) as constant_url:
            sandbox = Load(wrk, script, sandbox_url)
            ceiling = Load(wrk, script, constant_url)
            for load in (ceiling, sandbox):
                load.run(WARMUP_SECONDS)
            ceiling_rates, sandbox_rates = interleaved(
                lambda: ceiling.run(SECONDS), lambda: sandbox.run(SECONDS), rounds=ROUNDS, warmup=0
            )
            rows = stored_rows(db)
    result = Result(
        name="bench_sandbox_throughput.py",
        what=f"sandbox creates per second, {CONNECTIONS} concurrent connections",
        compared_with="a constant-JSON endpoint on the same stack (its ceiling)",
        unit="creates/s",
        baseline=statistics.median(ceiling_rates),
        candidate=statistics.median(sandbox_rates),
        target=TARGET_RATIO,
        higher_is_better=True,
        rounds=ROUNDS,
        baseline_values=ceiling_rates,
        candidate_values=sandbox_rates,
    )
    in_flight = CONNECTIONS * sandbox.runs  # requests cut off when a wrk run stops
    if not sandbox.created <= rows <= sandbox.created + in_flight:
        sandbox.problems.append(
            f"the database holds {rows:,} sessions but wrk counted {sandbox.created:,} creates"
        )
    result.notes.append(
        f"{sandbox.created:,} creates counted, {rows:,} rows in the database "
        f"(≤ {in_flight} in flight when runs stopped)"
    )
    for problem in sandbox.problems + ceiling.problems:
        result.valid = False
        result.notes.append(f"INVALID: {problem}")
    print(
        f"wrk -t{THREADS} -c{CONNECTIONS}, POST {PATH} (minimum request, Basic auth), "
        f"{ROUNDS} interleaved rounds of {SECONDS} s after a {WARMUP_SECONDS} s warm-up (medians)"
    )
    print(
        f"  constant JSON on the same stack      {result.baseline:10.0f} /s"
        f"   (rounds {spread(ceiling_rates)})"
    )
    print(
        f"  sandbox creates                      {result.candidate:10.0f} /s"
        f"   (rounds {spread(sandbox_rates)})"
    )
    return finish(result)


if __name__ == "__main__":
    raise SystemExit(main())
