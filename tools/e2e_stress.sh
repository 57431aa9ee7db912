#!/usr/bin/env bash
# The browser tests (tests/e2e), ROUNDS times in a row, while every CPU is kept busy:
# the proof that they wait for state, not for time (issue 16). Prints, per test, its
# failures and the median and maximum duration of its call; exits 1 on any failure
# or skip. `make e2e-stress` runs it.
#
#   E2E_STRESS_ROUNDS=10   rounds (default 10)
#   E2E_STRESS_WORKERS=N   CPU hogs (default: one per CPU, `nproc`)
#   E2E_STRESS_PYTHON=.venv/bin/python
#
# The load is Debian's stress-ng when installed (apt-get install stress-ng), else one
# busy loop per CPU in this shell; either way it is bounded by a deadline and stopped,
# by its process id, when the rounds end.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${E2E_STRESS_ROUNDS:-10}
WORKERS=${E2E_STRESS_WORKERS:-$(nproc)}
PYTHON=${E2E_STRESS_PYTHON:-.venv/bin/python}
BOUND_S=$((ROUNDS * 900))  # the load never outlives the rounds by much, even if killed
OUT=$(mktemp -d "${TMPDIR:-/tmp}/payparts-e2e-stress.XXXXXX")
LOAD_PIDS=()

stop_load() {
  for pid in "${LOAD_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${LOAD_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  LOAD_PIDS=()
}
trap stop_load EXIT
trap 'exit 130' INT TERM

if command -v stress-ng >/dev/null; then
  LOAD="stress-ng --cpu $WORKERS"
  stress-ng --cpu "$WORKERS" --timeout "${BOUND_S}s" --quiet >"$OUT/load.log" 2>&1 &
  LOAD_PIDS+=("$!")
else
  LOAD="$WORKERS busy loop(s) (stress-ng is not installed)"
  for _ in $(seq "$WORKERS"); do
    (
      end=$((SECONDS + BOUND_S))
      while ((SECONDS < end)); do :; done
    ) &
    LOAD_PIDS+=("$!")
  done
fi

echo "e2e stress: $ROUNDS round(s) of tests/e2e on $(nproc) CPU(s) under $LOAD; reports in $OUT"
for round in $(seq "$ROUNDS"); do
  started=$SECONDS
  status=0
  "$PYTHON" -m pytest tests/e2e -q -p no:cacheprovider -o junit_duration_report=call \
    --junitxml="$OUT/round-$round.xml" >"$OUT/round-$round.log" 2>&1 || status=$?
  echo "round $round/$ROUNDS: exit $status in $((SECONDS - started)) s ($(tail -n 1 "$OUT/round-$round.log"))"
done
stop_load

"$PYTHON" - "$OUT" "$ROUNDS" <<'PY'
"""Per test: rounds run, failures, median and max duration of its call, from the JUnit XML."""

import statistics
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

out, rounds = Path(sys.argv[1]), int(sys.argv[2])
runs: dict[str, list[tuple[float, str]]] = {}
missing = []
for number in range(1, rounds + 1):
    report = out / f"round-{number}.xml"
    if not report.exists():
        missing.append(number)
        continue
    for case in ET.parse(report).iter("testcase"):
        name = f"{case.get('classname', '').rsplit('.', 1)[-1]}::{case.get('name')}"
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = {"failure": "failed", "error": "error"}.get(child.tag, "skipped")
        runs.setdefault(name, []).append((float(case.get("time", 0)), outcome))

width = max([len(name) for name in runs] + [4])
print(f"\n{'test':<{width}}  runs  failures  skipped  median s  max s")
bad = bool(missing) or not runs
for name, results in sorted(runs.items()):
    times = [t for t, _ in results]
    failures = sum(outcome in ("failed", "error") for _, outcome in results)
    skipped = sum(outcome == "skipped" for _, outcome in results)
    bad = bad or failures > 0 or skipped > 0 or len(results) != rounds
    print(
        f"{name:<{width}}  {len(results):>4}  {failures:>8}  {skipped:>7}"
        f"  {statistics.median(times):>8.1f}  {max(times):>5.1f}"
    )
total = sum(outcome in ("failed", "error") for r in runs.values() for _, outcome in r)
print(f"\n{total} failure(s) in {rounds} round(s) under load", end="")
print(f"; rounds without a report: {missing}" if missing else "")
if bad:
    print(f"NOT clean: see the round logs in {out}")
sys.exit(1 if bad else 0)
PY
