"""A tiny shop on its own origin whose checkout page mounts the sandbox's SDK like Pay.nl's plugin.

The page (``GET /checkout?...``) loads ``<sandbox>/sdk/payparts-sdk.js`` with a plain
``<script>`` tag, then does what Pay.nl's Shopware 6 card plugin does
(docs/reference/known-facts.md): ``checkout = await PayPartsSDK.init({sessionToken,
apiUrl, country: 'NL', language: 'nl'})``, one assignment ``checkout.events = {...}``
after it, ``checkout.prepare('card-payments')`` used synchronously, and ``await
component.bind('#paynl-card-payments')``. A rejection of init or bind is shown as
its message in the page's ``#error`` box.

What the page saw is left in the page for a test or a benchmark to read:

- ``window.__events``: one ``{name, orderId, status, message}`` per handler call, in order;
- ``window.__timing``: ``performance.now()`` before ``init`` (``initStart``) and in
  ``onReady`` (``ready``);
- ``window.__checkout``: the checkout object, once init resolved.

Every handler calls ``event.resolve()``, except ``onSubmit`` with ``submit="never"``
(it returns a promise and never answers: the "shop never answers" case) or
``submit="reject"`` (``event.reject(new Error(SHOP_REJECTION))``). The server is the
standard library's, on 127.0.0.1 and a free port, in a daemon thread; ``with
ShopPage(sandbox_url) as shop`` stops it.
"""

from __future__ import annotations

import html
import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

__all__ = ["SHOP_REJECTION", "SUBMIT_MODES", "ShopPage"]

SUBMIT_MODES = ("resolve", "never", "reject")
SHOP_REJECTION = "The shop could not create its order (test rejection)."

# {script_src} and {config} are filled in per request: the sandbox's script URL
# (HTML-escaped) and the page's settings as JSON (safe inside <script>).
_PAGE = """<!doctype html>
<html lang="nl">
<head>
<meta charset="utf-8">
<title>Test shop checkout</title>
<script src="{script_src}"></script>
<style>
  body {{ font: 15px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }}
  #error {{ border: 1px solid #b91c1c; background: #fef2f2; color: #991b1b; padding: 8px 12px;
           margin-bottom: 12px; max-width: 640px; }}
  #error:empty {{ display: none; }}
</style>
</head>
<body>
<h1>Test shop: checkout</h1>
<div id="error" role="alert"></div>
<div id="paynl-card-payments"></div>
<script>
(function () {{
  const config = {config};
  window.__events = [];
  window.__timing = {{}};

  function record(name, event) {{
    window.__events.push({{
      name: name,
      orderId: event.orderId === undefined ? null : event.orderId,
      status: event.status ? event.status.code : null,
      message: event.error ? event.error.message : null,
    }});
  }}

  // As the plugin: handlers are assigned after init, and each answers with resolve().
  const events = {{
    onReady(event) {{
      window.__timing.ready = performance.now();
      record('onReady', event);
      event.resolve();
    }},
    async onSubmit(event) {{
      record('onSubmit', event);
      await Promise.resolve();  // the shop "creates its order"
      if (config.submit === 'never') return;  // neither resolve nor reject
      if (config.submit === 'reject') return event.reject(new Error(config.rejection));
      event.resolve();
    }},
    onSuccess(event) {{ record('onSuccess', event); event.resolve(); }},
    onError(event) {{ record('onError', event); event.resolve(); }},
    onInfoUpdated(event) {{ record('onInfoUpdated', event); event.resolve(); }},
    onShippingUpdated(event) {{ record('onShippingUpdated', event); event.resolve(); }},
  }};

  async function mount() {{
    const errorBox = document.getElementById('error');
    try {{
      if (!window.PayPartsSDK) throw new Error('the Pay.Parts SDK script did not load');
      const options = {{sessionToken: config.sessionToken, apiUrl: config.apiUrl,
                        country: 'NL', language: 'nl'}};
      if (config.debugMode) options.debugMode = true;
      if (config.submitNoticeMs !== null) options.submitNoticeMs = config.submitNoticeMs;
      window.__timing.initStart = performance.now();
      const checkout = await window.PayPartsSDK.init(options);
      window.__checkout = checkout;
      checkout.events = events;
      const component = checkout.prepare('card-payments');
      await component.bind('#paynl-card-payments');
      window.__bound = true;
    }} catch (error) {{
      errorBox.textContent = error.message;
    }}
  }}
  mount();
}})();
</script>
</body>
</html>
"""


def _script_json(value: Any) -> str:
    """JSON that cannot end the <script> element it sits in."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e")


class ShopPage:
    """The shop's server: ``checkout_url(...)`` is the page to open."""

    def __init__(self, sandbox_url: str, host: str = "127.0.0.1") -> None:
        self.sandbox_url = sandbox_url.rstrip("/")
        self._server = ThreadingHTTPServer((host, 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="payparts-test-shop",
            daemon=True,
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def checkout_url(
        self,
        session_token: str,
        *,
        submit: str = "resolve",
        submit_notice_ms: int | None = None,
        debug: bool = False,
        api_url: str | None = None,
    ) -> str:
        """The checkout page for ``session_token``; ``api_url`` defaults to the sandbox's."""
        if submit not in SUBMIT_MODES:
            raise ValueError(f"submit must be one of {SUBMIT_MODES}, not {submit!r}")
        query = {"token": session_token, "submit": submit, "api": api_url or self.sandbox_url}
        if submit_notice_ms is not None:
            query["notice"] = str(submit_notice_ms)
        if debug:
            query["debug"] = "1"
        return f"{self.url}/checkout?{urlencode(query)}"

    def render(self, query: dict[str, list[str]]) -> str:
        def one(name: str, default: str = "") -> str:
            return query.get(name, [default])[0]

        notice = one("notice")
        config = {
            "sessionToken": one("token"),
            "apiUrl": one("api", self.sandbox_url),
            "submit": one("submit", "resolve"),
            "submitNoticeMs": int(notice) if notice.isdigit() else None,
            "debugMode": one("debug") == "1",
            "rejection": SHOP_REJECTION,
        }
        script_src = html.escape(f"{self.sandbox_url}/sdk/payparts-sdk.js", quote=True)
        return _PAGE.format(script_src=script_src, config=_script_json(config))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ShopPage:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != "/checkout":
                    self._answer(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
                    return
                page = shop.render(parse_qs(parts.query)).encode("utf-8")
                self._answer(HTTPStatus.OK, page, "text/html; charset=utf-8")

            def _answer(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                """No access log: the query string carries the session token."""

        return Handler
