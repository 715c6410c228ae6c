"""Qualification journeys in a real browser: answering the questionnaire, seeing why obligations apply,
and the prohibited-practice gate refusing a pilot."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from revoyure.registry.models import Tool
from tests.browser.pages import ObligationPage, QualificationPage, QuestionPage, ToolPage
from tests.factories import make_tool

Login = Callable[[Page, Any], None]


@pytest.fixture
def mood_tool(personas: Any) -> Tool:
    return make_tool(
        personas.org,
        personas.delegate,
        name="Analyse d'humeur",
        function="Analyse les visages des téléconseillers",
        purpose="Mesurer la satisfaction",
    )


def test_answering_to_a_prohibited_practice_blocks_the_pilot(
    page: Page, personas: Any, mood_tool: Tool, login: Login
) -> None:
    login(page, personas.delegate)
    questions = QuestionPage(page).open(org="acme", pk=mood_tool.pk)
    expect(questions.progress).to_contain_text(re.compile(r"Question 1 of \d+"))
    questions.answer("Yes")  # infers its outputs: an AI system
    expect(page.get_by_role("status")).to_contain_text("Your answer is saved.")
    expect(questions.progress).to_contain_text("Question 2 of")
    questions.answer("Deployer")
    # The remaining screens of art. 5(1)(f), each reached as the summary's "Change" links do.
    for question_id, label in [
        ("infers-emotions", "Yes"),
        ("biometric-data", "Yes"),
        ("used-at-workplace", "Yes"),
        ("medical-or-safety", "No"),
    ]:
        QuestionPage(page).open(f"q={question_id}", org="acme", pk=mood_tool.pk).answer(label)

    qualification = QualificationPage(page).open(org="acme", pk=mood_tool.pk)
    expect(qualification.main.get_by_role("alert")).to_contain_text("art. 5(1)(f)")

    record = ToolPage(page).open(org="acme", pk=mood_tool.pk)
    record.change_status("pilot", reason="Essai sur une équipe")
    expect(record.status_form.locator(".field-error")).to_contain_text("Art. 5(1)(f)")
    mood_tool.refresh_from_db()
    assert mood_tool.status == "project"


def test_i_dont_know_shows_the_question_for_the_vendor_and_the_status_is_recorded(
    page: Page, personas: Any, mood_tool: Tool, login: Login
) -> None:
    login(page, personas.delegate)
    for question_id, label in [
        ("infers-outputs", "Yes"),
        ("used-at-workplace", "Yes"),
        ("annex3-point", "I don't know"),
    ]:
        QuestionPage(page).open(f"q={question_id}", org="acme", pk=mood_tool.pk).answer(label)

    qualification = QualificationPage(page).open(org="acme", pk=mood_tool.pk)
    to_clarify = qualification.obligation("AIA-08")
    expect(to_clarify).to_contain_text("Annex III point")
    expect(to_clarify).to_contain_text("What intended purpose do your instructions for use give the system?")

    # A high-risk answer turns it into an obligation with its date and its reasons.
    questions = QuestionPage(page).open("q=annex3-point", org="acme", pk=mood_tool.pk)
    questions.answer("4(a) Recruitment or selection")
    QuestionPage(page).open("q=profiling", org="acme", pk=mood_tool.pk).answer("Yes")
    QuestionPage(page).open("q=first-use-date", org="acme", pk=mood_tool.pk).answer_date("2028-03-01")
    qualification = QualificationPage(page).open(org="acme", pk=mood_tool.pk)
    applies = qualification.obligation("AIA-08")
    expect(applies).to_contain_text("Annex III point: 4(a) Recruitment or selection")
    expect(applies).to_contain_text("Profiling of natural persons: Yes")
    expect(applies).to_contain_text("2027")  # the date of application of art. 26(7)

    applies.get_by_role("link").first.click()
    obligation = ObligationPage(page)
    obligation.set_status("Done")
    expect(obligation.field_errors).to_contain_text("Evidence")
    obligation.set_status("Done", evidence="Procès-verbal du CSE du 3 mars")
    expect(page.get_by_role("status")).to_contain_text("saved")
    expect(obligation.main.locator("table")).to_contain_text("Procès-verbal du CSE du 3 mars")
