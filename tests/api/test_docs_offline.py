"""/docs and /redoc render in headless Chromium with every request off this machine blocked.

The pages' scripts and styles must come from the app itself (fastapi-offline's copies of Swagger
UI and ReDoc), so a desk without internet access sees the routes, not a white page. Without the
change both pages stayed blank: their bundles came from jsdelivr.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.api.conftest import Server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"chromium is missing at {CHROMIUM}")
        pytest.skip(f"no chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _offline_page(browser, blocked: list[str]):  # type: ignore[no-untyped-def]
    page = browser.new_page()

    def only_loopback(route) -> None:  # type: ignore[no-untyped-def]
        url = route.request.url
        if urlsplit(url).scheme in ("http", "https", "ws", "wss") and (
            urlsplit(url).hostname not in LOOPBACK
        ):
            blocked.append(f"{route.request.resource_type} {url}")
            route.abort()
        else:
            route.continue_()

    page.route("**/*", only_loopback)
    return page


def _wait_for_text(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(
        "text => document.body.innerText.includes(text)", arg=text, timeout=30_000
    )


@pytest.mark.slow
def test_swagger_ui_renders_the_routes_with_the_internet_blocked(server: Server, browser) -> None:
    blocked: list[str] = []
    page = _offline_page(browser, blocked)
    page.goto(f"{server.base_url}/docs")
    _wait_for_text(page, "/api/trades")
    assert page.locator(".opblock").count() >= 10
    assert blocked == [], f"the page asked for outside resources: {blocked}"
    page.close()


@pytest.mark.slow
def test_redoc_renders_the_routes_with_the_internet_blocked(server: Server, browser) -> None:
    blocked: list[str] = []
    page = _offline_page(browser, blocked)
    page.goto(f"{server.base_url}/redoc")
    _wait_for_text(page, "/api/trades")
    _wait_for_text(page, "/api/metrics")
    # ReDoc's sidebar shows Redocly's logo from their CDN and hides it when it fails to load
    # (its `onError`): decoration, the one outside request allowed.
    logo = "image https://cdn.redoc.ly/redoc/logo-mini.svg"
    assert [b for b in blocked if b != logo] == [], f"outside resources: {blocked}"
    page.close()
