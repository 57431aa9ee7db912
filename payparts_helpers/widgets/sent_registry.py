"""What this kernel sent, per session id, so the Get form can offer the ids and diff.

The sandbox keeps requests too, but only the embedded one shares this process;
against beta or production the kernel is the only place that knows what was sent.
Kernel-wide (module state), thread-safe, bounded, and holding deep copies so later
edits of a form's dict cannot change the record.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from typing import Any

__all__ = ["clear", "known_ids", "remember", "sent_request"]

_LIMIT = 500
_lock = threading.Lock()
_sent: OrderedDict[str, dict[str, Any]] = OrderedDict()


def remember(session_id: str, request: dict[str, Any]) -> None:
    """Record the request body that created ``session_id`` (newest last, oldest dropped)."""
    with _lock:
        _sent.pop(session_id, None)
        _sent[session_id] = copy.deepcopy(request)
        while len(_sent) > _LIMIT:
            _sent.popitem(last=False)


def sent_request(session_id: str) -> dict[str, Any] | None:
    """A copy of what was sent for ``session_id``, or None when this kernel did not send it."""
    with _lock:
        request = _sent.get(session_id)
        return copy.deepcopy(request) if request is not None else None


def known_ids() -> list[str]:
    """Ids created from this kernel, newest first."""
    with _lock:
        return list(reversed(_sent))


def clear() -> None:
    """Forget everything (tests, or a fresh start without restarting the kernel)."""
    with _lock:
        _sent.clear()
