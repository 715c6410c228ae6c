"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's live server.

Every test in this folder is marked `browser` (run alone with `make test-browser`, left out by
`make test-fast`). A missing Chromium makes these tests fail, never skip: CI must not pass without them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

# Playwright's sync API keeps an asyncio event loop running in the test thread, and Django refuses ORM
# calls from a thread with a running loop unless told that this is safe (it is: the calls are synchronous).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BROWSER_DIR = Path(__file__).resolve().parent
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 15_000


def chromium_path() -> str | None:
    """Debian's Chromium; Playwright never downloads a browser here."""
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Runs after pytest-django's reordering and before `-m browser` / `-m "not browser"` reads the marks.
    browser_items = []
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            browser_items.append(item)
    # Browser tests run last in each worker: once Chromium is started, Playwright's sync API keeps an event
    # loop running in the test thread until the session ends, and `async_to_sync` refuses to run under it.
    chosen = set(browser_items)
    items[:] = [item for item in items if item not in chosen] + browser_items


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """One Chromium per xdist worker, shared by its tests (each test gets its own context)."""
    path = chromium_path()
    if path is None:
        pytest.fail(
            "Chromium is not installed: the browser tests need Debian's `chromium` "
            "(`make chromium` or `apt-get install chromium`).",
            pytrace=False,
        )
    instance = playwright_driver.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
    yield instance
    instance.close()


@pytest.fixture
def page(browser: Browser, live_server: Any) -> Iterator[Page]:
    """A fresh page (own cookies) on the live server, in English, with the real CSP enforced.

    A page that breaks the Content Security Policy (an inline script or `style=`) fails the test: such
    code silently does nothing for real users."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    new_page = context.new_page()
    csp_errors: list[str] = []

    def watch_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            csp_errors.append(f"{new_page.url}: {message.text}")

    new_page.on("console", watch_console)
    yield new_page
    context.close()
    if csp_errors:
        pytest.fail("The page broke the Content Security Policy:\n" + "\n".join(csp_errors), pytrace=False)


@pytest.fixture
def login(live_server: Any) -> Callable[[Page, Any], None]:
    """`login(page, user)`: give the page a logged-in session for `user` without going through the form
    (the form itself is tested in test_login.py)."""

    def _login(target: Page, user: Any) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        target.context.add_cookies(
            [
                {"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url},
            ]
        )

    return _login
