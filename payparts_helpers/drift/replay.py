"""Replay: send a recording's requests to a fresh sandbox and compare the two sets of answers.

The sandbox is a temporary one (its own database, the demo merchant), started for
the replay and gone after it, so the user's sandbox data is never touched. A GET
of a session the recording created fetches the session the sandbox created for the
same probe. The comparison itself is :func:`..checks.drift.compare_recordings`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..checks.drift import DriftRow, Exchange, compare_recordings, drift_table
from ..rules.examples import DEMO_SECRET, DEMO_SL_CODE
from ..rules.redaction import basic_credentials_forms
from .probes import WRONG_SECRET, Probe
from .recording import ProgressCallback, capturing_client, load_recording, send_probes

if TYPE_CHECKING:
    import pandas

__all__ = ["ASSUMPTIONS_LINK", "DriftReport", "replay"]

ASSUMPTIONS_LINK = "docs/sandbox.md#sandbox-assumptions"
COLUMNS = ("probe", "aspect", "live", "sandbox", "assumption", "note")


@dataclass(frozen=True)
class DriftReport:
    """A recording, the sandbox's answers to the same requests, and their differences."""

    recording: Mapping[str, Any]
    live: tuple[Exchange, ...]
    sandbox: tuple[Exchange, ...]
    rows: tuple[DriftRow, ...]

    @property
    def agrees(self) -> bool:
        return not self.rows

    @property
    def environment(self) -> str:
        return str(self.recording.get("environment", "?"))

    def verdict(self) -> str:
        """One sentence, the same on every run with the same answers."""
        probes = len(self.live)
        where = f"the recorded host ({self.environment})"
        if self.agrees:
            return f"no drift: the sandbox answered all {probes} probes as {where} did"
        differing = len({p for row in self.rows for p in row.probes})
        rows = f"{len(self.rows)} difference{'s' if len(self.rows) != 1 else ''}"
        return f"drift: {rows} in {differing} of {probes} probes between {where} and the sandbox"

    def frame(self) -> pandas.DataFrame:
        """The rows as a DataFrame (columns probe, aspect, live, sandbox, assumption, note)."""
        import pandas

        data = [row.as_dict() for row in self.rows]
        frame = pandas.DataFrame(data, columns=list(COLUMNS))
        frame["assumption"] = frame["assumption"].astype("Int64")
        return frame

    def probes_frame(self) -> pandas.DataFrame:
        """One row per probe: its request and each side's status."""
        import pandas

        sandbox = {e.probe: e for e in self.sandbox}
        rows = [
            {
                "probe": e.probe,
                "request": e.request_line,
                "live": _status_text(e),
                "sandbox": _status_text(sandbox[e.probe]) if e.probe in sandbox else "-",
            }
            for e in self.live
        ]
        return pandas.DataFrame(rows, columns=["probe", "request", "live", "sandbox"])

    def to_json(self) -> dict[str, Any]:
        return {
            "recording": dict(self.recording),
            "probes": len(self.live),
            "differences": len(self.rows),
            "verdict": self.verdict(),
            "assumptions": ASSUMPTIONS_LINK,
            "rows": [row.as_dict() for row in self.rows],
        }

    def text(self) -> str:
        """The report for a terminal: where the recording came from, the table, the verdict."""
        head = (
            f"recording: {self.environment} at {self.recording.get('host', '?')}, "
            f"{len(self.live)} probes, replayed against a fresh sandbox\n"
        )
        if self.agrees:
            return head + self.verdict() + "\n"
        legend = (
            f"# is the sandbox assumption each difference contradicts ({ASSUMPTIONS_LINK}); "
            "- the contract itself\n\n"
        )
        return head + legend + drift_table(self.rows) + "\n" + self.verdict() + "\n"


def replay(
    recording: str | Path | Sequence[Exchange], *, on_progress: ProgressCallback | None = None
) -> DriftReport:
    """Replay a recording (its directory, or its exchanges) against a fresh sandbox."""
    from ..sandbox import start_sandbox

    live = load_recording(recording) if isinstance(recording, str | Path) else list(recording)
    probes = [_probe_of(exchange) for exchange in live]
    meta = {"environment": "sandbox", "host": "a fresh sandbox"}
    forms = [
        *basic_credentials_forms(DEMO_SL_CODE, DEMO_SECRET),
        *basic_credentials_forms(DEMO_SL_CODE, WRONG_SECRET),
    ]
    with (
        tempfile.TemporaryDirectory(prefix="payparts-drift-", ignore_cleanup_errors=True) as tmp,
        start_sandbox(port=0, db_path=Path(tmp) / "sandbox.sqlite3") as sandbox,
        capturing_client(DEMO_SL_CODE, DEMO_SECRET, sandbox.url) as client,
        capturing_client(DEMO_SL_CODE, WRONG_SECRET, sandbox.url) as wrong,
    ):
        answered = send_probes(probes, client, wrong, meta, forms, on_progress=on_progress)
    by_probe = {e.probe: e for e in answered}
    sandbox_exchanges = [
        by_probe.get(e.probe) or _not_replayed(probes[index]) for index, e in enumerate(live)
    ]
    rows = compare_recordings(live, sandbox_exchanges)
    recorded = live[0].recording if live else {}
    return DriftReport(dict(recorded), tuple(live), tuple(sandbox_exchanges), tuple(rows))


def _probe_of(exchange: Exchange) -> Probe:
    """The probe that made a recorded exchange, rebuilt from the file alone."""
    fixed = None if exchange.of is not None else exchange.path.rsplit("/", 1)[-1]
    return Probe(
        name=exchange.probe,
        kind=exchange.kind,
        assumption=exchange.assumption,
        method=exchange.method,
        body=exchange.request_body if exchange.method == "POST" else None,
        session_id=fixed if exchange.method == "GET" else None,
        of=exchange.of,
        wrong_secret=exchange.wrong_secret,
    )


def _not_replayed(probe: Probe) -> Exchange:
    return Exchange(
        probe=probe.name,
        kind=probe.kind,
        assumption=probe.assumption,
        method=probe.method,
        template=probe.template,
        path=probe.template,
        of=probe.of,
        wrong_secret=probe.wrong_secret,
        error=f"not sent: the sandbox created no session for {probe.of!r}",
    )


def _status_text(exchange: Exchange) -> str:
    return str(exchange.status) if exchange.answered else "no answer"
