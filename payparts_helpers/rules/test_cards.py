"""The sandbox's test cards: which number chooses which outcome.

One table for the SDK stand-in (it receives it from ``/_sandbox/sdk/init``), the
sandbox (which moves the order), the docs and the tests. The numbers follow the
habit of card test modes (4111… approves, 4000… with a telling ending); they
are this sandbox's choice, listed in its assumptions. The component never
sends a number: only the ``test_card`` id of the card it matched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["TEST_CARDS", "TestCard", "card_by_id", "three_ds_result_code"]

TestCardId = Literal["approved", "declined", "3ds", "cancelled", "authorised"]


@dataclass(frozen=True)
class TestCard:
    """A test card: its number as shown, its id, and the status code it ends in.

    ``final_code`` is ``None`` for the 3-D Secure card: the tester's choice in
    the test step decides (:func:`three_ds_result_code`).
    """

    __test__ = False  # not a pytest test class, despite the name

    number: str
    test_card: TestCardId
    label: str
    outcome: str
    final_code: int | None

    @property
    def digits(self) -> str:
        return self.number.replace(" ", "")

    def as_json(self) -> dict[str, str]:
        return {
            "number": self.number,
            "testCard": self.test_card,
            "label": self.label,
            "outcome": self.outcome,
        }


TEST_CARDS: tuple[TestCard, ...] = (
    TestCard("4111 1111 1111 1111", "approved", "Approved", "paid at once (100 PAID)", 100),
    TestCard("4000 0000 0000 0002", "declined", "Declined", "the bank refuses (-63 DENIED)", -63),
    TestCard(
        "4000 0000 0000 3220",
        "3ds",
        "3-D Secure",
        "a 3-D Secure test step: Complete pays, Fail denies, Cancel cancels",
        None,
    ),
    TestCard("4000 0000 0000 0101", "cancelled", "Customer cancels", "cancelled (-90 CANCEL)", -90),
    TestCard(
        "4000 0000 0000 0095",
        "authorised",
        "Authorised",
        "authorised, captured later (95 AUTHORIZE)",
        95,
    ),
)

_BY_ID = {card.test_card: card for card in TEST_CARDS}
_THREE_DS_RESULTS = {"authenticated": 100, "failed": -63, "cancelled": -90}
THREE_DS_RESULTS = tuple(_THREE_DS_RESULTS)


def card_by_id(test_card: object) -> TestCard | None:
    """The card with this id (``"approved"``), or ``None``."""
    return _BY_ID.get(test_card) if isinstance(test_card, str) else None


def three_ds_result_code(result: object) -> int | None:
    """The status the 3-D Secure step ends in: authenticated 100, failed -63, cancelled -90."""
    return _THREE_DS_RESULTS.get(result) if isinstance(result, str) else None
