"""Order lines as frames: the contract's examples, malformed products, styling, summary."""

from __future__ import annotations

import copy
import re
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payparts_helpers.checks import order_frames as orders
from payparts_helpers.rules import examples, order_math

STANDARD_COLUMNS = [
    "description",
    "productId",
    "quantity",
    "unitPrice",
    "total",
    "vatPercentage",
    "expected_total",
    "total_ok",
    "vat_included",
    "vat_excluded",
]
DTYPES = {
    "description": "object",
    "productId": "object",
    "quantity": "Int64",
    "unitPrice": "Int64",
    "total": "Int64",
    "vatPercentage": "Float64",
    "expected_total": "Int64",
    "total_ok": "boolean",
    "vat_included": "Int64",
    "vat_excluded": "Int64",
}
INT64_MAX = 2**63 - 1
FAIL_COLOUR = "#f8d0cc"
UNCHECKED_COLOUR = "#fff1c2"


def product(**fields: Any) -> dict[str, Any]:
    line = {
        "description": "Thing",
        "productId": "P-1",
        "quantity": 1,
        "unitPrice": 1000,
        "total": 1000,
        "vatPercentage": 21,
    }
    line.update(fields)
    return line


def one_line(**fields: Any) -> pd.Series:
    frame = orders.order_lines_frame({"products": [product(**fields)]})
    assert len(frame) == 1
    return frame.iloc[0]


def text(html: str) -> str:
    return html.replace("\xa0", " ").replace("&nbsp;", " ")


def css_rules(html: str) -> dict[str, str]:
    """Selector → declarations from the Styler's <style> block."""
    style = html.split("<style", 1)[1].split("</style>", 1)[0]
    rules: dict[str, str] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", style.split(">", 1)[1]):
        for selector in selectors.split(","):
            rules[selector.strip()] = rules.get(selector.strip(), "") + body
    return rules


def figures(summary: pd.DataFrame) -> dict[str, Any]:
    return {
        name: (None if pd.isna(value) else int(value))
        for name, value in summary["minor_units"].items()
    }


# --- the contract's examples ------------------------------------------------------------


def test_full_example_lines_values_and_dtypes() -> None:
    frame = orders.order_lines_frame(examples.full_request()["order"])
    assert list(frame.columns) == STANDARD_COLUMNS
    assert {c: str(t) for c, t in frame.dtypes.items()} == DTYPES
    assert frame.to_dict("records") == [
        {
            "description": "Product A",
            "productId": "PROD-001",
            "quantity": 1,
            "unitPrice": 1000,
            "total": 1000,
            "vatPercentage": 21.0,
            "expected_total": 1000,
            "total_ok": True,
            "vat_included": 174,  # 173.55…
            "vat_excluded": 210,
        },
        {
            "description": "Product B",
            "productId": "PROD-002",
            "quantity": 2,
            "unitPrice": 999,
            "total": 1998,
            "vatPercentage": 21.0,
            "expected_total": 1998,
            "total_ok": True,
            "vat_included": 347,  # 346.76…
            "vat_excluded": 420,  # 419.58
        },
    ]
    assert list(frame.index) == [0, 1]


def test_full_example_summary_reconciles_with_its_inconsistencies() -> None:
    request = examples.full_request()
    summary = orders.order_summary(request["order"], request["amount"])
    assert list(summary.columns) == ["label", "minor_units", "formatted", "ok", "note"]
    assert summary.index.name == "figure"
    assert str(summary["minor_units"].dtype) == "Int64"
    assert figures(summary) == {
        "lines_total": 2998,
        "shipping_costs": 0,
        "lines_plus_shipping": 2998,
        "amount": 2999,
        "difference": 1,
        "total_vat_stated": 629,
        # The exact sums rounded once, as in the contract's notes and in lint.
        "vat_if_included": 520,  # 520.31 (lines rounded one by one: 174 + 347 = 521)
        "vat_if_excluded": 630,  # 629.58
    }
    assert summary.loc["lines_total", "formatted"] == "29.98"
    assert summary.loc["amount", "formatted"] == "29.99"
    assert summary.loc["difference", "formatted"] == "0.01"
    assert summary.loc["vat_if_excluded", "formatted"] == "6.30"
    assert bool(summary.loc["lines_total", "ok"]) is True
    assert bool(summary.loc["difference", "ok"]) is False
    # 629 is the excluded reading (629.58) within per-line rounding, not the included one.
    assert bool(summary.loc["vat_if_excluded", "ok"]) is True
    assert bool(summary.loc["vat_if_included", "ok"]) is False
    assert bool(summary.loc["total_vat_stated", "ok"]) is True
    assert "520.31" in summary.loc["vat_if_included", "note"]
    assert "629.58" in summary.loc["vat_if_excluded", "note"]


def test_the_summary_for_people_shows_units_and_marks_never_na() -> None:
    request = examples.full_request()
    summary = orders.order_summary(request["order"], request["amount"])
    shown = orders.summary_for_people(summary, "EUR")
    assert list(shown.columns) == ["amount", "ok", "note"]
    assert shown.index.name == "figure"
    assert shown.loc["Lines total (sum of products[].total)"].to_dict() == {
        "amount": "2998 (29.98 EUR)",
        "ok": "✓",
        "note": "2 line(s)",
    }
    assert shown.loc["Difference: amount − (lines + shipping)", "ok"] == "✗"
    assert shown.loc["shippingCosts", "ok"] == "—"  # no check on this row
    assert "<NA>" not in shown.to_string() + shown.to_html()
    assert summary.loc["shipping_costs", "ok"] is pd.NA  # the data stays honest
    unknown = orders.summary_for_people(orders.order_summary(None, {"value": 5}), None)
    assert unknown.loc["amount.value", "amount"] == "5 minor units"
    assert unknown.loc["Lines total (sum of products[].total)", "amount"] == "—"


def test_the_summary_html_is_left_aligned_whole_and_escaped() -> None:
    request = examples.full_request()
    request["amount"]["currency"] = "<b>EUR"
    summary = orders.order_summary(request["order"], request["amount"])
    rendered = orders.summary_html(summary, request["amount"]["currency"], uuid="t")
    assert re.search(r"#T_t td \{[^}]*text-align: left;[^}]*white-space: normal;", rendered)
    assert "the lines rounded one by one add up to 521 minor units" in rendered  # in full
    assert "<b>EUR" not in rendered
    assert "&lt;b&gt;EUR" in rendered


def test_the_styled_lines_show_what_was_sent_as_text_never_markup() -> None:
    order = {"products": [product(description="<img src=x onerror=alert(1)>"), {"<b>": "<i>"}]}
    rendered = orders.style_order_lines(orders.order_lines_frame(order), "EUR").to_html()
    assert "<img" not in rendered
    assert "&lt;img src=x onerror=alert(1)&gt;" in rendered
    assert "<b>" not in rendered
    assert "<i>" not in rendered
    assert "€" in rendered


def test_summary_vat_rounds_the_exact_sum_once_not_each_line() -> None:
    order = {"products": [product(total=1, unitPrice=1, vatPercentage=21)] * 3}
    frame = orders.order_lines_frame(order)
    summary = orders.order_summary(order, {"value": 3, "currency": "EUR"})
    # Each line: 0.17 included → 0, 0.21 excluded → 0; the exact sums 0.52/0.63 give 1.
    assert list(frame["vat_included"]) == [0, 0, 0]
    assert summary.loc["vat_if_included", "minor_units"] == 1
    assert summary.loc["vat_if_excluded", "minor_units"] == 1
    assert "add up to 0" in summary.loc["vat_if_included", "note"]


def test_get_example_single_line() -> None:
    order = {
        "products": [
            {
                "description": "Product A",
                "quantity": 1,
                "unitPrice": 1000,
                "total": 1000,
                "productId": "PROD-001",
                "vatPercentage": 21,
            }
        ],
        "shippingCosts": 0,
        "totalVat": 210,
    }
    frame = orders.order_lines_frame(order)
    assert len(frame) == 1
    row = frame.iloc[0]
    assert (row["expected_total"], row["vat_included"], row["vat_excluded"]) == (1000, 174, 210)
    summary = orders.order_summary(order, {"value": 2999, "currency": "EUR"})
    assert figures(summary)["difference"] == 1999
    assert figures(summary)["total_vat_stated"] == 210
    assert bool(summary.loc["vat_if_excluded", "ok"]) is True
    assert bool(summary.loc["vat_if_included", "ok"]) is False


# --- empty and malformed ---------------------------------------------------------------


@pytest.mark.parametrize(
    "order",
    [None, {}, {"products": []}, {"products": None}, {"products": "abc"}, [], "order", 42],
)
def test_no_products_gives_an_empty_frame_with_the_columns(order: Any) -> None:
    frame = orders.order_lines_frame(order)
    assert len(frame) == 0
    assert list(frame.columns) == STANDARD_COLUMNS
    assert {c: str(t) for c, t in frame.dtypes.items()} == DTYPES


def test_summary_without_order_or_amount_is_all_na_not_an_error() -> None:
    summary = orders.order_summary(None, None)
    assert list(summary.index) == list(orders.SUMMARY_FIGURES)
    assert summary["minor_units"].isna().all()
    assert summary["formatted"].isna().all()


def test_summary_of_an_empty_products_list_counts_zero() -> None:
    summary = orders.order_summary(
        {"products": [], "shippingCosts": 495}, {"value": 495, "currency": "EUR"}
    )
    assert figures(summary)["lines_total"] == 0
    assert figures(summary)["lines_plus_shipping"] == 495
    assert figures(summary)["difference"] == 0
    assert bool(summary.loc["difference", "ok"]) is True
    assert figures(summary)["total_vat_stated"] is None


def test_summary_missing_parts_become_na() -> None:
    order = {"products": [product(), product(total="1000")], "totalVat": 420.0}
    summary = orders.order_summary(order, {"value": "2000", "currency": "EUR"})
    got = figures(summary)
    assert got["lines_total"] is None  # one line's total is unusable
    assert got["shipping_costs"] is None  # absent is not taken as 0
    assert got["amount"] is None
    assert got["difference"] is None
    assert got["total_vat_stated"] is None  # a float is not minor units
    assert got["vat_if_excluded"] is None
    assert summary.loc["lines_total", "ok"] is pd.NA


def test_summary_with_unknown_currency_keeps_minor_units() -> None:
    summary = orders.order_summary(examples.full_request()["order"], {"value": 2999})
    assert figures(summary)["amount"] == 2999
    assert figures(summary)["difference"] == 1
    assert summary["formatted"].isna().all()
    assert "not ISO 4217" in summary.loc["amount", "note"]


@pytest.mark.parametrize(
    ("currency", "lines", "amount"),
    [("JPY", "2998", "2999"), ("KWD", "2.998", "2.999")],
)
def test_summary_formats_in_the_amounts_currency(currency: str, lines: str, amount: str) -> None:
    request = examples.full_request()
    summary = orders.order_summary(request["order"], {"value": 2999, "currency": currency})
    assert summary.loc["amount", "formatted"] == amount
    assert summary.loc["lines_total", "formatted"] == lines


@pytest.mark.parametrize(
    ("fields", "column"),
    [
        ({"quantity": "2"}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"quantity": 2.0}, "quantity"),
        ({"quantity": None}, "quantity"),
        ({"unitPrice": 9.99}, "unitPrice"),
        ({"unitPrice": 1000.0}, "unitPrice"),
        ({"unitPrice": [1000]}, "unitPrice"),
        ({"total": False}, "total"),
        ({"total": "1000"}, "total"),
        ({"total": 2**63}, "total"),
    ],
)
def test_non_integer_values_become_na_and_leave_the_check_open(
    fields: dict[str, Any], column: str
) -> None:
    row = one_line(**fields)
    assert row[column] is pd.NA
    assert row["total_ok"] is pd.NA
    others = [c for c in ("quantity", "unitPrice", "total") if c != column]
    assert all(row[c] == product()[c] for c in others)


def test_missing_keys_give_na_and_keep_the_rest() -> None:
    frame = orders.order_lines_frame({"products": [{"quantity": 3, "unitPrice": 250}]})
    row = frame.iloc[0]
    assert row["description"] is None
    assert row["productId"] is None
    assert row["expected_total"] == 750
    assert row["total"] is pd.NA
    assert row["total_ok"] is pd.NA
    assert row["vat_included"] is pd.NA
    assert str(frame["expected_total"].dtype) == "Int64"


@pytest.mark.parametrize("percentage", ["21", None, True, float("nan"), float("inf")])
def test_non_numeric_vat_percentage_is_na(percentage: Any) -> None:
    row = one_line(vatPercentage=percentage)
    assert row["vatPercentage"] is pd.NA
    assert row["vat_included"] is pd.NA
    assert row["vat_excluded"] is pd.NA
    assert bool(row["total_ok"]) is True  # the total itself is still checked


def test_float_vat_percentage_is_used() -> None:
    row = one_line(total=1000, vatPercentage=9.5)
    assert row["vatPercentage"] == 9.5
    assert row["vat_excluded"] == 95
    assert row["vat_included"] == 87  # 86.76…


def test_vat_rounds_half_up_away_from_zero() -> None:
    frame = orders.order_lines_frame(
        {
            "products": [
                product(quantity=1, unitPrice=1, total=1, vatPercentage=50),
                product(quantity=1, unitPrice=-1, total=-1, vatPercentage=50),
                product(quantity=1, unitPrice=1, total=1, vatPercentage=100),
            ]
        }
    )
    assert list(frame["vat_excluded"]) == [1, -1, 1]  # 0.5, -0.5, 1.0
    assert list(frame["vat_included"]) == [0, 0, 1]  # 0.33, -0.33, 0.5


def test_impossible_vat_percentage_gives_na_not_inf() -> None:
    row = one_line(vatPercentage=-100)
    assert row["vat_included"] is pd.NA  # division by zero
    assert row["vat_excluded"] == -1000


def test_discount_line_with_negative_unit_price() -> None:
    order = {
        "products": [
            product(quantity=2, unitPrice=1500, total=3000),
            product(description="Discount", quantity=1, unitPrice=-500, total=-500),
        ],
        "shippingCosts": 0,
    }
    frame = orders.order_lines_frame(order)
    discount = frame.iloc[1]
    assert discount["expected_total"] == -500
    assert bool(discount["total_ok"]) is True
    assert discount["vat_included"] == -87  # -86.78
    assert discount["vat_excluded"] == -105
    summary = orders.order_summary(order, {"value": 2500, "currency": "EUR"})
    assert figures(summary)["lines_total"] == 2500
    assert figures(summary)["difference"] == 0


def test_a_wrong_total_is_flagged() -> None:
    frame = orders.order_lines_frame(
        {"products": [product(), product(quantity=2, unitPrice=999, total=1999)]}
    )
    assert list(frame["total_ok"]) == [True, False]
    assert frame.loc[1, "expected_total"] == 1998
    assert frame.loc[1, "total"] == 1999


def test_overflowing_line_total_is_na_not_wrapped() -> None:
    row = one_line(quantity=2**62, unitPrice=4, total=0)
    assert row["quantity"] == 2**62
    assert row["expected_total"] is pd.NA  # int64 would wrap to 0 and say "ok"
    assert row["total_ok"] is pd.NA


def test_products_that_are_not_objects_give_rows_of_na() -> None:
    frame = orders.order_lines_frame({"products": [None, "x", 5, product()]})
    assert len(frame) == 4
    assert frame.iloc[:3][["quantity", "total", "expected_total"]].isna().all().all()
    assert frame.loc[3, "expected_total"] == 1000


def test_extra_keys_are_kept_after_the_standard_columns() -> None:
    frame = orders.order_lines_frame(
        {
            "products": [
                product(unitprice=5, sku="A-1"),
                product(expected_total="mine", total_ok=0),
            ]
        }
    )
    assert list(frame.columns) == [
        *STANDARD_COLUMNS,
        "extra:expected_total",
        "sku",
        "extra:total_ok",
        "unitprice",
    ]
    assert frame["sku"].tolist() == ["A-1", None]
    assert frame["unitprice"].tolist() == [5, None]
    assert frame["extra:expected_total"].tolist() == [None, "mine"]
    assert frame["expected_total"].tolist() == [1000, 1000]


def test_input_is_not_modified() -> None:
    order = {"products": [product(quantity="2", extra={"a": [1]})], "totalVat": 1}
    before = copy.deepcopy(order)
    orders.order_lines_frame(order)
    orders.order_summary(order, {"value": 1, "currency": "EUR"})
    assert order == before


def test_the_arithmetic_is_order_maths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(order_math, "vat_excluded", lambda total, percentage: total * 0 + 7)
    monkeypatch.setattr(order_math, "expected_line_total", lambda q, u: q + u)
    frame = orders.order_lines_frame(examples.full_request()["order"])
    assert list(frame["vat_excluded"]) == [7, 7]
    assert list(frame["expected_total"]) == [1001, 1001]
    assert list(frame["total_ok"]) == [False, False]


# --- styling ---------------------------------------------------------------------------


def test_style_shows_money_for_people_and_flags_the_failing_row() -> None:
    frame = orders.order_lines_frame(
        {
            "products": [
                product(quantity=1, unitPrice=2999, total=2999),
                product(quantity=2, unitPrice=999, total=1999),
                product(quantity="3", unitPrice=100, total=300),
            ]
        }
    )
    html = orders.style_order_lines(frame, "EUR", "nl-NL").to_html()
    shown = text(html)
    assert ">€ 29,99<" in shown
    assert ">€ 19,99<" in shown  # the wrong total
    assert ">€ 19,98<" in shown  # what it should be
    assert ">€ 5,20<" in shown  # VAT included in 29.99: 520.47
    assert ">—<" in shown  # <NA> quantity and expected_total
    assert ">✓<" in shown
    assert ">✗<" in shown
    assert ">2999<" not in shown
    rules = css_rules(html)
    assert FAIL_COLOUR in rules["#T_order-lines_row1_col0"]
    assert FAIL_COLOUR in rules["#T_order-lines_row1_col9"]
    assert UNCHECKED_COLOUR in rules["#T_order-lines_row2_col3"]
    assert "#T_order-lines_row0_col0" not in rules


@pytest.mark.parametrize(
    ("currency", "locale", "minor", "shown"),
    [
        ("JPY", "nl-NL", 500, "JP¥ 500"),
        ("JPY", "en-US", 500, "¥500"),
        ("KWD", "nl-NL", 1234, "KWD 1,234"),
        ("KWD", "en-US", 1234, "KWD1.234"),
        ("EUR", "en-US", 2999, "€29.99"),
    ],
)
def test_style_uses_the_currencys_exponent(
    currency: str, locale: str, minor: int, shown: str
) -> None:
    frame = orders.order_lines_frame({"products": [product(unitPrice=minor, total=minor)]})
    assert f">{shown}<" in text(orders.style_order_lines(frame, currency, locale).to_html())


def test_style_leaves_the_data_alone_and_renders_the_same_twice() -> None:
    frame = orders.order_lines_frame(examples.full_request()["order"])
    before = frame.copy(deep=True)
    styler = orders.style_order_lines(frame, "EUR")
    first = styler.to_html()
    second = orders.style_order_lines(frame, "EUR").to_html()
    assert first == second
    assert 'id="T_order-lines"' in first
    pd.testing.assert_frame_equal(frame, before)
    pd.testing.assert_frame_equal(styler.data, before)
    assert str(styler.data["unitPrice"].dtype) == "Int64"


def test_style_with_unknown_currency_or_locale_still_renders() -> None:
    frame = orders.order_lines_frame(examples.full_request()["order"])
    raw = text(orders.style_order_lines(frame, "EURO").to_html())
    assert ">1998<" in raw
    assert "Unknown currency 'EURO'" in raw
    plain = text(orders.style_order_lines(frame, "EUR", "xx-QQ").to_html())
    assert ">19.98<" in plain
    assert "plain format" in plain


def test_style_of_an_empty_frame_renders() -> None:
    html = orders.style_order_lines(orders.order_lines_frame(None), "EUR").to_html()
    assert "vat_excluded" in html


# --- properties ------------------------------------------------------------------------

int64s = st.integers(min_value=-INT64_MAX, max_value=INT64_MAX)
any_ints = st.one_of(st.integers(-10_000, 10_000), int64s, st.integers())


@given(
    st.lists(
        st.fixed_dictionaries({"quantity": any_ints, "unitPrice": any_ints, "total": any_ints}),
        max_size=20,
    )
)
def test_expected_total_is_quantity_times_unit_price(lines: list[dict[str, int]]) -> None:
    frame = orders.order_lines_frame({"products": lines})
    assert len(frame) == len(lines)
    for line, (_, row) in zip(lines, frame.iterrows(), strict=True):
        q, u, t = line["quantity"], line["unitPrice"], line["total"]
        usable = all(-INT64_MAX <= v <= INT64_MAX for v in (q, u))
        if usable and -INT64_MAX <= q * u <= INT64_MAX:
            assert row["expected_total"] == q * u
            if -INT64_MAX <= t <= INT64_MAX:
                assert bool(row["total_ok"]) is (t == q * u)
        else:
            assert row["expected_total"] is pd.NA
            assert row["total_ok"] is pd.NA


@given(
    st.lists(
        st.tuples(
            st.integers(-(2**40), 2**40),
            st.one_of(
                st.integers(0, 100),
                st.floats(min_value=0, max_value=100, allow_nan=False),
            ),
        ),
        max_size=20,
    )
)
def test_columns_agree_with_order_math_on_scalars(lines: list[tuple[int, float]]) -> None:
    frame = orders.order_lines_frame(
        {"products": [{"total": t, "vatPercentage": p} for t, p in lines]}
    )
    for (total, percentage), (_, row) in zip(lines, frame.iterrows(), strict=True):
        included = order_math.round_half_up(order_math.vat_included(total, percentage))
        excluded = order_math.round_half_up(order_math.vat_excluded(total, percentage))
        assert row["vat_included"] == int(included)
        assert row["vat_excluded"] == int(excluded)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
product_keys = st.sampled_from([*orders.CONTRACT_COLUMNS, *orders.COMPUTED_COLUMNS]) | st.text(
    max_size=8
)
json_products = st.lists(
    st.dictionaries(product_keys, json_values, max_size=8) | json_values, max_size=6
)


# No deadline: a loaded machine makes an example slow, never wrong.
@settings(max_examples=150, deadline=None)
@given(
    products=json_products | json_values,
    shipping=json_values,
    total_vat=json_values,
    amount=st.fixed_dictionaries(
        {"value": json_values, "currency": st.sampled_from(["EUR", "JPY", "KWD", "eur"])}
    )
    | json_values,
)
def test_never_raises_on_json_like_input(
    products: Any, shipping: Any, total_vat: Any, amount: Any
) -> None:
    order = {"products": products, "shippingCosts": shipping, "totalVat": total_vat}
    frame = orders.order_lines_frame(order)
    assert list(frame.columns[: len(STANDARD_COLUMNS)]) == STANDARD_COLUMNS
    assert len(frame) == (len(products) if isinstance(products, list) else 0)
    for column in orders.MONEY_COLUMNS:
        assert str(frame[column].dtype) == "Int64"
    summary = orders.order_summary(order, amount)
    assert list(summary.index) == list(orders.SUMMARY_FIGURES)
    orders.style_order_lines(frame, "EUR").to_html()
    shown = orders.summary_for_people(
        summary, amount.get("currency") if isinstance(amount, dict) else None
    )
    assert shown.map(lambda cell: isinstance(cell, str) and cell != "<NA>").all().all()
