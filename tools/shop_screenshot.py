"""Pictures of the reference shop (examples/shop) for docs/reference-shop.md.

- docs/img/shop-checkout.png: the shop's checkout after its Pay button, with the
  sandbox's card component mounted;
- docs/img/shop-paid.png: the return page after paying with the approved test card.

A sandbox in a background thread (a throwaway database) and the shop served as
tests/test_reference_shop.py serves it, opened in Chromium (the system's
/usr/bin/chromium, driven by Playwright) at 900×900. Each picture is taken once
the page shows the state it is about: never after a delay.

Usage: python tools/shop_screenshot.py [FOLDER]  (default: docs/img)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from payparts_helpers import PayPartsClient  # noqa: E402 - the repository root is on the path first
from payparts_helpers.rules import examples  # noqa: E402
from payparts_helpers.sandbox import DeliveryPolicy, start_sandbox  # noqa: E402
from tests.e2e.lab_setup import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.e2e.test_sdk_component import APPROVED, CVC, EXPIRY  # noqa: E402
from tests.e2e.waits import STATE_TIMEOUT_S  # noqa: E402
from tests.test_reference_shop import running_shop  # noqa: E402

OUTPUT = ROOT / "docs" / "img"
WIDTH, HEIGHT = 900, 900


def screenshots(folder: Path) -> list[Path]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=STATE_TIMEOUT_S * 1000)
    checkout_png, paid_png = folder / "shop-checkout.png", folder / "shop-paid.png"
    with (
        tempfile.TemporaryDirectory(prefix="payparts-shop-shot-") as scratch,
        start_sandbox(
            port=0,
            db_path=Path(scratch) / "sandbox.sqlite3",
            delivery=DeliveryPolicy(delays=(0.05, 0.1)),
        ) as sandbox,
        PayPartsClient(examples.DEMO_SL_CODE, examples.DEMO_SECRET, base_url=sandbox.url) as client,
        running_shop(client, Path(scratch) / "shop.sqlite3") as url,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            page.set_default_timeout(STATE_TIMEOUT_S * 1000)
            page.goto(url + "/")
            page.get_by_role("button", name="Pay with card").click()
            expect(page.locator("#paynl-card-payments .ppsdk-root")).to_be_visible()
            expect(page.get_by_role("button", name="Pay", exact=True)).to_be_enabled()
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=checkout_png, full_page=True)

            page.get_by_label("Card number").fill(APPROVED)
            page.get_by_label("Expiry (MM/YY)").fill(EXPIRY)
            page.get_by_label("CVC").fill(CVC)
            page.get_by_role("button", name="Pay", exact=True).click()
            page.wait_for_url(f"{url}/return/*")
            expect(page.locator("#state")).to_have_text("paid")
            page.screenshot(path=paid_png)
        finally:
            browser.close()
    return [checkout_png, paid_png]


def main(argv: list[str]) -> int:
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing (apt-get install chromium)", file=sys.stderr)
        return 2
    folder = Path(argv[0]) if argv else OUTPUT
    for written in screenshots(folder):
        shown = written.relative_to(ROOT) if written.is_relative_to(ROOT) else written
        print(f"written: {shown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
