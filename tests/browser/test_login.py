"""Logging in through the real form, in a real browser."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.pages import LoginPage, RegisterListPage
from tests.factories import PASSWORD


def test_logging_in_with_email_and_password_lands_on_the_register(page: Page, personas: Any) -> None:
    login_page = LoginPage(page).open()
    login_page.log_in("delegate@acme.example", PASSWORD)
    expect(page).to_have_url(re.compile(re.escape(RegisterListPage.path(org="acme")) + "$"))
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_wrong_password_shows_an_error_and_stays_logged_out(page: Page, personas: Any) -> None:
    login_page = LoginPage(page).open()
    login_page.log_in("delegate@acme.example", "not-the-password")
    expect(page.locator('main [role="alert"]')).to_contain_text("correct")
    expect(page).to_have_url(re.compile(re.escape(LoginPage.path())))
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
