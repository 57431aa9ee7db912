"""Contract drift watch: record what a live host answers, compare it with the sandbox's answers.

``payparts record --env beta`` sends a fixed, safe probe set (:data:`PROBES`) with the
user's credentials and writes one redacted JSON file per exchange;
``payparts drift DIR`` replays the same requests against a fresh sandbox and lists
every difference, each naming the sandbox assumption (docs/sandbox.md) it
contradicts. From Python::

    from payparts_helpers.drift import record, replay, settings_for

    recording = record("drift-beta", settings_for("beta"))
    report = replay(recording.directory)
    print(report.text())

The comparison itself is pure: :mod:`payparts_helpers.checks.drift`. See docs/drift.md.
"""

from .probes import PROBES, WRONG_SECRET, Probe
from .recording import (
    ProgressCallback,
    Recording,
    RecordingError,
    default_out_dir,
    load_recording,
    record,
    settings_for,
    terminal_progress,
)
from .replay import ASSUMPTIONS_LINK, DriftReport, replay

__all__ = [
    "ASSUMPTIONS_LINK",
    "PROBES",
    "WRONG_SECRET",
    "DriftReport",
    "Probe",
    "ProgressCallback",
    "Recording",
    "RecordingError",
    "default_out_dir",
    "load_recording",
    "record",
    "replay",
    "settings_for",
    "terminal_progress",
]
