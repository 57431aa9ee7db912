"""The one status table: every code known-facts lists, its category, and what is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from payparts_helpers.rules.order_status import STATUSES, describe_status, status_for

# known-facts.md, "Status codes (PayStatus)".
PUBLISHED = {
    "pending": (20, 25, 50, 90, 98),
    "confirmed": (75, 76),
    "partial payment": (80,),
    "verify": (85,),
    "authorised": (95,),
    "partly captured": (97,),
    "paid": (100,),
    "void": (-61,),
    "denied": (-63, -64),
    "chargeback": (-70, -71),
    "refunded": (-72, -81),
    "partially refunded": (-82,),
}


@pytest.mark.parametrize(
    ("category", "code"), [(c, code) for c, codes in PUBLISHED.items() for code in codes]
)
def test_every_published_code_has_its_category(category: str, code: int) -> None:
    status = status_for(code)
    assert status is not None
    assert status.category == category
    assert status.action == status.action.upper()


def test_the_published_action_names() -> None:
    assert status_for(100).action == "PAID"
    assert status_for(20).action == "PENDING"


@pytest.mark.parametrize("code", [-1, -60, -80, -90, -999])
def test_any_other_negative_code_is_cancelled(code: int) -> None:
    assert status_for(code).category == "cancelled"


@pytest.mark.parametrize("code", [0, 1, 99, 101, 1000, True, "100", None, 100.0])
def test_what_pay_nl_s_sdk_refuses_has_no_status(code: object) -> None:
    assert status_for(code) is None
    assert "not a status Pay.nl's SDK accepts" in describe_status(code)


def test_the_table_holds_no_code_the_sdk_would_refuse() -> None:
    assert all(
        code < 0 or code in {c for codes in PUBLISHED.values() for c in codes} for code in STATUSES
    )


def test_descriptions_for_people() -> None:
    assert describe_status(100) == "100 PAID (paid)"
    assert describe_status(-63, "DENIED") == "-63 DENIED (denied)"
    assert describe_status(95, "AUTHORISED") == (
        "95 AUTHORISED (authorised; Pay.nl's name is AUTHORIZE)"
    )
    assert status_for(100).is_final
    assert not status_for(20).is_final


def test_the_docs_status_table_is_this_table() -> None:
    """docs/payments.md lists the codes for people: it must say what STATUSES says."""
    docs = (Path(__file__).parents[1] / "docs" / "payments.md").read_text(encoding="utf-8")
    section = docs.split("### Status codes", 1)[1].split("##", 1)[0]
    rows = re.findall(r"^\| (-?\d+) \| `([A-Z_]+)` \| ([a-z ]+) \|$", section, re.MULTILINE)
    assert [(int(code), action, category) for code, action, category in rows] == [
        (status.code, status.action, status.category) for status in STATUSES.values()
    ]


def test_the_readme_names_every_code_with_its_action() -> None:
    """The README's short table groups the codes; each must carry STATUSES' action."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The order, and its status", 1)[1].split("\n## ", 1)[0]
    named = {}
    for codes, action in re.findall(r"((?:-?\d+, )*-?\d+) `([A-Z_]+)`", section):
        for code in codes.split(", "):
            named[int(code)] = action
    assert named == {code: status.action for code, status in STATUSES.items()}
