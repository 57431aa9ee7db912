"""A picture of the sandbox's card component as a shop's page mounts it: docs/img/sdk-component.png.

A sandbox in a background thread (a throwaway database), a session created with
PayPartsClient, and the browser tests' shop page (tests/e2e/shop_page.py, on its
own origin) opened in Chromium (the system's /usr/bin/chromium, driven by
Playwright) at 900×700. The picture is taken once the component is drawn and the
shop's onReady handler has run: a state, never a delay.

Usage: python tools/sdk_screenshot.py [OUTPUT.png]  (default: docs/img/sdk-component.png)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from payparts_helpers import PayPartsClient  # noqa: E402 - the repository root is on the path first
from payparts_helpers.rules import examples  # noqa: E402
from payparts_helpers.sandbox import start_sandbox  # noqa: E402
from tests.e2e.lab_setup import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.e2e.shop_page import ShopPage  # noqa: E402
from tests.e2e.waits import STATE_TIMEOUT_S  # noqa: E402

OUTPUT = ROOT / "docs" / "img" / "sdk-component.png"
WIDTH, HEIGHT = 900, 700


def screenshot(target: Path) -> Path:
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory(prefix="payparts-sdk-shot-") as scratch,
        start_sandbox(port=0, db_path=Path(scratch) / "sandbox.sqlite3") as sandbox,
        ShopPage(sandbox.url) as shop,
        PayPartsClient(examples.DEMO_SL_CODE, examples.DEMO_SECRET, base_url=sandbox.url) as client,
        sync_playwright() as playwright,
    ):
        request = examples.minimum_request()
        request.update(amount={"value": 2999, "currency": "EUR"}, description="Order #12345")
        created = client.create_session(request)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            page.set_default_timeout(STATE_TIMEOUT_S * 1000)
            page.goto(shop.checkout_url(created.session_token))
            page.locator(".ppsdk-root").wait_for()
            page.wait_for_function("(window.__events || []).some((e) => e.name === 'onReady')")
            error = page.locator("#error").inner_text()
            if error:
                raise RuntimeError(f"the shop page shows an error: {error}")
            target.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=target)
        finally:
            browser.close()
    return target


def main(argv: list[str]) -> int:
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing (apt-get install chromium)", file=sys.stderr)
        return 2
    target = Path(argv[0]) if argv else OUTPUT
    written = screenshot(target)
    print(f"written: {written.relative_to(ROOT) if written.is_relative_to(ROOT) else written}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
