"""Page objects: one class per page type, so that a change of markup is fixed in one place.

Addresses come from URL names (`django.urls.reverse`), never from written-out paths. Locators prefer what
a user perceives (roles, labels) and fall back on form field names, which do not change with the language.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from django.urls import reverse
from playwright.sync_api import Locator, Page, Response


class BasePage:
    url_name: ClassVar[str] = ""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.response: Response | None = None

    @classmethod
    def path(cls, query: str = "", **kwargs: Any) -> str:
        url = reverse(cls.url_name, kwargs=kwargs or None)
        return f"{url}?{query}" if query else url

    def open(self, query: str = "", **kwargs: Any) -> Self:
        self.response = self.page.goto(self.path(query, **kwargs))
        return self

    @property
    def status(self) -> int | None:
        return self.response.status if self.response else None

    @property
    def main(self) -> Locator:
        return self.page.locator("main")

    @property
    def heading(self) -> Locator:
        return self.page.get_by_role("heading", level=1)

    def field(self, name: str) -> Locator:
        return self.main.locator(f'[name="{name}"]')

    def submit(self, form: int = 0) -> None:
        self.main.locator("form").nth(form).locator('[type="submit"]').first.click()

    def messages(self) -> list[str]:
        return self.page.locator('main [role="status"]').all_inner_texts()

    def errors(self) -> list[str]:
        """Form-level and field-level error messages shown on the page."""
        return self.main.locator('[role="alert"], .field-error, .errorlist').all_inner_texts()


class LoginPage(BasePage):
    url_name = "accounts:login"

    def log_in(self, email: str, password: str) -> None:
        self.field("username").fill(email)
        self.field("password").fill(password)
        self.submit()


class PasswordResetPage(BasePage):
    url_name = "accounts:password_reset"

    def request_link(self, email: str) -> None:
        self.field("email").fill(email)
        self.submit()


class RegisterListPage(BasePage):
    """/o/<org>/register/: the register list with its filters, search, sort and pagination."""

    url_name = "registry:tool_list"

    def tool_links(self) -> Locator:
        return self.main.locator("table").get_by_role("link")

    def tool_names(self) -> list[str]:
        return [name.strip() for name in self.tool_links().all_inner_texts()]

    def search(self, text: str) -> None:
        self.field("q").fill(text)
        self.submit()

    def filter_by(self, **values: str) -> None:
        for name, value in values.items():
            self.field(name).select_option(value)
        self.submit()

    def open_tool(self, name: str) -> None:
        self.tool_links().filter(has_text=name).first.click()


class ToolPage(BasePage):
    """/o/<org>/register/<pk>/: one record, grouped A to L."""

    url_name = "registry:tool_detail"

    def group(self, title: str) -> Locator:
        return self.main.locator("section", has=self.page.get_by_role("heading", name=title))

    def follow(self, link_text: str) -> None:
        self.main.get_by_role("link", name=link_text).first.click()


class ToolFormPage(BasePage):
    """Creation (`registry:tool_create`, kwargs org) and edition (`registry:tool_edit`, kwargs org, pk)."""

    url_name = "registry:tool_create"
    edit_url_name: ClassVar[str] = "registry:tool_edit"

    def open_edit(self, **kwargs: Any) -> Self:
        self.response = self.page.goto(reverse(self.edit_url_name, kwargs=kwargs))
        return self

    def fill(self, **values: str) -> None:
        for name, value in values.items():
            field = self.field(name)
            if field.evaluate("el => el.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)

    def save(self, reason: str = "") -> None:
        if reason:
            self.field("reason").fill(reason)
        self.submit()


class HistoryPage(BasePage):
    """`registry:tool_history` (kwargs org, pk): every version with who, when, what and why, newest first."""

    url_name = "registry:tool_history"

    def versions(self) -> Locator:
        """One `article` per version, newest first."""
        return self.main.locator("article")

    def compare(self, older: str, newer: str) -> None:
        """Pick two versions (by their option label) in the comparison form and submit it."""
        form = self.main.locator("form", has=self.page.locator("select"))
        selects = form.locator("select")
        selects.nth(0).select_option(label=older)
        selects.nth(1).select_option(label=newer)
        form.locator('[type="submit"]').click()


class ComparePage(BasePage):
    """`registry:tool_compare` (kwargs org, pk, query `a=<history id>&b=<history id>`): two versions side by
    side."""

    url_name = "registry:tool_compare"

    def changed_rows(self) -> Locator:
        return self.main.locator("tr", has=self.page.locator(".diff-old, .diff-new"))


class TransparencyPage(BasePage):
    """`registry:transparency` (kwargs org): the staff transparency page."""

    url_name = "registry:transparency"


class ImportPage(BasePage):
    """`registry_data:import` (kwargs org): upload, mapping step, preview and dry run."""

    url_name = "registry_data:import"

    def upload(self, path: str) -> None:
        self.main.locator('input[type="file"]').set_input_files(path)
        self.submit()
