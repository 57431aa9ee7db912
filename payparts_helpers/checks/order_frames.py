"""Order lines as pandas frames: one row per product, every check as a column.

A notebook looks at an order the way a spreadsheet does, so this module turns
the contract's ``order`` object into a :class:`pandas.DataFrame` (one row per
product, the computed checks beside the sent values), a styled view of it for
people, and a reconciliation of the order against ``amount``.

The arithmetic is not written here: it comes from :mod:`order_math`, the same
functions lint applies to single ints, applied here to whole numpy columns. So a
rule such as "VAT contained in a price" exists once, and the table and lint
cannot disagree (below 2**53 minor units, where floats stop being exact).

Money stays integer minor units (pandas ``Int64``, missing values ``<NA>``,
never floats); only :func:`style_order_lines`, :func:`order_summary` and
:func:`summary_for_people` turn it into text, through :mod:`money`. Malformed
products never raise: what is not usable becomes ``<NA>`` so that it shows up in
the table instead of hiding in a traceback (and :func:`summary_for_people` shows
it as a dash).

The contract does not say whether prices include VAT, so both readings are
computed (see :mod:`order_math`); the frame rounds each line's VAT half up, and the
summary rounds the exact sum once (the contract's own notes: 520 and 629.58).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from payparts_helpers.rules import money, order_math

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

__all__ = [
    "CHECK_COLUMN",
    "COMPUTED_COLUMNS",
    "CONTRACT_COLUMNS",
    "MONEY_COLUMNS",
    "SUMMARY_COLUMNS",
    "SUMMARY_FIGURES",
    "order_lines_frame",
    "order_summary",
    "style_order_lines",
    "summary_for_people",
    "summary_html",
]

CONTRACT_COLUMNS: tuple[str, ...] = (
    "description",
    "productId",
    "quantity",
    "unitPrice",
    "total",
    "vatPercentage",
)
"""A product's fields in the contract, in the frame's column order."""

COMPUTED_COLUMNS: tuple[str, ...] = ("expected_total", "total_ok", "vat_included", "vat_excluded")
"""Columns computed from the contract's fields, after them."""

CHECK_COLUMN = "total_ok"
"""The per-line check: ``total == quantity × unitPrice`` (nullable boolean)."""

MONEY_COLUMNS: tuple[str, ...] = (
    "unitPrice",
    "total",
    "expected_total",
    "vat_included",
    "vat_excluded",
)
"""Columns holding integer minor units."""

SUMMARY_FIGURES: tuple[str, ...] = (
    "lines_total",
    "shipping_costs",
    "lines_plus_shipping",
    "amount",
    "difference",
    "total_vat_stated",
    "vat_if_included",
    "vat_if_excluded",
)
"""The rows (index) of :func:`order_summary`, in order."""

SUMMARY_COLUMNS: tuple[str, ...] = ("label", "minor_units", "formatted", "ok", "note")
"""The columns of :func:`order_summary`."""

_TEXT_COLUMNS = ("description", "productId")
_INT_COLUMNS = ("quantity", "unitPrice", "total")
_STANDARD = frozenset(CONTRACT_COLUMNS)
# Int64 holds -(2**63) too, but its absolute value does not fit: leave it out.
_INT_MIN = -(2**63)
_INT_MAX = 2**63 - 1
_INT_LIMIT = 2.0**63
_INF = float("inf")

_NA_TEXT = "—"
_FAIL_CSS = "background-color: #f8d0cc; color: #000000"
_UNCHECKED_CSS = "background-color: #fff1c2; color: #000000"


# --- order_lines_frame -----------------------------------------------------------------


def _products(order: object) -> list[Any] | None:
    """The ``products`` list of an order, or None when there is none to read."""
    if not isinstance(order, Mapping):
        return None
    products = order.get("products")
    if isinstance(products, Sequence) and not isinstance(products, str | bytes):
        return list(products)
    return None


def _int_column(raw: list[Any]) -> pd.arrays.IntegerArray:
    """Python ints in Int64 range stay; anything else (bool, float, str, None…) → <NA>."""
    return pd.array(
        [v if type(v) is int and _INT_MIN < v <= _INT_MAX else None for v in raw],
        dtype="Int64",
    )


def _number_column(raw: list[Any]) -> pd.arrays.FloatingArray:
    """Finite ints and floats as Float64; bool, str, NaN, ±inf, None… → <NA>."""
    return pd.array(
        [
            v
            if (type(v) is int and _INT_MIN < v <= _INT_MAX)
            or (type(v) is float and -_INF < v < _INF)
            else None
            for v in raw
        ],
        dtype="Float64",
    )


def _as_floats(column: pd.Series) -> np.ndarray:
    return column.to_numpy(dtype="float64", na_value=np.nan)


def _whole_minor_units(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Already-rounded floats to Int64; NaN, ±inf and values beyond Int64 → <NA>."""
    usable = np.isfinite(values) & (np.abs(values) < _INT_LIMIT)
    return pd.arrays.IntegerArray(np.where(usable, values, 0).astype(np.int64), ~usable)


def _expected_totals(quantity: pd.Series, unit_price: pd.Series) -> pd.Series:
    """order_math.expected_line_total on the Int64 columns, <NA> where int64 would wrap."""
    exact = order_math.expected_line_total(quantity, unit_price)
    # Int64 arithmetic wraps silently on overflow; the same product in floats says where.
    approximate = order_math.expected_line_total(_as_floats(quantity), _as_floats(unit_price))
    overflow = ~(np.abs(approximate) < _INT_LIMIT) & ~np.isnan(approximate)
    if overflow.any():
        exact = exact.mask(overflow)
    return exact


def _line_vat(total: pd.Series, percentage: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Unrounded VAT per line under both readings, as float arrays (NaN where unknown)."""
    totals = _as_floats(total)
    percentages = _as_floats(percentage)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return (
            order_math.vat_included(totals, percentages),
            order_math.vat_excluded(totals, percentages),
        )


def _rounded(values: np.ndarray) -> pd.arrays.IntegerArray:
    with np.errstate(invalid="ignore", over="ignore"):
        return _whole_minor_units(order_math.round_half_up(values))


def _extra_name(key: object, taken: set[str]) -> str:
    name = key if isinstance(key, str) else repr(key)
    while name in taken:
        name = f"extra:{name}"
    taken.add(name)
    return name


def order_lines_frame(order: Mapping[str, Any] | None) -> pd.DataFrame:
    """One row per product of the contract's ``order``, with the checks computed.

    Columns, in order:

    - ``description``, ``productId`` (object): the values as sent, None when absent;
    - ``quantity``, ``unitPrice``, ``total`` (Int64): only JSON integers (Python ``int``,
      not ``bool``) within Int64 are kept; floats (even ``10.0``), strings, booleans,
      missing keys → ``<NA>``, so every contract violation is visible;
    - ``vatPercentage`` (Float64): ints or finite floats; strings (even ``"21"``) → ``<NA>``;
    - ``expected_total`` (Int64): ``quantity × unitPrice`` (``<NA>`` if either is, or if the
      product leaves Int64);
    - ``total_ok`` (boolean): ``total == expected_total``; ``<NA>`` when either side is
      ``<NA>`` (cannot be checked), never silently True or False;
    - ``vat_included``, ``vat_excluded`` (Int64): the line's VAT computed from its sent
      ``total`` if prices include VAT / exclude it, rounded half up to whole minor units;
    - then any extra keys products carry, verbatim (object), sorted by key, so a typo such
      as ``unitprice`` shows up as its own column. An extra key whose name is already a
      column becomes ``extra:<name>``.

    The index is the product's position in ``order["products"]`` (``products[i]``). A
    product that is not an object gives a row of ``<NA>``. ``None``, ``{}``, or an order
    without a ``products`` list gives an empty frame with the same columns and dtypes.
    """
    products = _products(order) or []
    rows = [p if type(p) is dict or isinstance(p, Mapping) else {} for p in products]
    columns: dict[str, Any] = {}
    for name in _TEXT_COLUMNS:
        columns[name] = pd.Series([r.get(name) for r in rows], dtype=object)
    for name in _INT_COLUMNS:
        columns[name] = _int_column([r.get(name) for r in rows])
    columns["vatPercentage"] = _number_column([r.get("vatPercentage") for r in rows])
    frame = pd.DataFrame({name: columns[name] for name in CONTRACT_COLUMNS})

    frame["expected_total"] = _expected_totals(frame["quantity"], frame["unitPrice"])
    frame[CHECK_COLUMN] = (frame["total"] == frame["expected_total"]).astype("boolean")
    included, excluded = _line_vat(frame["total"], frame["vatPercentage"])
    frame["vat_included"] = _rounded(included)
    frame["vat_excluded"] = _rounded(excluded)

    extra_keys = set().union(*rows) - _STANDARD if rows else set()
    taken = set(frame.columns)
    for key in sorted(extra_keys, key=repr):
        frame[_extra_name(key, taken)] = pd.Series([r.get(key) for r in rows], dtype=object)
    return frame


# --- style_order_lines -----------------------------------------------------------------


def _display_formatter(currency: str, locale: str) -> tuple[Any, str]:
    """The money formatter for the Styler and a caption that says what it shows."""
    if not money.is_currency(currency):
        return str, f"Unknown currency {currency!r}: amounts shown in minor units."
    try:
        money.format_display(0, currency, locale)
    except money.UnknownLocaleError:
        return (
            lambda minor: money.format_plain(minor, currency),
            f"Amounts in {currency} (locale {locale!r} unknown: plain format).",
        )
    return (
        lambda minor: money.format_display(minor, currency, locale),
        f"Amounts in {currency}, shown for {locale}.",
    )


def _row_highlight(data: pd.DataFrame) -> pd.DataFrame:
    """CSS per cell: whole rows whose check failed in red, rows that could not be checked
    in yellow."""
    if CHECK_COLUMN not in data:
        return pd.DataFrame("", index=data.index, columns=data.columns)
    check = data[CHECK_COLUMN].astype("boolean")
    css = np.where(check.isna(), _UNCHECKED_CSS, np.where(check.fillna(True), "", _FAIL_CSS))
    return pd.DataFrame(
        np.repeat(css[:, np.newaxis], len(data.columns), axis=1),
        index=data.index,
        columns=data.columns,
    )


def _percentage_text(value: float) -> str:
    return f"{value:g}"


def _check_text(value: object) -> str:
    return "✓" if value else "✗"


def style_order_lines(frame: pd.DataFrame, currency: str, locale: str = "nl-NL") -> Styler:
    """The frame of :func:`order_lines_frame` for people, data unchanged.

    Money columns are shown with :func:`money.format_display` (2999 EUR in nl-NL →
    ``€ 29,99``); ``<NA>`` as an em dash; ``total_ok`` as ✓/✗. Rows whose ``total`` is not
    ``quantity × unitPrice`` are red, rows that could not be checked (``total_ok`` is
    ``<NA>``) yellow. The index (position in ``products``) stays visible so a row can be
    traced back to ``products[i]``. A currency that is not ISO 4217 shows raw minor units,
    an unknown locale the plain format; the caption says which. The HTML id is fixed
    (``order-lines``), so rendering twice gives the same HTML.

    Formatting runs per cell (Babel), and pandas renders at most
    ``styler.render.max_elements`` cells (262,144 by default), silently dropping the
    rest: for a large order style a slice, e.g. ``frame[~frame["total_ok"].fillna(False)]``
    """
    formatter, caption = _display_formatter(currency, locale)
    styler = frame.style.set_uuid("order-lines")
    styler.set_caption(
        f"{caption} Red rows: total ≠ quantity × unitPrice; yellow rows: cannot be checked."
    )
    # Descriptions and extra keys are whatever was sent: shown as text, never as markup.
    styler.format(na_rep=_NA_TEXT, escape="html")
    styler.format_index(escape="html", axis=1)
    money_columns = [c for c in MONEY_COLUMNS if c in frame.columns]
    if money_columns:
        styler.format(formatter, subset=money_columns, na_rep=_NA_TEXT, escape="html")
    if "vatPercentage" in frame.columns:
        styler.format(_percentage_text, subset=["vatPercentage"], na_rep=_NA_TEXT, escape="html")
    if CHECK_COLUMN in frame.columns:
        styler.format(_check_text, subset=[CHECK_COLUMN], na_rep=_NA_TEXT)
    return styler.apply(_row_highlight, axis=None)


# --- order_summary ---------------------------------------------------------------------


def _int_or_na(value: object) -> Any:
    return value if type(value) is int and _INT_MIN < value <= _INT_MAX else pd.NA


def _sum_or_na(values: pd.Series) -> Any:
    """Sum of an Int64 column, <NA> if any value is (one unknown line leaves it unknown)."""
    total = values.sum(skipna=False)
    return pd.NA if pd.isna(total) else int(total)


def _exact_sum(values: np.ndarray) -> float | None:
    with np.errstate(invalid="ignore", over="ignore"):
        total = float(np.sum(values))
    return total if np.isfinite(total) else None


def _rounded_or_na(exact: float | None) -> Any:
    return pd.NA if exact is None else int(order_math.round_half_up(exact))


def _vat_fits(stated: Any, exact: float | None, line_count: int) -> Any:
    if stated is pd.NA or exact is None:
        return pd.NA
    return order_math.vat_matches(stated, exact, line_count)


def _either(left: Any, right: Any) -> Any:
    """Three-valued OR: True if either is True, False if both are False, else <NA>."""
    if left is True or right is True:
        return True
    if left is pd.NA or right is pd.NA:
        return pd.NA
    return False


def _minus(left: Any, right: Any) -> Any:
    if left is pd.NA or right is pd.NA:
        return pd.NA
    return left - right


def _plus(left: Any, right: Any) -> Any:
    if left is pd.NA or right is pd.NA:
        return pd.NA
    return left + right


def _format_plain(value: Any, currency: object) -> Any:
    if value is pd.NA or not money.is_currency(currency):
        return pd.NA
    return money.format_plain(value, currency)


def order_summary(
    order: Mapping[str, Any] | None, amount: Mapping[str, Any] | None
) -> pd.DataFrame:
    """Reconcile ``order`` with ``amount``: one row per figure, in minor units and as text.

    Index ``figure`` (see :data:`SUMMARY_FIGURES`): ``lines_total`` (sum of the lines'
    sent ``total``), ``shipping_costs``, ``lines_plus_shipping``, ``amount`` (amount.value),
    ``difference`` (amount − (lines + shipping)), ``total_vat_stated`` (totalVat),
    ``vat_if_included`` and ``vat_if_excluded`` (the exact VAT of all lines, summed and then
    rounded half up once, the figure lint reports; ``note`` shows the exact sum and, when
    it differs, what the frame's per-line rounded columns add up to).

    Columns: ``label`` (for people), ``minor_units`` (Int64), ``formatted``
    (:func:`money.format_plain` in the amount's currency, e.g. ``29.98``), ``ok``
    (boolean: lines all match their quantity × unitPrice; difference is 0; the stated
    totalVat fits a reading within per-line rounding, :func:`order_math.vat_matches`),
    ``note``. Anything missing or malformed (absent ``products``/``shippingCosts``, a line
    with an unusable ``total``, a non-ISO currency) gives ``<NA>``, never an exception;
    an absent ``shippingCosts`` is not taken as 0.
    """
    amount = amount if isinstance(amount, Mapping) else {}
    order = order if isinstance(order, Mapping) else {}
    currency = amount.get("currency")
    has_lines = _products(order) is not None
    frame = order_lines_frame(order)
    line_count = len(frame)

    if has_lines:
        lines_total = _sum_or_na(frame["total"])
        per_line_included = _sum_or_na(frame["vat_included"])
        per_line_excluded = _sum_or_na(frame["vat_excluded"])
        exact_included, exact_excluded = (
            _exact_sum(v) for v in _line_vat(frame["total"], frame["vatPercentage"])
        )
        lines_ok = frame[CHECK_COLUMN].all(skipna=False)
    else:
        lines_total = per_line_included = per_line_excluded = pd.NA
        exact_included = exact_excluded = None
        lines_ok = pd.NA
    # The order's VAT is the exact sum rounded once, as lint reports it (520 and 630 for
    # the contract's example); the per-line rounded columns may add up to a unit more.
    vat_if_included = _rounded_or_na(exact_included)
    vat_if_excluded = _rounded_or_na(exact_excluded)
    shipping = _int_or_na(order.get("shippingCosts"))
    lines_plus_shipping = _plus(lines_total, shipping)
    value = _int_or_na(amount.get("value"))
    difference = _minus(value, lines_plus_shipping)
    stated_vat = _int_or_na(order.get("totalVat"))
    fits_included = _vat_fits(stated_vat, exact_included, line_count)
    fits_excluded = _vat_fits(stated_vat, exact_excluded, line_count)
    fits_either = _either(fits_included, fits_excluded)

    def exact_note(exact: float | None, per_line: Any) -> str:
        if exact is None:
            return "cannot be computed"
        note = f"exact sum {exact:.2f} minor units, rounded half up"
        rounded = _rounded_or_na(exact)
        if per_line is not pd.NA and per_line != rounded:
            shown = money.with_unit(per_line, currency if isinstance(currency, str) else None)
            note += f"; the lines rounded one by one add up to {shown}"
        return note

    rows = [
        ("lines_total", "Lines total (sum of products[].total)", lines_total, lines_ok,
         f"{line_count} line(s)" if has_lines else "no products list"),
        ("shipping_costs", "shippingCosts", shipping, pd.NA,
         "" if shipping is not pd.NA else "absent or not an integer"),
        ("lines_plus_shipping", "Lines + shipping", lines_plus_shipping, pd.NA, ""),
        ("amount", "amount.value", value, pd.NA,
         f"currency {currency!r}" + ("" if money.is_currency(currency) else " (not ISO 4217)")),
        ("difference", "Difference: amount − (lines + shipping)", difference,
         pd.NA if difference is pd.NA else difference == 0, ""),
        ("total_vat_stated", "totalVat (stated)", stated_vat, fits_either,
         "fits a reading within per-line rounding" if fits_either is True else ""),
        ("vat_if_included", "VAT if prices include VAT", vat_if_included, fits_included,
         exact_note(exact_included, per_line_included)),
        ("vat_if_excluded", "VAT if prices exclude VAT", vat_if_excluded, fits_excluded,
         exact_note(exact_excluded, per_line_excluded)),
    ]  # fmt: skip
    figures = [row[2] for row in rows]
    return pd.DataFrame(
        {
            "label": pd.array([row[1] for row in rows], dtype="string"),
            "minor_units": pd.array(figures, dtype="Int64"),
            "formatted": pd.array([_format_plain(f, currency) for f in figures], dtype="string"),
            "ok": pd.array([row[3] for row in rows], dtype="boolean"),
            "note": pd.array([row[4] for row in rows], dtype="string"),
        },
        index=pd.Index([row[0] for row in rows], name="figure"),
    )


# --- summary_for_people ----------------------------------------------------------------

_MARKS = {True: "✓", False: "✗"}


def summary_for_people(summary: pd.DataFrame, currency: object) -> pd.DataFrame:
    """:func:`order_summary` as a person reads it; the summary itself stays data.

    One row per figure, indexed by its label; ``amount`` is the figure with its unit
    (``2998 (29.98 EUR)``, :func:`money.with_unit`), ``ok`` is ✓ (agrees), ✗ (does not)
    or — (not a check, or cannot be checked), ``note`` as in the summary. Every cell is
    text, so no ``<NA>`` is ever shown.
    """
    code = currency if isinstance(currency, str) else None

    def amount(value: Any) -> str:
        return _NA_TEXT if pd.isna(value) else money.with_unit(int(value), code)

    def mark(value: Any) -> str:
        return _NA_TEXT if pd.isna(value) else _MARKS[bool(value)]

    return pd.DataFrame(
        {
            "amount": [amount(v) for v in summary["minor_units"]],
            "ok": [mark(v) for v in summary["ok"]],
            "note": ["" if pd.isna(v) else str(v) for v in summary["note"]],
        },
        index=pd.Index([str(label) for label in summary["label"]], name="figure"),
        dtype=object,
    )


# JupyterLab right-aligns table cells and a DataFrame's own HTML cuts long text short.
_LEFT_ALIGNED = [
    {"selector": "th", "props": "text-align: left; vertical-align: top"},
    {"selector": "td", "props": "text-align: left; vertical-align: top; white-space: normal"},
]


def summary_html(summary: pd.DataFrame, currency: object, uuid: str = "order-summary") -> str:
    """:func:`summary_for_people` as an HTML table: text left-aligned, every note in full,
    everything escaped. ``uuid`` keeps two tables on one page apart."""
    shown = summary_for_people(summary, currency).reset_index()
    styler = shown.style.hide(axis="index").set_uuid(uuid).format(escape="html")
    return styler.set_table_styles(_LEFT_ALIGNED).to_html()
