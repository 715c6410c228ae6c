"""Page objects: one class per page type, so that a change of markup is fixed in one place.

Addresses come from URL names (`django.urls.reverse`), never from written-out paths. Locators prefer what
a user perceives (roles, labels) and fall back on form field names, which do not change with the language.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Self

from django.urls import reverse
from playwright.sync_api import Locator, Page, Response


def exactly(text: str) -> re.Pattern[str]:
    """A locator text filter that matches the whole (trimmed) text, not a part of it."""
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


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

    @property
    def field_errors(self) -> Locator:
        return self.main.locator(".field-error")

    def switch_language(self) -> None:
        """The header's language switch: one button naming the other language in that language."""
        self.page.locator('header form[action*="i18n"] button[name="language"]').click()

    def value_of(self, label: str) -> Locator:
        """The `dd` that follows the `dt` saying `label` (record pages, settings, transparency)."""
        term = self.main.locator("dt").filter(has_text=exactly(label))
        return term.locator("xpath=following-sibling::dd[1]")


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

    @property
    def result_count(self) -> Locator:
        """The "N tools" line above the results (htmx replaces it with the results)."""
        return self.page.locator('#tool-results [role="status"]')

    def change_filter(self, **values: str) -> None:
        """Change filters without pressing the button: with JavaScript, htmx reloads only the results."""
        for name, value in values.items():
            self.field(name).select_option(value)

    def start_new_tool(self) -> None:
        self.main.get_by_role("button", name="Register a new tool").click()


class ToolPage(BasePage):
    """/o/<org>/register/<pk>/: one record, grouped A to L."""

    url_name = "registry:tool_detail"

    def group(self, title: str) -> Locator:
        return self.main.locator("section", has=self.page.get_by_role("heading", name=title))

    def follow(self, link_text: str) -> None:
        self.main.get_by_role("link", name=link_text).first.click()

    @property
    def status_form(self) -> Locator:
        return self.main.locator('form[action*="/status/"]')

    def change_status(self, new_status: str, reason: str = "") -> None:
        form = self.status_form
        form.locator('[name="new_status"]').select_option(new_status)
        form.locator('[name="reason"]').fill(reason)
        form.locator('[type="submit"]').click()

    @property
    def attachment_form(self) -> Locator:
        return self.main.locator("form", has=self.page.locator('input[type="file"]'))

    def attach(self, path: str, title: str = "") -> None:
        form = self.attachment_form
        form.locator('[name="title"]').fill(title)
        form.locator('input[type="file"]').set_input_files(path)
        form.locator('[type="submit"]').click()


class ToolFormPage(BasePage):
    """Creation (`registry:tool_create`, kwargs org) and edition (`registry:tool_edit`, kwargs org, pk)."""

    url_name = "registry:tool_create"
    edit_url_name: ClassVar[str] = "registry:tool_edit"

    @classmethod
    def edit_path(cls, **kwargs: Any) -> str:
        return reverse(cls.edit_url_name, kwargs=kwargs)

    def open_edit(self, **kwargs: Any) -> Self:
        self.response = self.page.goto(self.edit_path(**kwargs))
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

    def compare_versions(self, older: int, newer: int) -> None:
        """Pick versions by number ("Version 2 — <date>") in the comparison form and submit it."""
        form = self.main.locator("form", has=self.page.locator("select"))
        for select, number in zip(form.locator("select").all(), (older, newer), strict=True):
            option = select.locator("option").filter(has_text=re.compile(rf"^Version {number} —"))
            select.select_option(option.get_attribute("value"))
        form.locator('[type="submit"]').click()


class ComparePage(BasePage):
    """`registry:tool_compare` (kwargs org, pk, query `a=<history id>&b=<history id>`): two versions side by
    side."""

    url_name = "registry:tool_compare"

    def changed_rows(self) -> Locator:
        return self.main.locator("tr", has=self.page.locator(".diff-old, .diff-new"))

    def row(self, label: str) -> Locator:
        """The table row of one field, found by its label (the "changed" badge may follow it)."""
        return self.main.locator("tbody tr").filter(
            has=self.page.locator("th").filter(has_text=re.compile(rf"^\s*{re.escape(label)}\b"))
        )


class TransparencyPage(BasePage):
    """`registry:transparency` (kwargs org): the staff transparency page."""

    url_name = "registry:transparency"


class PublicTransparencyPage(BasePage):
    """`registry:public_transparency` (kwargs org): the same content, for anyone, when switched on."""

    url_name = "registry:public_transparency"


class ImportPage(BasePage):
    """`registry_data:import` (kwargs org): upload, mapping step, preview and dry run, then import.

    The three steps are one page object: after the upload the browser stays on the import's addresses."""

    url_name = "registry_data:import"

    def upload(self, path: str) -> None:
        self.main.locator('input[type="file"]').set_input_files(path)
        self.submit()

    def mapped_column(self, field: str) -> Locator:
        """The select that says which column of the file gives the register field `field`."""
        return self.field(f"map_{field}")

    def map_column(self, field: str, column: str) -> None:
        self.mapped_column(field).select_option(column)

    def check(self) -> None:
        """Submit the mapping for the dry run (on the mapping page, or "Check again" on the preview)."""
        self.main.locator('form[action*="/import/preview/"] [type="submit"]').first.click()

    @property
    def import_button(self) -> Locator:
        return self.main.locator('button[formaction*="/import/confirm/"]')

    def confirm(self) -> None:
        self.import_button.click()

    @property
    def preview_table(self) -> Locator:
        return self.main.locator("table")

    @property
    def problems(self) -> Locator:
        """The row-level problems of the dry run, one `li` each."""
        return self.main.locator("section", has=self.page.locator("#import-errors")).locator("li")


class ExportPage(BasePage):
    url_name = "registry_data:export"


class VendorListPage(BasePage):
    url_name = "registry:vendor_list"


class VendorPage(BasePage):
    url_name = "registry:vendor_detail"


class VendorFormPage(BasePage):
    url_name = "registry:vendor_edit"


# Organisation pages -------------------------------------------------------------------------------------


class HomePage(BasePage):
    """`home`: the organisations of the person (or straight to the one they belong to)."""

    url_name = "home"


class SettingsPage(BasePage):
    url_name = "organisations:settings"


class SettingsEditPage(BasePage):
    url_name = "organisations:settings_edit"


class StaffBodiesPage(BasePage):
    url_name = "organisations:staff_bodies"


class StaffBodyPage(BasePage):
    url_name = "organisations:staff_body"


class StaffBodyDeletePage(BasePage):
    """A confirmation page (`organisations/confirm.html`), as every deletion shows one."""

    url_name = "organisations:staff_body_delete"


class AgreementsPage(BasePage):
    url_name = "organisations:agreements"


class MembersPage(BasePage):
    url_name = "organisations:members"


class MemberEditPage(BasePage):
    url_name = "organisations:member_edit"


class InvitePage(BasePage):
    url_name = "organisations:invite"


class AcceptInvitationPage(BasePage):
    url_name = "organisations:accept_invitation"


class ApiTokensPage(BasePage):
    url_name = "organisations:api_tokens"

    def create_token(self, name: str) -> None:
        self.field("name").fill(name)
        self.main.locator("form", has=self.page.locator('[name="name"]')).locator('[type="submit"]').click()

    @property
    def new_token(self) -> Locator:
        """The read-only box showing a new token, on the one response that creates it."""
        return self.main.locator("input[readonly]")


class AuditLogPage(BasePage):
    url_name = "organisations:audit_log"


class PlatformOrganisationsPage(BasePage):
    url_name = "organisations:platform_organisations"


class PasswordResetDonePage(BasePage):
    url_name = "accounts:password_reset_done"


class PasswordResetConfirmPage(BasePage):
    url_name = "accounts:password_reset_confirm"


# Qualification and obligations --------------------------------------------------------------------------


class QualificationPage(BasePage):
    """`qualification:tool` (kwargs org, pk): a tool's classification and obligations with the reasons."""

    url_name = "qualification:tool"

    def obligation(self, rule_id: str) -> Locator:
        """The `article` of one obligation, found by its rule id at the start of its heading."""
        return self.main.locator("article").filter(
            has=self.page.get_by_role("heading", name=re.compile(rf"^\s*{re.escape(rule_id)} — "))
        )

    def group(self, title: str) -> Locator:
        return self.main.locator(
            "section", has=self.page.get_by_role("heading", name=re.compile(rf"^{title}"))
        )


class QuestionPage(BasePage):
    """`qualification:question` (kwargs org, pk; query `q=<question id>`): one question of the
    questionnaire at a time, or the summary of the answers at the end."""

    url_name = "qualification:question"

    def answer(self, label: str) -> None:
        """Choose an answer by its label (a radio button or a checkbox) and save."""
        self.main.locator("form").get_by_label(label, exact=True).check()
        self.save()

    def answer_date(self, value: str) -> None:
        self.field("answer").fill(value)
        self.save()

    def save(self) -> None:
        self.main.locator("form").locator('[type="submit"]').click()

    @property
    def progress(self) -> Locator:
        return self.main.locator("#progress")


class ObligationPage(BasePage):
    """`qualification:obligation` (kwargs org, obligation_id): one obligation, its status and history."""

    url_name = "qualification:obligation"

    def set_status(self, label: str, evidence: str = "", reason: str = "") -> None:
        form = self.main.locator("form")
        form.get_by_label(label, exact=True).check()
        if evidence:
            form.locator('[name="evidence"]').fill(evidence)
        if reason:
            form.locator('[name="status_reason"]').fill(reason)
        form.locator('[type="submit"]').click()


class ObligationsDashboardPage(BasePage):
    """`qualification:dashboard` (kwargs org; query filters): the organisation's obligations by urgency."""

    url_name = "qualification:dashboard"


class ObligationsCalendarPage(BasePage):
    """`qualification:calendar` (kwargs org; query `month=YYYY-MM`): the month table."""

    url_name = "qualification:calendar"


# Impact studies, panel, framing note, DUERP --------------------------------------------------------------


class StudyListPage(BasePage):
    """`studies:list` (kwargs org): the organisation's impact studies."""

    url_name = "studies:list"


class StudyCreatePage(BasePage):
    """`studies:create` (kwargs org, pk): start an impact study of a tool."""

    url_name = "studies:create"

    def start(self, title: str = "", kind: str = "New tool") -> None:
        if title:
            self.field("title").fill(title)
        self.main.get_by_label(kind, exact=True).check()
        self.main.get_by_role("button", name="Start the study").click()


class StudyPage(BasePage):
    """`studies:detail` (kwargs org, study_id): the parts, their owners, review, sign-off and results."""

    url_name = "studies:detail"

    @property
    def parts_table(self) -> Locator:
        return self.main.locator("table").first

    def part_row(self, title: str) -> Locator:
        return self.parts_table.locator("tbody tr").filter(has=self.page.get_by_role("link", name=title))

    def open_part(self, title: str) -> None:
        self.parts_table.get_by_role("link", name=title, exact=True).click()

    @property
    def assign_form(self) -> Locator:
        return self.main.locator('form[action*="/assign/"]')

    def assign(self, part: str, department: str = "", person: str = "", due_on: str = "") -> None:
        form = self.assign_form
        form.locator('[name="part"]').select_option(label=part)
        form.locator('[name="department"]').fill(department)
        if person:
            form.locator('[name="assignee"]').select_option(label=person)
        form.locator('[name="due_on"]').fill(due_on)
        form.locator('[type="submit"]').click()

    @property
    def review_form(self) -> Locator:
        return self.main.locator('form[action*="/review/"]')

    def request_review(self, reviewer: str = "") -> None:
        form = self.review_form
        if reviewer:
            form.locator('[name="reviewer"]').select_option(label=reviewer)
        form.locator('[type="submit"]').click()

    @property
    def sign_off_form(self) -> Locator:
        return self.main.locator('form[action*="/sign-off/"]')

    def sign_off(self, comments: str = "", confirm: bool = True) -> None:
        form = self.sign_off_form
        form.locator('[name="comments"]').fill(comments)
        if confirm:
            form.locator('[name="confirm"]').check()
        form.locator('[type="submit"]').click()

    @property
    def results(self) -> Locator:
        return self.main.locator(
            "section", has=self.page.get_by_role("heading", name="Results written at sign-off")
        )


class PanelPage(BasePage):
    """`studies:panel` (kwargs org, study_id): the panel test, its members, sessions, results and sharing."""

    url_name = "studies:panel"

    def create(self, objective: str = "") -> None:
        self.field("objective").fill(objective)
        self.main.get_by_role("button", name="Create the panel test").click()

    @property
    def member_form(self) -> Locator:
        return self.main.locator('form[action*="/panel/members/"]')

    def add_member(self, full_name: str, job: str = "", department: str = "", represents: str = "") -> None:
        form = self.member_form
        form.locator('[name="full_name"]').fill(full_name)
        form.locator('[name="job"]').fill(job)
        form.locator('[name="department"]').fill(department)
        form.locator('[name="represents"]').fill(represents)
        form.locator('[type="submit"]').click()

    @property
    def session_form(self) -> Locator:
        return self.main.locator('form[action*="/panel/sessions/"]')

    def add_session(
        self,
        held_on: str,
        location: str = "",
        participants: tuple[str, ...] = (),
        scenarios: str = "",
        findings: str = "",
    ) -> None:
        form = self.session_form
        form.locator('[name="held_on"]').fill(held_on)
        form.locator('[name="location"]').fill(location)
        for name in participants:
            form.get_by_label(name, exact=True).check()
        form.locator('[name="scenarios"]').fill(scenarios)
        form.locator('[name="findings"]').fill(findings)
        form.locator('[type="submit"]').click()

    @property
    def share_form(self) -> Locator:
        return self.main.locator('form[action*="/panel/share/"]')

    def share_with(self, *bodies: str) -> None:
        form = self.share_form
        for name in bodies:
            form.get_by_label(name, exact=True).check()
        form.locator('[type="submit"]').click()

    def table(self, caption: str) -> Locator:
        return self.main.locator("table", has=self.page.locator("caption", has_text=caption))


class FramingNotePage(BasePage):
    url_name = "studies:framing_note"


class FramingNoteEditPage(BasePage):
    url_name = "studies:framing_note_edit"

    def save(self) -> None:
        self.main.get_by_role("button", name="Save").click()


class DuerpListPage(BasePage):
    """`studies:duerp_list` (kwargs org): updates of the occupational risk assessment, pending and done."""

    url_name = "studies:duerp_list"


# Questionnaires ------------------------------------------------------------------------------------------


class ResponseListPage(BasePage):
    url_name = "assessments:response_list"


class ResponseCreatePage(BasePage):
    url_name = "assessments:response_create"


class ResponsePage(BasePage):
    """`assessments:response` (kwargs org, response_id): sections, owners, progress, scores, answers."""

    url_name = "assessments:response"


class SectionPage(BasePage):
    """`assessments:section` (kwargs org, response_id, section_id): the form of one section's visible
    questions. Questions are found by their stable id (`#question-<id>`), answers by their label."""

    url_name = "assessments:section"

    def question(self, question_id: str) -> Locator:
        return self.main.locator(f"#question-{question_id}")

    def choose(self, question_id: str, label: str) -> None:
        """A radio button (single choice or scale) or a checkbox (multiple choice), by its label."""
        self.question(question_id).get_by_label(label, exact=True).check()

    def answer(self, question_id: str, text: str) -> None:
        """A text, number or date question."""
        self.field(question_id).fill(text)

    def save_draft(self) -> None:
        self.main.get_by_role("button", name="Save the draft").click()

    def complete(self) -> None:
        self.main.get_by_role("button", name="Save and mark the section done").click()

    @property
    def error_summary(self) -> Locator:
        return self.main.locator("#error-summary")


class ResponseComparePage(BasePage):
    """`assessments:compare` (kwargs org; query `a=<id>&b=<id>`): two responses side by side."""

    url_name = "assessments:compare"


# Consultations of the staff bodies -------------------------------------------------------------------------


class ConsultationListPage(BasePage):
    url_name = "consultations:list"


class ConsultationNewPage(BasePage):
    """`consultations:new` (kwargs org, pk): open a consultation of staff bodies on a tool."""

    url_name = "consultations:new"

    def open_consultation(self, *bodies: str, subject: str = "", study: str = "") -> None:
        if subject:
            self.field("subject").fill(subject)
        for name in bodies:
            self.main.locator("fieldset", has_text="Staff bodies to consult").get_by_label(
                name, exact=True
            ).check()
        if study:
            self.field("study").select_option(label=study)
        self.main.get_by_role("button", name="Open the consultation").click()


class ConsultationPage(BasePage):
    """`consultations:detail` (kwargs org, consultation_id): each body (deadline, expert, opinion, the forms
    of the procedure) and the documents."""

    url_name = "consultations:detail"

    def body(self, name: str) -> Locator:
        """The section of one staff body, found by its heading."""
        return self.main.locator("section section").filter(
            has=self.page.get_by_role("heading", name=name, exact=True)
        )

    def _open(self, body: str, summary: str) -> Locator:
        details = (
            self.body(body).locator("details").filter(has=self.page.locator("summary", has_text=summary))
        )
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        return details

    def record_information(self, body: str, on: str) -> None:
        form = self._open(body, "Record the information date")
        form.locator('[name$="-informed_on"]').fill(on)
        form.get_by_role("button", name="Save the date").click()

    def record_opinion(
        self,
        body: str,
        opinion: str = "",
        on: str = "",
        text: str = "",
        votes: tuple[int, int, int] | None = None,
    ) -> None:
        form = self._open(body, "Record the opinion")
        if opinion:
            form.locator('[name$="-opinion"]').select_option(label=opinion)
        form.locator('[name$="-opinion_on"]').fill(on)
        form.locator('[name$="-opinion_text"]').fill(text)
        if votes is not None:
            for name, count in zip(("votes_for", "votes_against", "abstentions"), votes, strict=True):
                form.locator(f'[name$="-{name}"]').fill(str(count))
        form.get_by_role("button", name="Save the opinion").click()

    def generate_dossier(self) -> None:
        self.main.get_by_role("button", name="Generate the information dossier (PDF)").click()

    @property
    def documents(self) -> Locator:
        """The rows of the documents table."""
        return self.main.locator(
            "table", has=self.page.locator("caption", has_text="Documents of the consultation")
        ).locator("tbody tr")

    @property
    def consultation_status(self) -> Locator:
        return self.value_of("Status")


# The AI committee (issue 5) ---------------------------------------------------------------------------------


class CommitteeHomePage(BasePage):
    url_name = "committee:home"


class CommitteeSettingsPage(BasePage):
    url_name = "committee:settings"


class CommitteeMembersPage(BasePage):
    url_name = "committee:members"


class CommitteeMemberEditPage(BasePage):
    """`committee:member_edit` (kwargs org, committee_member_id)."""

    url_name = "committee:member_edit"


class MeetingListPage(BasePage):
    url_name = "committee:meetings"


class MeetingNewPage(BasePage):
    url_name = "committee:meeting_new"


class MeetingPage(BasePage):
    """`committee:meeting` (kwargs org, meeting_id): the meeting, attendance and minutes, decisions, and
    for the delegate the forms to record them."""

    url_name = "committee:meeting"

    @property
    def decision_form(self) -> Locator:
        return self.main.locator('form[action$="/decisions/"]')

    def record_decision(self, text: str, owner: str = "") -> None:
        form = self.decision_form
        form.locator('[name="text"]').fill(text)
        form.locator('[name="owner"]').fill(owner)
        form.locator('[type="submit"]').click()


class DecisionListPage(BasePage):
    url_name = "committee:decisions"


class NotesPage(BasePage):
    url_name = "committee:notes"


class DossierPage(BasePage):
    """`committee:dossier` (kwargs org, year): the annual dossier of the committee."""

    url_name = "committee:dossier"


class CommunicationsPage(BasePage):
    url_name = "committee:communications"


class CommunicationNewPage(BasePage):
    url_name = "committee:communication_new"


class TrainingListPage(BasePage):
    url_name = "committee:training_list"


class TrainingPage(BasePage):
    """`committee:training_detail` (kwargs org, training_id)."""

    url_name = "committee:training_detail"


class TrainingNewPage(BasePage):
    url_name = "committee:training_new"


class TrainingToolPage(BasePage):
    """`committee:training_tool` (kwargs org, pk): the trainings given for one tool."""

    url_name = "committee:training_tool"


class TrainingPersonPage(BasePage):
    """`committee:training_person` (kwargs org, user_id): one person's trainings (a member sees their own)."""

    url_name = "committee:training_person"


class TrainingPeoplePage(BasePage):
    url_name = "committee:training_people"


class TrainingPlanListPage(BasePage):
    url_name = "committee:training_plan_list"


class TrainingPlanPage(BasePage):
    url_name = "committee:training_plan_detail"


class TrainingPlanNewPage(BasePage):
    url_name = "committee:training_plan_new"


# Staff reports (issue 5) ------------------------------------------------------------------------------------


class ReportFormPage(BasePage):
    """`reports:report_new` (kwargs org): a member's report form. After sending, the same address shows the
    confirmation with the reference and, for an anonymous report, the follow-up code (shown once)."""

    url_name = "reports:report_new"

    def fill(
        self,
        title: str,
        description: str,
        tool: str = "",
        occurred_on: str = "",
        files: tuple[str, ...] = (),
        anonymous: bool = False,
    ) -> None:
        if tool:
            self.field("tool").select_option(label=tool)
        self.field("title").fill(title)
        self.field("description").fill(description)
        if occurred_on:
            self.field("occurred_on").fill(occurred_on)
        if files:
            self.field("attachments").set_input_files(list(files))
        if anonymous:
            self.field("anonymous").check()

    def send(self) -> None:
        self.main.get_by_role("button", name="Send the report").click()

    @property
    def followup_code(self) -> Locator:
        return self.main.locator(".followup-code")

    @property
    def error_summary(self) -> Locator:
        return self.main.locator('[role="alert"].errorlist')


class PublicReportPage(ReportFormPage):
    """`reports:public_report` (kwargs token): the same form without an account, always anonymous."""

    url_name = "reports:public_report"


class MyReportsPage(BasePage):
    url_name = "reports:my_reports"


class MyReportPage(BasePage):
    """`reports:my_report` (kwargs org, report_id): a signed report, the committee's messages, and a form to
    add information."""

    url_name = "reports:my_report"


class FollowUpPage(BasePage):
    """`reports:followup` (kwargs org_slug): the follow-up code form, then the report's status and the
    committee's messages."""

    url_name = "reports:followup"

    def enter_code(self, code: str) -> None:
        self.field("code").fill(code)
        self.main.get_by_role("button", name="Open my report").click()

    @property
    def committee_messages(self) -> Locator:
        return self.main.locator("section", has=self.page.locator("#answers-heading")).locator("article")


class CaseListPage(BasePage):
    url_name = "reports:case_list"

    def open_report(self, reference: str) -> None:
        self.main.locator("table").get_by_role("link", name=reference, exact=True).click()


class CasePage(BasePage):
    """`reports:case_detail` (kwargs org, report_id): the report, its steps, and the forms of the next steps
    (one `section` per step, found by its heading; field names carry the step as prefix)."""

    url_name = "reports:case_detail"

    def panel(self, title: str) -> Locator:
        return self.main.locator("section section").filter(
            has=self.page.get_by_role("heading", name=title, exact=True)
        )

    def take(
        self, title: str, button: str, fields: dict[str, str] | None = None, choose: tuple[str, ...] = ()
    ) -> None:
        """Fill the step's form (`fields` by field name without the prefix; select boxes by label) and check
        the radio buttons labelled `choose`, then press `button`."""
        panel = self.panel(title)
        for name, value in (fields or {}).items():
            field = panel.locator(f'[name$="-{name}"]')
            if field.evaluate("el => el.tagName") == "SELECT":
                field.select_option(label=value)
            else:
                field.fill(value)
        for label in choose:
            panel.get_by_label(label, exact=True).check()
        panel.get_by_role("button", name=button).click()

    @property
    def steps(self) -> Locator:
        return self.main.locator("section", has=self.page.locator("#timeline-heading")).locator("li")

    @property
    def letters(self) -> Locator:
        return self.main.locator("section", has=self.page.locator("#alerts-heading")).get_by_role("link")


# The review clause (issue 6) --------------------------------------------------------------------------------


class ReviewAgreementListPage(BasePage):
    """`reviews:agreement_list` (kwargs org): the agreements with their review clauses."""

    url_name = "reviews:agreement_list"


class ReviewAgreementPage(BasePage):
    """`reviews:agreement_detail` (kwargs org, agreement_id): parties, clauses and the agreement's timeline."""

    url_name = "reviews:agreement_detail"


class ReviewAgreementEditPage(BasePage):
    url_name = "reviews:agreement_edit"


class ClauseNewPage(BasePage):
    """`reviews:clause_new` (kwargs org, agreement_id)."""

    url_name = "reviews:clause_new"


class ClauseEditPage(BasePage):
    """`reviews:clause_edit` (kwargs org, clause_id)."""

    url_name = "reviews:clause_edit"


class ModelClausePage(BasePage):
    """`reviews:model_clause` (kwargs org; query `clause=<id>`): the model clause, filled from the
    organisation's settings or from one of its clauses."""

    url_name = "reviews:model_clause"

    def start_from(self, label: str) -> None:
        form = self.main.locator("form", has=self.page.locator('[name="clause"]'))
        form.locator('[name="clause"]').select_option(label=label)
        form.locator('[type="submit"]').click()


class ToolTimelinePage(BasePage):
    """`reviews:tool_timeline` (kwargs org, tool_id): events, meetings and measures about one tool."""

    url_name = "reviews:tool_timeline"

    @property
    def timeline_rows(self) -> Locator:
        """The rows of the timeline table, oldest first."""
        return self.main.locator("table.timeline tbody tr")

    def timeline_row(self, title: str) -> Locator:
        """The row whose "What" is exactly `title` (an event's title is part of its meeting's)."""
        return self.timeline_rows.filter(has=self.page.locator("th", has_text=exactly(title)))


class ReviewHomePage(BasePage):
    """`reviews:home` (kwargs org; query `status=`): the review meetings, upcoming first."""

    url_name = "reviews:home"

    def meeting_links(self) -> Locator:
        return self.main.locator("table tbody th").get_by_role("link")

    def meeting_row(self, title: str) -> Locator:
        return self.main.locator("table tbody tr").filter(has=self.page.get_by_role("link", name=title))

    def open_meeting(self, title: str) -> None:
        self.meeting_links().filter(has_text=title).first.click()


class ReviewMeetingPage(BasePage):
    """`reviews:meeting_detail` (kwargs org, review_meeting_id): the meeting, its agenda, tools,
    participants and attendance, minutes, measures and outcome, and the delegate's actions."""

    url_name = "reviews:meeting_detail"

    def section(self, heading: str) -> Locator:
        return self.main.locator("section", has=self.page.get_by_role("heading", name=heading, exact=True))

    @property
    def agenda(self) -> Locator:
        return self.section("Agenda")

    @property
    def participants(self) -> Locator:
        """The rows of the participants table."""
        return self.section("Participants and attendance").locator("tbody tr")

    def attendance_of(self, name: str) -> Locator:
        row = self.participants.filter(has=self.page.locator("th", has_text=exactly(name)))
        return row.locator("td").last

    @property
    def minutes(self) -> Locator:
        return self.section("Minutes")

    @property
    def measures(self) -> Locator:
        """The rows of the measures table."""
        return self.section("Measures").locator("tbody tr")

    def measure(self, text: str) -> Locator:
        return self.measures.filter(has=self.page.locator("th", has_text=text))

    @property
    def outcome(self) -> Locator:
        return self.section("Outcome")

    def act(self, link_text: str) -> None:
        """Follow one of the delegate's actions (a link of the "Actions" list)."""
        self.main.locator("ul.actions").get_by_role("link", name=link_text).click()

    def mark_done(self, text: str) -> None:
        self.measure(text).get_by_role("link", name="Mark as done").click()


class ReviewMeetingEditPage(BasePage):
    """`reviews:meeting_edit` (kwargs org, review_meeting_id): reschedule a planned meeting."""

    url_name = "reviews:meeting_edit"


class ReviewMinutesPage(BasePage):
    """`reviews:meeting_minutes` (kwargs org, review_meeting_id): one fieldset of radio buttons per
    participant (its legend: "name (capacity)"), and the minutes."""

    url_name = "reviews:meeting_minutes"

    def set_attendance(self, person: str, state: str) -> None:
        """`person` is the legend of the participant's group, `state` "Present", "Excused" or "Absent"."""
        group = self.main.get_by_role("group", name=person, exact=True)
        group.get_by_label(state, exact=True).check()

    def record(self, attendance: dict[str, str], minutes: str) -> None:
        for person, state in attendance.items():
            self.set_attendance(person, state)
        self.field("minutes").fill(minutes)
        self.save()

    def save(self) -> None:
        self.main.get_by_role("button", name="Save the attendance and the minutes").click()


class ReviewCloseMeetingPage(BasePage):
    """`reviews:meeting_close` (kwargs org, review_meeting_id): the outcome and its explanation."""

    url_name = "reviews:meeting_close"

    def close(self, outcome: str, explanation: str = "") -> None:
        self.main.get_by_role("group", name="Outcome").get_by_label(outcome, exact=True).check()
        self.field("outcome_text").fill(explanation)
        self.main.get_by_role("button", name="Close the meeting").click()


class MeasureNewPage(BasePage):
    """`reviews:measure_new` (kwargs org, review_meeting_id)."""

    url_name = "reviews:measure_new"

    def record(self, text: str, due_on: str, owner: str = "", owner_name: str = "", tool: str = "") -> None:
        """`owner` is the label of a member in the list ("Name <address>"); `tool` a tool's name."""
        self.field("text").fill(text)
        if owner:
            self.field("owner").select_option(label=owner)
        if owner_name:
            self.field("owner_name").fill(owner_name)
        self.field("due_on").fill(due_on)
        if tool:
            self.field("tool").select_option(label=tool)
        self.main.get_by_role("button", name="Save").click()


class MeasureEditPage(BasePage):
    """`reviews:measure_edit` (kwargs org, measure_id)."""

    url_name = "reviews:measure_edit"


class MeasureDonePage(BasePage):
    """`reviews:measure_done` (kwargs org, measure_id): record that a measure is carried out."""

    url_name = "reviews:measure_done"

    def record(self, done_on: str = "", note: str = "") -> None:
        if done_on:
            self.field("done_on").fill(done_on)
        self.field("note").fill(note)
        self.main.get_by_role("button", name="Record as done").click()


class MeasureListPage(BasePage):
    """`reviews:measure_list` (kwargs org; query `state=`, `owner=`)."""

    url_name = "reviews:measure_list"


class EventListPage(BasePage):
    """`reviews:event_list` (kwargs org; query `status=`, `kind=`): the organisation's events and the
    installation's events that reached it."""

    url_name = "reviews:event_list"


class EventNewPage(BasePage):
    url_name = "reviews:event_new"


class EventPage(BasePage):
    """`reviews:event_detail` (kwargs org, event_id)."""

    url_name = "reviews:event_detail"


class PlatformEventListPage(BasePage):
    """`reviews:platform_event_list`: the installation's events (platform administrator only)."""

    url_name = "reviews:platform_event_list"


class PlatformEventNewPage(BasePage):
    """`reviews:platform_event_new`: enter an installation event."""

    url_name = "reviews:platform_event_new"

    def enter(
        self,
        kind: str,
        title: str,
        occurred_on: str,
        vendor: str = "",
        source: str = "",
        description: str = "",
        product: str = "",
        confirm_now: bool = False,
    ) -> None:
        """`kind` and `vendor` are the labels of their lists."""
        self.field("kind").select_option(label=kind)
        self.field("title").fill(title)
        self.field("occurred_on").fill(occurred_on)
        self.field("source").fill(source)
        self.field("description").fill(description)
        if vendor:
            self.field("vendor").select_option(label=vendor)
        self.field("product").fill(product)
        self.field("confirm_now").set_checked(confirm_now)
        self.main.get_by_role("button", name="Record the event").click()


class PlatformEventPage(BasePage):
    """`reviews:platform_event_detail` (kwargs event_id): the event, the decision form while it is pending,
    and its reach (organisations and meetings)."""

    url_name = "reviews:platform_event_detail"

    def confirm(self, note: str = "") -> None:
        self.field("note").fill(note)
        self.main.get_by_role("button", name="Confirm the event").click()

    @property
    def reach(self) -> Locator:
        return self.main.locator("section", has=self.page.locator("#reach-heading"))


class FeedListPage(BasePage):
    url_name = "reviews:feed_list"


class FeedNewPage(BasePage):
    url_name = "reviews:feed_new"


class FeedEditPage(BasePage):
    """`reviews:feed_edit` (kwargs org, feed_id)."""

    url_name = "reviews:feed_edit"


class PlatformFeedListPage(BasePage):
    url_name = "reviews:platform_feed_list"


class PlatformFeedNewPage(BasePage):
    url_name = "reviews:platform_feed_new"


class WebhookListPage(BasePage):
    url_name = "webhooks:list"


class WebhookNewPage(BasePage):
    """`webhooks:new` (kwargs org): subscribe an endpoint; the answer shows its signing secret once."""

    url_name = "webhooks:new"

    def subscribe(self, url: str, description: str, *events: str) -> None:
        self.field("url").fill(url)
        self.field("description").fill(description)
        for label in events:
            self.main.get_by_label(label, exact=True).check()
        self.submit()

    @property
    def secret(self) -> Locator:
        return self.main.locator("#webhook-secret")


class WebhookPage(BasePage):
    """`webhooks:detail` (kwargs org, webhook_id): its settings and delivery log."""

    url_name = "webhooks:detail"


class WebhookEditPage(BasePage):
    url_name = "webhooks:edit"


class WebhookDeliveryPage(BasePage):
    """`webhooks:delivery_detail` (kwargs org, delivery_id)."""

    url_name = "webhooks:delivery_detail"
