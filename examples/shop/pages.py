"""The shop's two HTML pages. Plain strings; every value that goes in is escaped.

The pages run no inline script: their JavaScript is ``static/checkout.js`` and
``static/return.js``, so the Content-Security-Policy (see ``app.py``) can allow
scripts only from the shop itself and from the Pay.Parts host that serves the SDK.
"""

from __future__ import annotations

from html import escape

from payparts_helpers.rules.money import format_display

from .orders import ShopOrder

__all__ = ["checkout_page", "not_found_page", "return_page"]

_STYLE = """
  body { font: 16px/1.45 system-ui, sans-serif; margin: 0; color: #1f2933; background: #f5f7fa; }
  main { max-width: 680px; margin: 32px auto; background: #fff; padding: 24px 28px;
         border-radius: 10px; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  h1 { margin-top: 0; font-size: 24px; }
  .product { display: flex; justify-content: space-between; align-items: baseline;
             border-bottom: 1px solid #e4e7eb; padding-bottom: 12px; margin-bottom: 16px; }
  .price { font-size: 20px; font-weight: 700; }
  button#pay { font: inherit; padding: 10px 20px; border: 0; border-radius: 6px;
               background: #1d4ed8; color: #fff; cursor: pointer; }
  button#pay[hidden] { display: none; }
  #error { border: 1px solid #b91c1c; background: #fef2f2; color: #991b1b; padding: 8px 12px;
           margin: 12px 0; }
  #error:empty { display: none; }
  #paynl-card-payments { margin-top: 16px; }
  .state { font-size: 20px; font-weight: 700; }
  .state-paid, .state-authorised { color: #047857; }
  .state-cancelled, .state-denied { color: #b91c1c; }
  dl { display: grid; grid-template-columns: max-content auto; gap: 4px 16px; }
  dt { color: #52606d; }
  dd { margin: 0; font-family: ui-monospace, monospace; }
"""

# What each state means for the customer.
EXPLANATIONS = {
    "awaiting payment": "We have not heard from Pay.nl yet. This page updates by itself.",
    "paid": "Thank you: the payment is booked and your order is on its way.",
    "authorised": "The payment is authorised; it is captured when your order ships.",
    "cancelled": "The payment was cancelled; nothing was charged.",
    "denied": "The bank declined the payment; nothing was charged.",
}


def _page(title: str, body: str, script: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
{body}
</main>
<script src="{escape(script)}"></script>
</body>
</html>
"""


def checkout_page(product: str, amount_value: int, currency: str) -> str:
    """A product, a Pay button, and the element the card component is bound to."""
    price = format_display(amount_value, currency, "en_GB")
    body = f"""<h1>Reference shop</h1>
<div class="product">
  <div><strong>{escape(product)}</strong><br><small>One piece, shipped to you</small></div>
  <div class="price">{escape(price)}</div>
</div>
<button id="pay" type="button">Pay with card</button>
<div id="error" role="alert"></div>
<div id="paynl-card-payments"></div>"""
    return _page("Reference shop: checkout", body, "/static/checkout.js")


def return_page(order: ShopOrder) -> str:
    """The order's state for people; ``static/return.js`` reloads it while it waits."""
    state = order.state
    css = "state-" + state.replace(" ", "-")
    amount = format_display(order.amount_value, order.currency, "en_GB")
    body = f"""<h1>Order {escape(order.reference)}</h1>
<div id="order" data-reference="{escape(order.reference)}" data-state="{escape(state)}">
  <p>State: <span id="state" class="state {escape(css)}">{escape(state)}</span></p>
  <p id="explanation">{escape(EXPLANATIONS.get(state, ""))}</p>
  <dl>
    <dt>Amount</dt><dd>{escape(amount)}</dd>
    <dt>Pay.nl order</dt><dd id="order-id">{escape(order.order_id or "not known yet")}</dd>
  </dl>
</div>
<p><a href="/">Back to the shop</a></p>"""
    return _page(f"Reference shop: order {order.reference}", body, "/static/return.js")


def not_found_page(reference: str) -> str:
    body = f"<h1>No such order</h1><p>This shop has no order {escape(reference[:40])}.</p>"
    return _page("Reference shop: no such order", body, "/static/return.js")
