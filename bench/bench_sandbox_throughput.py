"""How many sessions per second does the sandbox create, next to Prism and its stack's ceiling?

A measurement, not a test. Three servers run side by side, each in its own process on
127.0.0.1:

- the sandbox (``python -m payparts_helpers.sandbox``, a temporary SQLite database in
  WAL mode): the candidate;
- Stoplight Prism (``prism mock``, pinned in bench/package.json, installed by ``npm ci
  --prefix bench``) mocking the sandbox's own ``/openapi.json``, fetched from the
  running sandbox, run as its documentation shows (default options: it validates the
  request and the Basic auth the document requires, answers the schema's static
  example, and logs each request, here to /dev/null): what a team would use instead;
- ``constant_json_server.py``, a Starlette app whose one route answers a constant JSON
  body, served by the sandbox's own ``uvicorn_server`` (same settings, one process,
  one event loop): the stack's ceiling.

The load generator is wrk (C, its own process, no GIL on the client side): one thread,
``CONNECTIONS`` keep-alive connections POSTing the contract's minimum request with
the demo merchant's Basic auth to ``/v1/session/start`` for ``SECONDS`` per run. Each
round runs all three back to back, the order rotating round by round; the server's
CPU (``/proc/<pid>/stat``) is read before and after each run. Only 201 answers count
as creates (wrk's Lua ``response`` hook counts them; any other answer or socket error
invalidates the run), and the sandbox's database must hold as many rows as creates
were counted (plus at most one in-flight request per connection and run). Two results
from the one run, each a paired per-round ratio of creates per second: sandbox vs
Prism (target ≥ 2.5×) and sandbox vs the ceiling (target ≥ 0.7×), with the servers'
CPU per request beside them.

Needs wrk (``apt-get install -y wrk``) and Prism (``npm ci --prefix bench``; its package
asks for node ≥ 24.18, npm warns EBADENGINE, and it runs on node 20 all the same):
without either it says so and exits 2. Run:
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

import requests
from common import (
    BENCH_DIR,
    PYTHON,
    Result,
    Sample,
    Server,
    finish,
    free_port,
    interleaved,
    served,
    spread,
)

from payparts_helpers.rules import examples
from payparts_helpers.sandbox import DEMO_MERCHANT

CONNECTIONS = 8
# One wrk thread drives the 8 connections: on this 2-core machine that leaves the other
# core to the server's single event loop. With two wrk threads the load generator and
# the server competed for both cores and the rounds varied by ±20 %.
THREADS = 1
SECONDS = 1
WARMUP_SECONDS = 2
# node compiles Prism's hot paths while it serves: its rate climbs for ~6 s (1,000 → 1,600/s
# here), then holds. Measured from a cold start, its first rounds would be half-speed.
PRISM_WARMUP_SECONDS = 8
ROUNDS = 21
TARGET_VS_PRISM = 2.5
TARGET_VS_CEILING = 0.7
PATH = "/v1/session/start"
PRISM = BENCH_DIR / "node_modules" / ".bin" / "prism"

# Every answer goes through the response hook, for every server alike. Each wrk thread
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

    def __init__(self, wrk: str, script: Path, server: Server) -> None:
        self.wrk, self.script, self.server = wrk, script, server
        self.created = self.runs = 0
        self.problems: list[str] = []

    def run(self, seconds: int) -> Sample:
        """One wrk run: creates (201 answers) per second, and server CPU s per request."""
        argv = [self.wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s"]
        cpu = self.server.cpu()
        output = subprocess.run(
            [*argv, str(self.script), self.server.url + PATH],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 30,
        ).stdout
        used = self.server.cpu() - cpu
        match = _BENCH_LINE.search(output)
        if match is None:
            raise RuntimeError(f"wrk printed no BENCH line:\n{output}")
        created, other, requests, duration_us, errors = map(int, match.groups())
        self.created += created
        self.runs += 1
        if other or errors or created != requests or not requests:
            self.problems.append(
                f"{self.server.url}: {other} non-201 answers, {errors} socket errors, "
                f"{created} creates of {requests} requests"
            )
        return Sample(created / (duration_us / 1e6), used / max(requests, 1))


def stored_rows(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return conn.execute("SELECT count(*) FROM sessions").fetchone()[0]


def missing_tools() -> str | None:
    """What cannot run here, and how to install it; None when wrk and Prism are there."""
    if shutil.which("wrk") is None:
        return (
            "wrk is not installed: it is the load generator of this benchmark.\n"
            "Install it with: sudo apt-get install -y wrk   (Debian/Ubuntu)"
        )
    if shutil.which("node") is None or not PRISM.exists():
        return (
            "Stoplight Prism is not installed: it is one of the servers compared.\n"
            "Install it with: npm ci --prefix bench --ignore-scripts   (make bench does it)"
        )
    return None


def prism_version() -> str:
    package = PRISM.resolve().parents[1] / "package.json"
    return str(json.loads(package.read_text(encoding="utf-8"))["version"])


def main() -> int:
    problem = missing_tools()
    if problem:
        print(problem, file=sys.stderr)
        print("no figure: this benchmark did not run")
        return 2
    wrk, node = shutil.which("wrk") or "wrk", shutil.which("node") or "node"
    with tempfile.TemporaryDirectory(prefix="payparts-bench-") as scratch:
        script = Path(scratch) / "create.lua"
        script.write_text(lua_script(), encoding="utf-8")
        db = Path(scratch) / "sandbox.sqlite3"
        document = Path(scratch) / "openapi.json"
        sandbox_argv = [PYTHON, "-m", "payparts_helpers.sandbox", "--port", "0", "--db", str(db)]
        constant_argv = [PYTHON, str(BENCH_DIR / "constant_json_server.py")]
        port = free_port()
        # node itself, not the bin's "#!/usr/bin/env node": the pid is then Prism's.
        prism_argv = [node, str(PRISM.resolve()), "mock", "-h", "127.0.0.1", "-p", str(port)]
        with served(sandbox_argv) as sandbox_server, served(constant_argv) as constant_server:
            answer = requests.get(sandbox_server.url + "/openapi.json", timeout=10)
            answer.raise_for_status()
            document.write_bytes(answer.content)
            with served([*prism_argv, str(document)], url=f"http://127.0.0.1:{port}") as prism:
                loads = [
                    Load(wrk, script, server) for server in (constant_server, prism, sandbox_server)
                ]
                ceiling, mock, sandbox = loads
                for load in loads:
                    load.run(PRISM_WARMUP_SECONDS if load is mock else WARMUP_SECONDS)
                ceiling_rounds, prism_rounds, sandbox_rounds = interleaved(
                    [lambda load=load: load.run(SECONDS) for load in loads],
                    rounds=ROUNDS,
                    warmup=0,
                )
            rows = stored_rows(db)
    shared = {
        "what": f"sandbox creates per second, {CONNECTIONS} concurrent connections",
        "unit": "creates/s",
        "higher_is_better": True,
        "cpu_unit": "ms per request",
        "cpu_label": "the servers",
    }
    vs_prism = Result.from_samples(
        prism_rounds,
        sandbox_rounds,
        cpu_scale=1000,
        name="bench_sandbox_throughput.py (vs Prism)",
        compared_with=f"Stoplight Prism {prism_version()} mocking the sandbox's openapi.json",
        target=TARGET_VS_PRISM,
        **shared,
    )
    vs_ceiling = Result.from_samples(
        ceiling_rounds,
        sandbox_rounds,
        cpu_scale=1000,
        name="bench_sandbox_throughput.py (vs ceiling)",
        compared_with="a constant-JSON endpoint on the same stack (its ceiling)",
        target=TARGET_VS_CEILING,
        candidate_does_more=True,  # the ceiling's work, plus validation and a database row
        **shared,
    )
    vs_prism.notes.append(
        "Prism validates the request and its Basic auth, then answers the schema's static "
        'example ({"sessionId":"string",…}, which breaks the document\'s own patterns: it '
        "logs a violation per answer) and stores nothing; the sandbox stores a row per create"
    )
    in_flight = CONNECTIONS * sandbox.runs  # requests cut off when a wrk run stops
    if not sandbox.created <= rows <= sandbox.created + in_flight:
        sandbox.problems.append(
            f"the database holds {rows:,} sessions but wrk counted {sandbox.created:,} creates"
        )
    vs_ceiling.notes.append(
        f"{sandbox.created:,} creates counted, {rows:,} rows in the database "
        f"(≤ {in_flight} in flight when runs stopped)"
    )
    for result, loads_compared in ((vs_prism, (mock, sandbox)), (vs_ceiling, (ceiling, sandbox))):
        for load in loads_compared:
            for invalid in load.problems:
                result.valid = False
                result.notes.append(f"INVALID: {invalid}")
    print(
        f"wrk -t{THREADS} -c{CONNECTIONS}, POST {PATH} (minimum request, Basic auth), "
        f"{ROUNDS} rounds of {SECONDS} s per server, the order rotating, after a "
        f"{WARMUP_SECONDS} s warm-up of each ({PRISM_WARMUP_SECONDS} s for Prism) "
        "(medians; server CPU from /proc)"
    )
    for label, rounds_of in (
        ("constant JSON on the same stack", ceiling_rounds),
        (f"Prism {prism_version()}", prism_rounds),
        ("sandbox creates", sandbox_rounds),
    ):
        rates = [s.value for s in rounds_of]
        cpu_ms = statistics.median(s.cpu * 1000 for s in rounds_of)
        print(
            f"  {label:35s}{statistics.median(rates):8.0f} /s   (rounds {spread(rates)}), "
            f"server CPU {cpu_ms:.3f} ms per request"
        )
    return finish([vs_prism, vs_ceiling])


if __name__ == "__main__":
    raise SystemExit(main())
