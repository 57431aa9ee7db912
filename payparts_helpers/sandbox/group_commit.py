"""Group commit: creates that arrive together are written in one SQLite transaction.

Each create's answer still waits until its own row is committed, so a session
whose create returned 201 survives a crash of the process. What changes is the
cost under concurrency: eight clients creating at once pay for one commit, not
eight (a commit, not the insert, is most of SQLite's time here).
"""

from __future__ import annotations

import asyncio

from .store import SessionStore, StoredSession

__all__ = ["GroupCommit"]


class GroupCommit:
    """Collects the sessions added during one turn of the event loop and commits them at once."""

    def __init__(self, store: SessionStore) -> None:
        self._store = store
        self._pending: list[tuple[StoredSession, asyncio.Future[None]]] = []

    async def add(self, session: StoredSession) -> None:
        """Return once ``session`` is committed; raise what the commit raised."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._pending.append((session, done))
        if len(self._pending) == 1:
            # Runs after every request that is already ready in this turn has queued its row.
            loop.call_soon(self._commit)
        await done

    def _commit(self) -> None:
        batch, self._pending = self._pending, []
        try:
            self._store.add(*(session for session, _ in batch))
        except Exception as error:  # every waiter learns that its row is not stored
            for _, done in batch:
                if not done.done():
                    done.set_exception(error)
            return
        for _, done in batch:
            if not done.done():
                done.set_result(None)
