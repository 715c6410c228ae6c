"""The automated accessibility audit (axe-core, bundled by axe-playwright-python) run on every page type.

axe is injected with `page.evaluate`, which goes through the DevTools protocol and is not subject to the
page's Content Security Policy, so the audit sees the page exactly as users get it (strict CSP on).
"""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

# WCAG 2.1 levels A and AA (the RGAA's basis) plus axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
_AXE = Axe()


def audit(page: Page) -> list[dict[str, Any]]:
    """The axe violations of the page as it is now."""
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    return list(_AXE.run(page, options=options).response["violations"])


def describe_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'no impact given'}): {violation['help']}"
            f" <{violation.get('helpUrl', '')}>"
        )
        for node in violation.get("nodes", []):
            target = " ".join(str(t) for t in node.get("target", []))
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    at {target}: {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Fail with a readable list (rule, impact, help, elements) on any violation."""
    violations = audit(page)
    assert not violations, describe_violations(page.url, violations)
