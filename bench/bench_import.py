"""How long does ``import payparts_helpers`` take, next to ``import requests``?

Each measurement is a fresh interpreter (``python -c``) that times the import
statement alone, with ``perf_counter`` and ``process_time`` (its own CPU), and prints
both: interpreter start-up is not counted, and nothing is cached in ``sys.modules``
from an earlier round. The two are interleaved after a warm-up (which also leaves
both in the OS page cache and their bytecode compiled); each round's ratio is paired
and the median ratio is held to the target (≤ 2×). For information, ``from
payparts_helpers import PayPartsClient`` (which loads requests too) is timed the same
way.

Run: ``.venv/bin/python bench/bench_import.py``
"""

from __future__ import annotations

import statistics
import subprocess

from common import PYTHON, REPO, Result, Sample, bench_env, finish, interleaved, spread

ROUNDS = 61
TARGET_RATIO = 2.0


def import_sample(statement: str) -> Sample:
    """Wall and CPU seconds ``statement`` takes in a fresh interpreter, start-up excluded."""
    code = (
        "import time\n"
        "start, cpu = time.perf_counter(), time.process_time()\n"
        f"{statement}\n"
        "print(repr(time.perf_counter() - start), repr(time.process_time() - cpu))\n"
    )
    output = subprocess.run(
        [PYTHON, "-c", code], cwd=REPO, env=bench_env(), capture_output=True, text=True, check=True
    ).stdout
    wall, cpu = output.strip().splitlines()[-1].split()
    return Sample(float(wall), float(cpu))


def main() -> int:
    base, cand = interleaved(
        [
            lambda: import_sample("import requests"),
            lambda: import_sample("import payparts_helpers"),
        ],
        rounds=ROUNDS,
    )
    client_times = [
        import_sample("from payparts_helpers import PayPartsClient").value for _ in range(7)
    ]
    result = Result.from_samples(
        base,
        cand,
        scale=1000,
        name="bench_import.py",
        what="import payparts_helpers",
        compared_with="import requests",
        unit="ms",
        target=TARGET_RATIO,
        cpu_unit="ms",
        cpu_label="the importing interpreter",
    )
    client_ms = statistics.median(client_times) * 1000
    result.notes.append(
        f"for information: from payparts_helpers import PayPartsClient {client_ms:.1f} ms "
        "(median of 7), which loads requests as well"
    )
    paired = result.paired
    print(f"import in a fresh interpreter, {ROUNDS} interleaved rounds after a warm-up (medians)")
    print(
        f"  import requests                      {paired.baseline:10.2f} ms"
        f"   (rounds {spread(result.baseline_values)})"
    )
    print(
        f"  import payparts_helpers              {paired.candidate:10.2f} ms"
        f"   (rounds {spread(result.candidate_values)})"
    )
    return finish(result)


if __name__ == "__main__":
    raise SystemExit(main())
