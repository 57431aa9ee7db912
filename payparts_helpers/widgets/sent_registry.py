"""What this kernel sent, per session id, so the Get form can offer the ids and diff.

The sandbox keeps requests too, but only the embedded one shares this process;
against beta or production the kernel is the only place that knows what was sent.
Kernel-wide (module state), thread-safe, bounded, and holding deep copies so later
edits of a form's dict cannot change the record. Forms that offer the ids
:func:`subscribe` to hear of each new one (held weakly: a listener never keeps a
form alive).
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

__all__ = ["clear", "known_ids", "remember", "sent_request", "subscribe"]

_LIMIT = 500

_lock = threading.Lock()
_sent: OrderedDict[str, dict[str, Any]] = OrderedDict()
_listeners: list[weakref.ref[Any]] = []


def subscribe(listener: Callable[[str], None]) -> None:
    """Call ``listener(session_id)`` after each :func:`remember`, while its owner lives."""
    ref = weakref.WeakMethod(listener) if inspect.ismethod(listener) else weakref.ref(listener)
    with _lock:
        _listeners.append(ref)


def remember(session_id: str, request: dict[str, Any]) -> None:
    """Record the request body that created ``session_id`` (newest last, oldest dropped)."""
    with _lock:
        _sent.pop(session_id, None)
        _sent[session_id] = copy.deepcopy(request)
        while len(_sent) > _LIMIT:
            _sent.popitem(last=False)
        alive = [(ref, ref()) for ref in _listeners]
        _listeners[:] = [ref for ref, listener in alive if listener is not None]
    for _ref, listener in alive:
        if listener is not None:
            # a listener's failure must not undo the create that was just recorded
            with contextlib.suppress(Exception):
                listener(session_id)


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
