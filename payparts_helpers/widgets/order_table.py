"""An order as the forms show it: the styled lines and the reconciliation (pandas)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["order_html"]


def order_html(
    order: Mapping[str, Any] | None,
    amount: Mapping[str, Any] | None,
    *,
    locale: str = "nl-NL",
    uuid: str = "order-lines",
) -> str:
    """The styled order table and the reconciliation (pandas, loaded on first use).

    ``uuid`` keeps the Styler's CSS ids apart when two tables share a page: the
    styled frame's default id is fixed, so the second table's row colours would
    otherwise follow the first one's.
    """
    from ..checks import order_frames as orders

    currency = amount.get("currency") if isinstance(amount, Mapping) else None
    code = currency if isinstance(currency, str) else ""
    lines = orders.order_lines_frame(order)
    styled = orders.style_order_lines(lines, code, locale=locale).set_uuid(uuid)
    summary = orders.order_summary(order, amount)
    summary_table = orders.summary_html(summary, currency, uuid=f"{uuid}-summary")
    return (
        f"<h4>Order lines</h4>{styled.to_html()}"
        f"<h4>Reconciliation: order against amount</h4>{summary_table}"
    )
