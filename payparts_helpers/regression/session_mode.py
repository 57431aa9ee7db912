"""The "exchange handler (your session)" group: a shop checked on a session it made itself.

For a shop that has only its exchange endpoint (no ``POST /checkout`` for tests, no status
URL): the shop starts a checkout its own way (its own test, a browser) against the sandbox,
and ``payparts check --session SESSION_ID`` runs these rows on that session, in order:

a. before paying, calls signed with another secret claiming 100 PAID and -90 CANCEL: the
   shop must not answer ``result: true``;
b. before paying, an unsigned legacy ``action=new_ppt``: answered true only if the shop
   asked the order-status API for that order after the call was sent (the sandbox records
   every read, ``list_status_reads``);
c. the sandbox's own signed paid call (``trigger_outcome(…, "paid")``): answered true;
d. that call again, byte for byte: answered true;
e. a correctly signed cancel after paid, arriving late: answered true.

The order is moved to PENDING first (as every payment passes through it): its signed call
gives the exchange URL (the session's ``exchangeUrl``, as stored), the reference and the
order to forge from. What needs the shop's own order state (nothing booked after a, not
paid after b, booked once after c/d, still paid after e) is read from the status URL
template when one is given, and is otherwise a row of its own, skipped with
``not checked: …`` and how to offer it: never passed without evidence.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from ..rules.errors import ConflictError, NotFoundError
from ..rules.resources import PaymentOrder
from .exchange_scenarios import (
    FOREIGN_SIGNER_ADVICE,
    OTHER_SECRET,
    UNSIGNED_DANGER,
    Answer,
    Checkout,
    Payment,
    ShopOrder,
    await_delivery,
    claiming,
    compact,
    expect_accepted,
    legacy_call,
    no_crash,
    post_exchange,
    read_shop_order,
    signed_headers,
)
from .scenario_types import MatrixContext, Scenario, ScenarioOutcome, TimedAssertionError, passed
from .scenario_types import skipped as skipped_outcome
from .targets import ShopEndpoints

__all__ = ["SESSION_MODE_GROUP", "STATUS_URL_HINT", "session_mode_scenarios"]

SESSION_MODE_GROUP = "exchange handler (your session)"
STATUS_URL_HINT = (
    "offer it with --status-url 'https://shop.test/orders/{reference}': a URL that answers "
    'JSON {"reference", "state", "orderId", "amount", "bookings"} for the order, as the '
    "reference shop's GET /orders/{reference} does (docs/reference-shop.md)"
)
"""How a shop turns a skipped state row into a checked one (part of every such reason)."""

_FOREIGN_ANSWERED = (
    "DANGEROUS: a call signed with another secret, claiming {claim}, was answered {answer} "
    "while the order-status API says {status}: Pay.nl (and anyone else) reads that as "
    "accepted; "
)
_UNASKED = (
    "DANGEROUS: booked an unsigned call without asking the order API: the shop answered "
    "{answer} to an unsigned action=new_ppt and did not ask GET /v1/orders/{{id}}/status for "
    "that order after the call was sent. "
)


@dataclass
class _SessionRun:
    """One session under test, moved step by step: the order to PENDING once, paid once."""

    ctx: MatrixContext
    session_id: str
    status_url: str | None
    pending: Payment | None = None
    over: PaymentOrder | None = None  # the order was final before the run: nothing to forge
    paid: Payment | None = None

    @property
    def shop(self) -> ShopEndpoints:
        payment = self.pending or self.paid
        if payment is None:
            raise AssertionError("the session has no exchange call to learn its exchangeUrl from")
        url = payment.delivery.url
        return ShopEndpoints(url, url)  # only the exchange URL is known

    def prepare(self) -> None:
        """Move the order to PENDING and take the sandbox's signed pending call."""
        if self.pending is not None or self.over is not None:
            return
        try:
            self.ctx.client.trigger_outcome(self.session_id, "pending")
        except NotFoundError:
            raise AssertionError(
                "the sandbox does not know this session for the run's sales location: create "
                "it at this sandbox (--base-url) with the same SL code"
            ) from None
        except ConflictError:
            self.over = self.ctx.client.get_sandbox_order(self.session_id)
            return
        self.pending = self.payment_for(20)

    def payment_for(self, code: int) -> Payment:
        """The sandbox's own call for ``code``, with the reference its order carries."""
        delivery = await_delivery(self.ctx, Checkout("", self.session_id), code)
        reference = (
            Payment(Checkout("", self.session_id), delivery).envelope["object"].get("reference")
        )
        return Payment(Checkout(str(reference or ""), self.session_id), delivery)

    @property
    def reference(self) -> str:
        payment = self.pending or self.paid
        return payment.checkout.reference if payment is not None else ""

    def shop_state(self, what: str) -> ShopOrder | ScenarioOutcome:
        """The shop's order from the status URL, or the skip saying how to offer it."""
        if not self.status_url:
            return skipped_outcome(
                f"not checked: '{what}' needs the shop's own order state; " + STATUS_URL_HINT
            )
        if not self.reference:
            return skipped_outcome(
                f"not checked: '{what}' needs the session's reference, and the shop created the "
                "session without one: send reference in POST /v1/session/start"
            )
        url = self.status_url.replace("{reference}", quote(self.reference, safe=""))
        order = read_shop_order(url, "the status URL")
        if order is None:
            raise AssertionError("the status URL answered 404 for the session's own order")
        return order


# --- a and b: before paying -------------------------------------------------------------


def _not_before_paying(run: _SessionRun) -> ScenarioOutcome | None:
    run.prepare()
    if run.over is not None:
        return skipped_outcome(
            f"not run: the session's order is already {run.over.status_text}; these calls "
            "must come before the payment: start a new checkout and pass its session"
        )
    return None


def _foreign_signed(run: _SessionRun) -> ScenarioOutcome:
    if (skip := _not_before_paying(run)) is not None:
        return skip
    assert run.pending is not None
    status = run.ctx.client.get_order_status(run.pending.order_id).status_text
    answers: list[Answer] = []
    for code, action in ((100, "PAID"), (-90, "CANCEL")):
        body = compact(claiming(run.pending.envelope, code, action))
        answer = post_exchange(run.shop, body, signed_headers(body, run.ctx, secret=OTHER_SECRET))
        claim = f"{code} {action}"
        no_crash(answer, f"a call signed with another secret, claiming {claim},")
        if answer.accepted:
            head = _FOREIGN_ANSWERED.format(claim=claim, answer=answer.quoted, status=status)
            raise TimedAssertionError(head + FOREIGN_SIGNER_ADVICE, answer.elapsed_ms)
        answers.append(answer)
    return passed(
        f"order pending: a 100 PAID claim {answers[0].summary}, a -90 CANCEL claim "
        f"{answers[1].summary}, both signed with another secret",
        max(a.elapsed_ms for a in answers),
    )


def _unsigned(run: _SessionRun) -> ScenarioOutcome:
    if (skip := _not_before_paying(run)) is not None:
        return skip
    assert run.pending is not None
    order_id = run.pending.order_id
    sent_at = time.time()
    answer = post_exchange(run.shop, *legacy_call(run.pending))
    answered_at = time.time()
    no_crash(answer, "an unsigned legacy call (action=new_ppt)")
    if answer.result is not True:
        return passed(
            f"unsigned action=new_ppt for a pending order: {answer.summary} (not accepted)",
            answer.elapsed_ms,
        )
    reads = run.ctx.client.list_status_reads(run.session_id)
    asked = [
        r
        for r in reads
        if r.order_id == order_id and r.status == 200 and sent_at <= r.at and r.at <= answered_at
    ]
    if not asked:
        status = run.ctx.client.get_order_status(order_id).status_text
        raise TimedAssertionError(
            _UNASKED.format(answer=answer.quoted)
            + _sentence(UNSIGNED_DANGER.format(status=status)),
            answer.elapsed_ms,
        )
    return passed(
        f"unsigned action=new_ppt for a pending order: {answer.summary}, after asking the "
        "order-status API for that order",
        answer.elapsed_ms,
    )


def _sentence(danger: str) -> str:
    """A danger text continuing a message: without its own "DANGEROUS: " head."""
    rest = danger.removeprefix("DANGEROUS: ")
    return rest[:1].upper() + rest[1:]


# --- c, d, e: paying and after ----------------------------------------------------------


def _pay(run: _SessionRun) -> Payment | ScenarioOutcome:
    """The sandbox's own signed paid call (triggered now, or the one sent before the run)."""
    if run.paid is not None:
        return run.paid
    run.prepare()
    if run.over is not None and run.over.status_code != 100:
        return skipped_outcome(
            f"not run: the session's order is already {run.over.status_text}, not paid: "
            "start a new checkout and pass its session"
        )
    if run.over is None:
        run.ctx.client.trigger_outcome(run.session_id, "paid")
    run.paid = run.payment_for(100)
    return run.paid


def _sandbox_paid_call(run: _SessionRun) -> ScenarioOutcome:
    payment = _pay(run)
    if isinstance(payment, ScenarioOutcome):
        return payment
    first = payment.delivery.attempts[0]
    if not first.ok:
        said = " ".join(str(first.answer or first.error or "no answer").split())[:160]
        raise TimedAssertionError(
            f"the sandbox's own signed paid call was answered HTTP {first.http_status} "
            f'{said!r}: a correct shop verifies it and answers {{"result": true}}, else '
            "Pay.nl retries and finally e-mails the merchant",
            float(first.duration_ms),
        )
    return passed("the sandbox's signed paid call was answered result true", first.duration_ms)


def _same_call_again(run: _SessionRun) -> ScenarioOutcome:
    payment = _pay(run)
    if isinstance(payment, ScenarioOutcome):
        return payment
    answer = post_exchange(run.shop, payment.body, payment.delivery.headers)
    expect_accepted(answer, "the sandbox's signed paid call, sent again byte for byte")
    return passed(f"the same signed body again: {answer.summary}", answer.elapsed_ms)


def _late_cancel(run: _SessionRun) -> ScenarioOutcome:
    payment = _pay(run)
    if isinstance(payment, ScenarioOutcome):
        return payment
    body = compact(claiming(payment.envelope, -90, "CANCEL"))
    answer = post_exchange(run.shop, body, signed_headers(body, run.ctx))
    no_crash(answer, "a signed cancel (-90) after paid")
    expect_accepted(answer, "a signed cancel (-90) for the paid order, arriving late")
    return passed(f"a signed -90 CANCEL after paid: {answer.summary}", answer.elapsed_ms)


# --- the rows that need the shop's own state --------------------------------------------


def _state_row(what: str, judge: Callable[[ShopOrder], str], needs_paid: bool) -> Step:
    def check(run: _SessionRun) -> ScenarioOutcome:
        if needs_paid:
            payment = _pay(run)
            if isinstance(payment, ScenarioOutcome):
                return payment
        elif (skip := _not_before_paying(run)) is not None:
            return skip
        order = run.shop_state(what)
        if isinstance(order, ScenarioOutcome):
            return order
        return passed(judge(order))

    return check


def _unbooked(after: str) -> Callable[[ShopOrder], str]:
    def judge(order: ShopOrder) -> str:
        if order.paid or order.bookings:
            raise AssertionError(
                f"DANGEROUS: after {after} the shop shows {order}: the order is pending at "
                "Pay.nl. Verify the signature before reading any field, and confirm an "
                "unsigned call with the order-status API before booking"
            )
        if order.state in ("cancelled", "denied"):
            raise AssertionError(
                f"DANGEROUS: after {after} the shop shows {order}: a call it cannot have "
                "verified ended an order Pay.nl says is pending. Verify the HMAC over the raw "
                "body before acting on any call"
            )
        return f"the shop shows {order}: nothing booked"

    return judge


def _booked_once(after: str) -> Callable[[ShopOrder], str]:
    def judge(order: ShopOrder) -> str:
        if not order.paid or order.bookings != 1:
            raise AssertionError(
                f"after {after} the shop shows {order}: expected paid, bookings 1 (book once; "
                "an out-of-order call must not undo a payment)"
            )
        return f"the shop shows {order}"

    return judge


Step = Callable[[_SessionRun], ScenarioOutcome]

_ROWS: tuple[tuple[str, Step], ...] = (
    ("before paying, signed with another secret: not answered true", _foreign_signed),
    (
        "before paying, signed with another secret: nothing booked or cancelled",
        _state_row(
            "nothing booked or cancelled", _unbooked("the calls signed with another secret"), False
        ),
    ),
    ("before paying, unsigned action=new_ppt: true only after asking the order API", _unsigned),
    (
        "before paying, unsigned action=new_ppt: not booked as paid",
        _state_row("not booked as paid", _unbooked("an unsigned action=new_ppt"), False),
    ),
    ("the sandbox's signed paid call: result true", _sandbox_paid_call),
    ("the same signed call again: result true", _same_call_again),
    (
        "the paid call, twice: booked once",
        _state_row("booked once", _booked_once("the paid call, sent twice"), True),
    ),
    ("a signed cancel after paid: answered true", _late_cancel),
    (
        "a signed cancel after paid: still paid",
        _state_row("still paid", _booked_once("a late signed cancel"), True),
    ),
)


def session_mode_scenarios(
    session_ids: list[str] | tuple[str, ...], status_url: str | None = None
) -> tuple[Scenario, ...]:
    """The group's rows for each session, in order; one group per session when several
    (named by the session id's first 8 digits: an id is no credential).

    ``status_url``: a template with ``{reference}``, or None (the state rows are skipped).
    """
    scenarios: list[Scenario] = []
    for session_id in session_ids:
        group = SESSION_MODE_GROUP
        if len(session_ids) > 1:
            group = f"{SESSION_MODE_GROUP} {session_id[:8]}"
        runs = _Runs(session_id, status_url)
        for name, step in _ROWS:
            scenarios.append(Scenario(group, name, runs.row(step)))
    return tuple(scenarios)


class _Runs:
    """One session's state across its rows: a new :class:`_SessionRun` per matrix run."""

    def __init__(self, session_id: str, status_url: str | None) -> None:
        self._session_id = session_id
        self._status_url = status_url
        self._current: _SessionRun | None = None

    def row(self, step: Step) -> Callable[[MatrixContext], ScenarioOutcome]:
        def check(ctx: MatrixContext) -> ScenarioOutcome:
            if self._current is None or self._current.ctx is not ctx:
                self._current = _SessionRun(ctx, self._session_id, self._status_url)
            return step(self._current)

        return check
