"""The core install: a wheel built with uv, into an empty venv, runs the sandbox and the checks.

What a CI job installs to check a shop: no Jupyter, pandas, matplotlib or ipywidgets.
The wheel is built from this checkout and installed with ``uv pip install`` (PyPI, or
uv's cache), the figures (packages, seconds) are printed for the closing note, and the
installed ``payparts`` runs a sandbox and ``payparts check`` against it and the
reference shop (started from this checkout, as a shop of the integrator's own would be).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from payparts_helpers.regression import reference_shop
from payparts_helpers.rules import examples
from payparts_helpers.sandbox import DEMO_MERCHANT

from .sandbox_process import SandboxProcess

REPO = Path(__file__).resolve().parents[1]
UV = Path(sys.executable).with_name("uv")
NOT_IN_THE_CORE = (
    "jupyter",
    "jupyterlab",
    "notebook",
    "ipykernel",
    "ipywidgets",
    "pandas",
    "matplotlib",
    "voila",
    "papermill",
    "jinja2",
)


def uv(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(UV), *args], capture_output=True, text=True, check=True, timeout=300)


@pytest.fixture(scope="module")
def lean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ folder of a venv holding only the wheel and its core dependencies."""
    scratch = tmp_path_factory.mktemp("lean")
    uv("build", "--wheel", "--out-dir", str(scratch / "dist"), "--quiet", str(REPO))
    (wheel,) = (scratch / "dist").glob("payparts_helpers-*.whl")
    venv = scratch / "venv"
    uv("venv", "--quiet", "--python", sys.executable, str(venv))
    started = time.perf_counter()
    uv("pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), str(wheel))
    seconds = time.perf_counter() - started
    listed = uv("pip", "list", "--python", str(venv / "bin" / "python"), "--format", "freeze")
    packages = [line.split("==")[0].lower() for line in listed.stdout.split()]
    print(f"\ncore install: {len(packages)} packages in {seconds:.2f} s: {', '.join(packages)}")
    assert not [p for p in packages if p.startswith(NOT_IN_THE_CORE)], packages
    assert len(packages) < 20, packages
    return venv / "bin"


def test_the_core_install_runs_the_sandbox_and_checks_a_shop(lean: Path, tmp_path: Path) -> None:
    sandbox = SandboxProcess(tmp_path / "s.sqlite3", tmp_path, python=str(lean / "python"))
    url = sandbox.start()
    try:
        with reference_shop(url, DEMO_MERCHANT.sl_code, DEMO_MERCHANT.secret) as shop:
            run = subprocess.run(
                [
                    str(lean / "payparts"),
                    "check",
                    "--base-url",
                    url,
                    "--shop-url",
                    shop.url,
                    "--junit",
                    str(tmp_path / "report.xml"),
                ],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
    finally:
        sandbox.stop()
    assert run.returncode == 0, run.stdout + run.stderr
    assert " passed, 0 failed, " in run.stdout
    assert (tmp_path / "report.xml").read_text(encoding="utf-8").startswith("<?xml")


def test_without_a_shop_the_core_install_says_what_to_pass(lean: Path) -> None:
    run = subprocess.run(
        [str(lean / "payparts"), "check"], capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 2, run.stdout + run.stderr
    assert "no shop to check: pass --shop-url" in run.stderr


def test_the_core_install_shows_order_lines_without_pandas(lean: Path, tmp_path: Path) -> None:
    probe = "import importlib.util as u; print(u.find_spec('pandas') is None)"
    run = subprocess.run(
        [str(lean / "python"), "-c", probe], capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == "True"
    request = tmp_path / "request.json"
    request.write_text(json.dumps(examples.full_request()), encoding="utf-8")
    sandbox = SandboxProcess(tmp_path / "s.sqlite3", tmp_path, python=str(lean / "python"))
    env = {**os.environ, "PAYPARTS_BASE_URL": sandbox.start()}
    try:
        created = subprocess.run(
            [str(lean / "payparts"), "create", "--json", str(request), "--format", "json"],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            timeout=60,
        )
        session_id = json.loads(created.stdout)["sessionId"]
        shown = subprocess.run(
            [str(lean / "payparts"), "get", session_id],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            timeout=60,
        )
    finally:
        sandbox.stop()
    assert "order lines (the table needs payparts-helpers[lab]):" in shown.stdout
    assert '"productId": "PROD-001"' in shown.stdout


def test_the_ci_script_runs_on_the_core_install_alone(lean: Path, tmp_path: Path) -> None:
    """What examples/ci's templates do: the core's payparts, the script, the PHP handler."""
    from .ports import free_port

    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PAYPARTS_")}
    environ.update(
        SHOP_COMMAND=f"php -S 127.0.0.1:{port} examples/php/router.php",
        SHOP_URL=f"http://127.0.0.1:{port}",
        REPORT=str(tmp_path / "report.xml"),
        PAYPARTS=str(lean / "payparts"),
    )
    run = subprocess.run(
        ["bash", str(REPO / "examples" / "ci" / "payparts-check.sh")],
        cwd=REPO,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert " passed, 0 failed, " in run.stdout
