"""The accessibility audit (WCAG 2.1 A/AA and best practices) on the base pages; other page types are
audited in their own journeys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.pages import LoginPage, PasswordResetPage, RegisterListPage
from tests.factories import make_tool


def test_login_page_is_accessible(page: Page) -> None:
    LoginPage(page).open()
    assert_accessible(page)


def test_login_page_with_an_error_is_accessible(page: Page, personas: Any) -> None:
    login_page = LoginPage(page).open()
    login_page.log_in("delegate@acme.example", "not-the-password")
    expect(page.locator('main [role="alert"]')).to_be_visible()
    assert_accessible(page)


def test_password_reset_page_is_accessible(page: Page) -> None:
    PasswordResetPage(page).open()
    assert_accessible(page)


def test_register_list_of_a_delegate_is_accessible(
    page: Page, personas: Any, login: Callable[[Page, Any], None]
) -> None:
    for name, status in [
        ("Planification des équipes", "in_service"),
        ("Tri des candidatures", "project"),
        ("Assistant de rédaction", "pilot"),
    ]:
        make_tool(personas.org, personas.delegate, name=name, status=status, function="Aider les équipes")
    login(page, personas.delegate)
    RegisterListPage(page).open(org="acme")
    expect(page.get_by_text("Planification des équipes")).to_be_visible()
    assert_accessible(page)


def test_audit_fails_on_a_violation(page: Page) -> None:
    LoginPage(page).open()
    page.evaluate("document.querySelector('main').append(document.createElement('img'))")
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page)
