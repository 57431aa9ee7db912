"""What a scenario is, what it returns, and the context it runs in."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Literal

from ..client.environment import is_loopback_url
from ..client.payparts_client import PayPartsClient
from ..rules.errors import ConfigurationError
from .targets import ShopEndpoints, Target, reference_shop

__all__ = [
    "MatrixContext",
    "Scenario",
    "ScenarioOutcome",
    "Status",
    "TimedAssertionError",
    "passed",
    "skipped",
]

Status = Literal["pass", "fail", "skipped"]


@dataclass(frozen=True)
class ScenarioOutcome:
    """What a scenario returns: ``pass`` with what it checked, or ``skipped`` with why.

    ``elapsed_ms``, when given, is the time of the one answer the scenario is about
    (a shop's answer to the exchange call under test) and becomes the row's
    ``elapsed_ms`` instead of the scenario's whole running time.
    """

    status: Status
    detail: str = ""
    elapsed_ms: float | None = None

    def __post_init__(self) -> None:
        if self.status not in ("pass", "fail", "skipped"):
            raise ValueError(f"status must be pass, fail or skipped, not {self.status!r}")


class TimedAssertionError(AssertionError):
    """A failed check that also says how long the answer it judged took (``elapsed_ms``)."""

    def __init__(self, message: str, elapsed_ms: float | None = None) -> None:
        super().__init__(message)
        self.elapsed_ms = elapsed_ms


def passed(detail: str, elapsed_ms: float | None = None) -> ScenarioOutcome:
    return ScenarioOutcome("pass", detail, elapsed_ms)


def skipped(reason: str) -> ScenarioOutcome:
    return ScenarioOutcome("skipped", reason)


class MatrixContext:
    """What a scenario works with: the target, clients for it, and a restart.

    Clients are built on first use, so a target the client refuses (an empty secret, a
    plain-http remote host) makes the scenarios that need one fail, each with the
    reason, instead of stopping the run. The shop under test (:attr:`shop`) is the
    same: the target's own, or the reference shop, started on first use and stopped
    by :meth:`close`.
    """

    def __init__(self, target: Target) -> None:
        if target.base_url is None:
            raise ValueError("MatrixContext needs a started target (base_url set)")
        self.target = target
        self.base_url: str = target.base_url
        self._clients: list[PayPartsClient] = []
        self._main: PayPartsClient | None = None
        self._other: PayPartsClient | None = None
        self._resources = ExitStack()
        self._shop: ShopEndpoints | None = None
        self._shop_error: Exception | None = None

    @property
    def local_sandbox(self) -> bool:
        """True for a sandbox on this machine: its own violation codes can be compared."""
        return is_loopback_url(self.base_url)

    def new_client(self, sl_code: str, secret: str) -> PayPartsClient:
        """A client for the current URL, closed when the run ends."""
        client = PayPartsClient(sl_code, secret, self.base_url, timeout=15.0)
        self._clients.append(client)
        return client

    @property
    def client(self) -> PayPartsClient:
        if self._main is None:
            self._main = self.new_client(self.target.sl_code, self.target.secret)
        return self._main

    @property
    def other_client(self) -> PayPartsClient:
        if not self.target.has_other:
            raise ConfigurationError("the target has no second sales location")
        if self._other is None:
            self._other = self.new_client(self.target.other_sl_code, self.target.other_secret)
        return self._other

    @property
    def shop(self) -> ShopEndpoints:
        """The shop whose exchange handler is checked: the target's ``shop_url``, or else the
        reference shop (examples/shop/), started now on a free loopback port against this
        sandbox with the target's credentials and stopped when the run ends.

        A shop that cannot be started raises the same error for every scenario that asks.
        """
        if self._shop is not None:
            return self._shop
        if self._shop_error is not None:
            raise self._shop_error
        try:
            if self.target.shop_url:
                self._shop = ShopEndpoints.at(self.target.shop_url, self.target.exchange_url)
            else:
                started = reference_shop(self.base_url, self.target.sl_code, self.target.secret)
                shop = self._resources.enter_context(started)
                if self.target.exchange_url:  # the reference shop, reached another way
                    shop = ShopEndpoints.at(shop.url, self.target.exchange_url)
                self._shop = shop
        except Exception as error:
            self._shop_error = error
            raise
        return self._shop

    def restart(self) -> None:
        """Restart the target's sandbox; clients built afterwards use its new URL."""
        if self.target.restart is None:
            raise ConfigurationError("the target cannot be restarted")
        self.base_url = self.target.restart()
        self._main = self._other = None

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()
        self._resources.close()


@dataclass(frozen=True)
class Scenario:
    """One row of the matrix: its group, its name, and the check to run."""

    group: str
    name: str
    check: Callable[[MatrixContext], ScenarioOutcome | None] = field(repr=False)
