"""What do the notebooks cost under nbval, next to as many empty notebooks?

A measurement, not a test. The candidate is ``pytest`` over every notebook in
``notebooks/`` with the Makefile's ``NBVAL`` flags (read from the Makefile, so
they cannot drift); the baseline is the same command over the same number of
empty notebooks (one trivial code cell each, no output, the same kernel), in a
temporary folder. Both use the
project's pytest configuration (``-c pyproject.toml``), a throwaway sandbox
database and no PAYPARTS_* settings from the shell. Each measurement is the wall
time of the whole command, and the CPU of it and its kernels (``RUSAGE_CHILDREN``);
runs alternate after a warm-up (one run over the empty notebooks: it loads pytest,
nbval and a kernel into the page cache, which both sides share, at a third of the
cost of warming both), each round's ratio is paired, and the median ratio is held
to the target (≤ 2×). A run that does not pass does not count. pytest's own "passed
in" times (start-up excluded) are shown too.

Run: ``.venv/bin/python bench/bench_nbval.py``
"""

from __future__ import annotations

import re
import shlex
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat
from common import (
    PYTHON,
    REPO,
    Result,
    Sample,
    bench_env,
    children_cpu,
    finish,
    interleaved,
    spread,
)

NOTEBOOKS = REPO / "notebooks"
ROUNDS = 6  # the fewest with a 95% CI of the median (ranks 1 and 6); a round is ~40 s
TARGET_RATIO = 2.0
_PASSED_IN = re.compile(r"(\d+) passed.* in ([\d.]+)s")


def nbval_flags() -> list[str]:
    """The ``NBVAL := …`` flags of the Makefile, exactly as ``make test`` passes them."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^NBVAL\s*:?=\s*(.+)$", makefile, re.MULTILINE)
    if match is None:
        raise RuntimeError("the Makefile defines no NBVAL variable")
    return shlex.split(match.group(1))


def write_empty_notebooks(folder: Path, like: list[Path]) -> None:
    """One notebook per real one: same kernel, one code cell that prints nothing."""
    for number, original in enumerate(like):
        kernelspec = nbformat.read(original, as_version=4).metadata.get("kernelspec")
        notebook = nbformat.v4.new_notebook()
        if kernelspec:
            notebook.metadata["kernelspec"] = kernelspec
        notebook.cells = [nbformat.v4.new_code_cell("x = 1")]
        nbformat.write(notebook, folder / f"empty_{number:02d}.ipynb")


class Run:
    """``pytest <folder> <NBVAL flags>``; keeps pytest's own timings and any failure."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.argv = [PYTHON, "-m", "pytest", str(folder), *nbval_flags(), "-q"]
        self.argv += ["-c", str(REPO / "pyproject.toml"), "--rootdir", str(REPO)]
        self.env = env
        self.folder = folder
        self.session_seconds: list[float] = []
        self.cells = 0
        self.failures: list[str] = []

    def __call__(self) -> Sample:
        cpu, start = children_cpu(), time.perf_counter()
        completed = subprocess.run(
            self.argv, cwd=REPO, env=self.env, capture_output=True, text=True, check=False
        )
        wall = time.perf_counter() - start
        used = children_cpu() - cpu
        summary = _PASSED_IN.search(completed.stdout.splitlines()[-1] if completed.stdout else "")
        if completed.returncode != 0 or summary is None:
            tail = "\n".join(completed.stdout.splitlines()[-15:])
            self.failures.append(f"pytest {self.folder} exited {completed.returncode}")
            print(f"  a run failed ({completed.returncode}):\n{tail}")
        else:
            self.cells = int(summary.group(1))
            self.session_seconds.append(float(summary.group(2)))
        return Sample(wall, used)


def main() -> int:
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    with tempfile.TemporaryDirectory(prefix="payparts-bench-") as scratch:
        empty = Path(scratch) / "empty_notebooks"
        empty.mkdir()
        write_empty_notebooks(empty, notebooks)
        env = bench_env(PAYPARTS_SANDBOX_DB=str(Path(scratch) / "sandbox.sqlite3"))
        baseline, candidate = Run(empty, env), Run(NOTEBOOKS, env)
        baseline()  # the warm-up
        base, cand = interleaved([baseline, candidate], rounds=ROUNDS, warmup=0)
    result = Result.from_samples(
        base,
        cand,
        name="bench_nbval.py",
        what=f"pytest --nbval over the {len(notebooks)} notebooks",
        compared_with=f"the same over {len(notebooks)} empty notebooks",
        unit="s",
        target=TARGET_RATIO,
        candidate_does_more=True,
        cpu_unit="s",
        cpu_label="pytest and its kernels",
    )
    for run in (baseline, candidate):
        if run.failures:
            result.valid = False
            result.notes.append(f"INVALID: {'; '.join(run.failures)}")
    if baseline.session_seconds and candidate.session_seconds:
        base_session = statistics.median(baseline.session_seconds)
        cand_session = statistics.median(candidate.session_seconds)
        result.notes.append(
            f"pytest's own 'passed in' times, start-up excluded: empty {base_session:.2f} s, "
            f"notebooks {cand_session:.2f} s, ratio {cand_session / base_session:.2f}× "
            f"({baseline.cells} and {candidate.cells} cells passed)"
        )
    print(f"flags from the Makefile: {shlex.join(nbval_flags())}")
    print(
        f"pytest over {len(notebooks)} notebooks, wall time of the whole command, "
        f"{ROUNDS} interleaved rounds after a warm-up (medians)"
    )
    paired = result.paired
    print(
        f"  {len(notebooks)} empty notebooks                      {paired.baseline:10.2f} s"
        f"   (rounds {spread(result.baseline_values)})"
    )
    print(
        f"  notebooks/                           {paired.candidate:10.2f} s"
        f"   (rounds {spread(result.candidate_values)})"
    )
    return finish(result)


if __name__ == "__main__":
    raise SystemExit(main())
