"""The questionnaire pages: list, start, overview, filling a section (drafts, conditions, validation,
completion, files), assignment with its e-mail, submission and comparison across definition versions."""

import copy

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from revoyure.assessments import services
from revoyure.assessments.loading import parse_definition
from revoyure.assessments.models import (
    Answer,
    QuestionnaireDefinition,
    Response,
    ResponseStatus,
    SectionAssignment,
    SectionStatus,
)
from revoyure.registry.models import Attachment
from tests.assessments.helpers import small_definition, t
from tests.factories import make_tool


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


@pytest.fixture
def v1(db):
    services.sync_definitions([parse_definition(small_definition(), "small")])
    return QuestionnaireDefinition.objects.get(slug="small", version=1)


def small_v2():
    content = copy.deepcopy(small_definition(2))
    first = content["sections"][0]
    first["questions"][0]["text"] = t("Is AI used?")
    first["questions"] = [q for q in first["questions"] if q["id"] != "stress"]
    content["sections"][1]["questions"].append({"id": "new_q", "type": "text", "text": t("New question")})
    return content


@pytest.fixture
def v2(v1):
    services.sync_definitions([parse_definition(small_v2(), "small v2")])
    return QuestionnaireDefinition.objects.get(slug="small", version=2)


@pytest.fixture
def response(personas, v1, tool):
    return services.create_response(personas.org, personas.manager, v1, "Planner study", tool=tool)


def url(name, response=None, **kwargs):
    if response is not None:
        kwargs["response_id"] = response.pk
    return reverse(f"assessments:{name}", kwargs={"org": "acme", **kwargs})


def answers(response):
    return dict(Answer.objects.filter(response=response).values_list("question_id", "value"))


# The list ------------------------------------------------------------------------------------------------


def test_the_list_shows_the_organisations_responses(personas, response):
    other = services.create_response(personas.other_org, personas.outsider, "small", "Elsewhere")
    page = personas.client("staff_rep").get(url("response_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Planner study" in html
    assert other.title not in html
    assert "0 of 2" in html  # sections done
    assert url("response_create") not in html  # staff representatives read, they do not start


def test_the_list_filters_by_status_and_tool(personas, response, v1):
    services.create_response(personas.org, personas.manager, v1, "No tool study")
    client = personas.client("manager")
    page = client.get(url("response_list"), {"tool": response.tool_id})
    assert "Planner study" in page.content.decode()
    assert "No tool study" not in page.content.decode()
    page = client.get(url("response_list"), {"status": "submitted"})
    assert "Planner study" not in page.content.decode()
    assert client.get(url("response_list"), {"status": "nonsense"}).status_code == 400
    assert client.get(url("response_list"), {"page": "99"}).status_code == 400


@pytest.mark.parametrize(("who", "status"), [("employee", 403), ("outsider", 404)])
def test_the_list_is_refused_to_employees_and_outsiders(personas, response, who, status):
    assert personas.client(who).get(url("response_list")).status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client, response):
    for path in (
        url("response_list"),
        url("response", response),
        url("section", response, section_id="first"),
    ):
        page = client.get(path)
        assert page.status_code == 302
        assert page["Location"].startswith("/accounts/login/")


def test_the_list_runs_a_constant_number_of_queries(personas, v1, tool, django_assert_max_num_queries):
    client = personas.client("manager")

    def grow(count):
        for i in range(count):
            r = services.create_response(personas.org, personas.manager, v1, f"Study {i}", tool=tool)
            services.complete_section(r, personas.manager, "second")

    grow(2)
    with django_assert_max_num_queries(12):
        assert client.get(url("response_list")).status_code == 200
    grow(25)
    with django_assert_max_num_queries(12):
        page = client.get(url("response_list"))
    assert page.status_code == 200
    assert "1 of 2" in page.content.decode()


# Starting one --------------------------------------------------------------------------------------------


def test_a_manager_starts_a_questionnaire_on_the_newest_version(personas, v2, tool):
    client = personas.client("manager")
    page = client.get(url("response_create"), {"tool": tool.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Small (v2)" in html
    assert "Small (v1)" not in html
    assert "working-conditions" not in html or "(v1)" in html  # the shipped ones are offered too
    posted = client.post(url("response_create"), {"definition": v2.pk, "tool": tool.pk, "title": "New study"})
    created = Response.objects.get(title="New study")
    assert posted.status_code == 302
    assert posted["Location"] == url("response", created)
    assert created.definition == v2
    assert created.tool == tool
    assert created.assignments.count() == 2


def test_starting_with_bad_input_writes_nothing(personas, v1):
    client = personas.client("manager")
    other_tool = make_tool(personas.other_org)
    for data in (
        {"definition": v1.pk, "title": ""},
        {"definition": 999999, "title": "x"},
        {"definition": v1.pk, "title": "x", "tool": other_tool.pk},
    ):
        page = client.post(url("response_create"), data)
        assert page.status_code == 400
        assert 'role="alert"' in page.content.decode()
    assert not Response.objects.exists()


def test_starting_needs_the_manage_permission(personas, v1):
    assert personas.client("staff_rep").get(url("response_create")).status_code == 403
    assert (
        personas.client("staff_rep")
        .post(url("response_create"), {"definition": v1.pk, "title": "x"})
        .status_code
        == 403
    )
    assert personas.client("outsider").get(url("response_create")).status_code == 404
    assert not Response.objects.exists()


# The overview --------------------------------------------------------------------------------------------


def test_the_overview_shows_sections_progress_and_answers(personas, response):
    services.save_answers(response, personas.manager, {"uses_ai": "yes", "stress": 3})
    page = personas.client("auditor").get(url("response", response))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Small, answered with version 1" in html
    assert "prevention" in html and "hr" in html
    assert "Yes" in html  # the choice's label, not its value
    assert "3 — " not in html and "Not answered" in html
    assert "Total: 8 out of" in html  # 2 (yes) + 2 × 3 (stress), a preview
    assert "Preview computed from the current answers" in html
    assert url("submit", response) not in html  # auditors read only


@pytest.mark.parametrize(("who", "status"), [("employee", 403), ("outsider", 404)])
def test_the_overview_is_refused_to_others(personas, response, who, status):
    assert personas.client(who).get(url("response", response)).status_code == status


def test_an_unknown_or_foreign_response_is_404(personas, response):
    foreign = services.create_response(personas.other_org, personas.outsider, "small", "Elsewhere")
    client = personas.client("admin")
    assert client.get(url("response", foreign)).status_code == 404
    assert client.get(url("response", response_id=999999)).status_code == 404
    assert client.get(url("section", response, section_id="nope")).status_code == 404


def test_an_assigned_employee_sees_the_overview_and_fills_only_their_section(personas, response):
    services.assign_section(response, personas.manager, "first", assignee=personas.employee)
    client = personas.client("employee")
    page = client.get(url("response", response))
    assert page.status_code == 200
    assert url("section", response, section_id="first") in page.content.decode()
    assert url("section", response, section_id="second") not in page.content.decode()
    assert client.get(url("section", response, section_id="first")).status_code == 200
    assert client.get(url("section", response, section_id="second")).status_code == 403
    saved = client.post(url("section", response, section_id="first"), {"action": "save", "uses_ai": "no"})
    assert saved.status_code == 302
    assert answers(response) == {"uses_ai": "no"}
    assert (
        client.post(
            url("section", response, section_id="second"), {"action": "save", "staff": "3"}
        ).status_code
        == 403
    )
    assert client.post(url("submit", response)).status_code == 403
    assert client.post(url("assign", response, section_id="first"), {}).status_code == 403
    assert client.get(url("response_list")).status_code == 403


def test_a_response_still_displays_after_its_definition_changes(personas, response, v2):
    services.save_answers(response, personas.manager, {"uses_ai": "yes", "stress": 2})
    html = personas.client("manager").get(url("response", response)).content.decode()
    assert "answered with version 1" in html
    assert "Version 2 has been published since; this response keeps version 1." in html
    assert "AI?" in html and "Is AI used?" not in html  # the text of version 1
    assert "Stress" in html  # a question version 2 no longer has


# Filling a section ---------------------------------------------------------------------------------------


def test_a_draft_is_saved_and_shown_and_a_condition_reveals_a_question(personas, response):
    client = personas.client("manager")
    page = client.get(url("section", response, section_id="first"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="uses_ai"' in html and 'name="ai_kind"' not in html
    saved = client.post(
        url("section", response, section_id="first"), {"action": "save", "uses_ai": "yes", "stress": "2"}
    )
    assert saved.status_code == 302
    assert answers(response) == {"uses_ai": "yes", "stress": 2}
    html = client.get(url("section", response, section_id="first")).content.decode()
    assert 'name="ai_kind"' in html  # appears now that "yes" is saved
    assert 'value="yes" required' not in html
    assert "checked" in html
    client.post(
        url("section", response, section_id="first"),
        {"action": "save", "uses_ai": "yes", "ai_kind": ["genai"], "stress": "2"},
    )
    html = client.get(url("section", response, section_id="first")).content.decode()
    assert 'name="genai_detail"' in html


def test_changing_an_answer_drops_the_answers_it_hides(personas, response):
    services.save_answers(
        response, personas.manager, {"uses_ai": "yes", "ai_kind": ["genai"], "genai_detail": "chat"}
    )
    client = personas.client("manager")
    # The form still holds the later answers: they no longer apply and are cleared, not refused.
    page = client.post(
        url("section", response, section_id="first"),
        {"action": "save", "uses_ai": "no", "ai_kind": ["genai"], "genai_detail": "chat"},
        follow=True,
    )
    assert page.status_code == 200
    assert answers(response) == {"uses_ai": "no"}
    assert "no longer apply" in page.content.decode()


def test_invalid_values_give_400_and_write_nothing(personas, response):
    services.save_answers(response, personas.manager, {"uses_ai": "no"})
    client = personas.client("manager")
    page = client.post(
        url("section", response, section_id="first"), {"action": "save", "uses_ai": "yes", "stress": "9"}
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert 'role="alert"' in html and "Stress" in html
    page = client.post(
        url("section", response, section_id="second"),
        {"action": "save", "staff": "lots", "start": "31/02/2026"},
    )
    assert page.status_code == 400
    assert "is not a number" in page.content.decode()
    assert "is not a date" in page.content.decode()
    page = client.post(url("section", response, section_id="first"), {"action": "save", "uses_ai": "maybe"})
    assert page.status_code == 400
    assert client.post(url("section", response, section_id="first"), {"uses_ai": "yes"}).status_code == 400
    assert answers(response) == {"uses_ai": "no"}


def test_completing_a_section(personas, response):
    client = personas.client("manager")
    section = url("section", response, section_id="first")
    refused = client.post(section, {"action": "complete", "stress": "1"})
    assert refused.status_code == 400
    assert "This question is required." in refused.content.decode()
    assert answers(response) == {"stress": 1}  # the draft is kept
    assignment = SectionAssignment.objects.get(response=response, section_id="first")
    assert assignment.status == SectionStatus.TODO
    done = client.post(section, {"action": "complete", "uses_ai": "no", "stress": "1"})
    assert done.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == SectionStatus.DONE
    assert assignment.completed_by == personas.manager
    assert "Done" in client.get(url("response", response)).content.decode()
    assert client.post(section, {"action": "reopen"}).status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == SectionStatus.TODO


def test_staff_representatives_cannot_fill(personas, response):
    client = personas.client("staff_rep")
    assert client.get(url("section", response, section_id="first")).status_code == 403
    assert (
        client.post(
            url("section", response, section_id="first"), {"action": "save", "uses_ai": "no"}
        ).status_code
        == 403
    )
    assert answers(response) == {}


def test_a_file_answer_is_stored_as_an_attachment_of_the_tool(personas, response):
    client = personas.client("manager")
    upload = SimpleUploadedFile("note.txt", b"minutes of the meeting", content_type="text/plain")
    page = client.post(url("section", response, section_id="second"), {"action": "save", "doc": upload})
    assert page.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.tool == response.tool
    value = answers(response)["doc"]
    assert value == {
        "name": "note.txt",
        "id": attachment.pk,
        "sha256": attachment.sha256,
        "size": 22,
        "content_type": "text/plain",
    }
    download = client.get(url("answer_file", response, question_id="doc"))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"minutes of the meeting"
    assert personas.client("employee").get(url("answer_file", response, question_id="doc")).status_code == 403
    assert personas.client("outsider").get(url("answer_file", response, question_id="doc")).status_code == 404
    assert client.get(url("answer_file", response, question_id="staff")).status_code == 404
    # Removing the file clears the answer.
    assert (
        client.post(
            url("section", response, section_id="second"), {"action": "save", "doc__clear": "on"}
        ).status_code
        == 302
    )
    assert "doc" not in answers(response)


def test_a_refused_file_writes_nothing(personas, response):
    client = personas.client("manager")
    upload = SimpleUploadedFile(
        "page.html", b"<html><script>alert(1)</script></html>", content_type="text/html"
    )
    page = client.post(
        url("section", response, section_id="second"), {"action": "save", "doc": upload, "staff": "4"}
    )
    assert page.status_code == 400
    assert "HTML or SVG files are not accepted." in page.content.decode()
    assert not Attachment.objects.exists()
    assert answers(response) == {}


def test_a_file_without_a_tool_is_kept_with_the_organisation(personas, v1):
    response = services.create_response(personas.org, personas.manager, v1, "No tool")
    upload = SimpleUploadedFile("note.txt", b"some text", content_type="text/plain")
    page = personas.client("manager").post(
        url("section", response, section_id="second"), {"action": "save", "doc": upload}
    )
    assert page.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.tool is None and attachment.organisation == personas.org


# Assignment ----------------------------------------------------------------------------------------------


def test_assigning_a_section_emails_the_assignee(
    personas, response, smtp_server, django_capture_on_commit_callbacks
):
    client = personas.client("manager")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        page = client.post(
            url("assign", response, section_id="second"),
            {
                "assign-second-assignee": personas.employee.pk,
                "assign-second-department": "HR",
                "assign-second-due_on": "2030-05-01",
            },
        )
    assert len(callbacks) == 1
    assert page.status_code == 302
    assignment = SectionAssignment.objects.get(response=response, section_id="second")
    assert (assignment.assignee, assignment.department, str(assignment.due_on)) == (
        personas.employee,
        "HR",
        "2030-05-01",
    )
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert mail["To"] == personas.employee.email
    body = mail.get_content()
    assert "“Second”" in body and "2030-05-01" in body
    assert "http://testserver" + url("section", response, section_id="second") in body
    # Saving the same assignment again sends nothing more.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(
            url("assign", response, section_id="second"),
            {
                "assign-second-assignee": personas.employee.pk,
                "assign-second-department": "HR people",
                "assign-second-due_on": "2030-05-01",
            },
        )
    assert callbacks == []
    assert len(smtp_server.messages) == 1
    overview = client.get(url("response", response)).content.decode()
    assert "HR people" in overview and personas.employee.full_name in overview


def test_assigning_with_bad_input_gives_400(
    personas, response, smtp_server, django_capture_on_commit_callbacks
):
    client = personas.client("manager")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        page = client.post(
            url("assign", response, section_id="second"),
            {"assign-second-assignee": personas.outsider.pk, "assign-second-due_on": "soon"},
        )
    assert callbacks == []
    assert page.status_code == 400
    assert 'role="alert"' in page.content.decode()
    assert client.post(url("assign", response, section_id="nope"), {}).status_code == 404
    assert SectionAssignment.objects.get(response=response, section_id="second").assignee is None
    assert smtp_server.messages == []
    assert (
        personas.client("staff_rep")
        .post(url("assign", response, section_id="second"), {"assign-second-assignee": personas.employee.pk})
        .status_code
        == 403
    )


# Submission ----------------------------------------------------------------------------------------------


def test_submitting_lists_the_missing_questions_then_records_the_scores(personas, response):
    client = personas.client("manager")
    refused = client.post(url("submit", response))
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "answer the required questions" in html and "AI?" in html
    assert Response.objects.get(pk=response.pk).status == ResponseStatus.DRAFT
    services.save_answers(response, personas.manager, {"uses_ai": "yes", "ai_kind": ["scoring"], "stress": 4})
    assert client.post(url("submit", response)).status_code == 302
    response.refresh_from_db()
    assert response.status == ResponseStatus.SUBMITTED
    assert response.result["total"] == 2 + 1 + 8
    assert response.result["level"] == "critical"
    html = client.get(url("response", response)).content.decode()
    assert "Scores as recorded when the response was submitted." in html and "Critical" in html
    after = client.post(url("section", response, section_id="first"), {"action": "save", "uses_ai": "no"})
    assert after.status_code == 400
    assert answers(response)["uses_ai"] == "yes"
    assert client.post(url("submit", response)).status_code == 400
    assert personas.client("staff_rep").post(url("submit", response)).status_code == 403


# Comparison ----------------------------------------------------------------------------------------------


def test_comparing_two_responses_across_versions(personas, response, v2):
    services.save_answers(
        response, personas.manager, {"uses_ai": "yes", "ai_kind": ["scoring"], "stress": 3, "staff": 10}
    )
    after = services.create_response(personas.org, personas.manager, v2, "After the update")
    services.save_answers(
        after,
        personas.manager,
        {"uses_ai": "yes", "ai_kind": ["genai"], "genai_detail": "chat", "staff": 10, "new_q": "hello"},
    )
    page = personas.client("staff_rep").get(url("compare"), {"a": response.pk, "b": after.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert "questionnaire version 1" in html and "questionnaire version 2" in html
    assert "Scoring" in html and "Generative" in html  # the changed answer, as labels
    assert "New question" in html and "Question removed" in html
    assert "Staff" not in html  # unchanged answers only on request
    assert ">-4<" in html.replace(" ", "").replace("\n", "")  # 9 → 5
    full = personas.client("staff_rep").get(url("compare"), {"a": response.pk, "b": after.pk, "all": "on"})
    assert "Staff" in full.content.decode() and "Unchanged" in full.content.decode()


def test_comparison_input_is_checked(personas, response, tool):
    client = personas.client("manager")
    assert client.get(url("compare")).status_code == 200
    foreign = services.create_response(personas.other_org, personas.outsider, "small", "Elsewhere")
    assert client.get(url("compare"), {"a": response.pk, "b": foreign.pk}).status_code == 400
    assert client.get(url("compare"), {"a": response.pk, "b": response.pk}).status_code == 400
    assert client.get(url("compare"), {"a": "x", "b": "-3"}).status_code == 400
    shipped = services.create_response(personas.org, personas.manager, "fria", "FRIA")
    page = client.get(url("compare"), {"a": response.pk, "b": shipped.pk})
    assert page.status_code == 400
    assert "different questionnaires" in page.content.decode()
    assert personas.client("employee").get(url("compare")).status_code == 403
    assert personas.client("outsider").get(url("compare")).status_code == 404


MALFORMED = [
    {"name": "", "status": "no-such-status", "file": "not a file", "a": "x", "b": "y", "page": "-1"},
    {"name": "x" * 5000, "limit": "abc", "offset": "-1", "date": "31/02/2026"},
]


def test_malformed_posts_to_every_page_give_4xx_and_write_nothing(personas, response):
    client = personas.client("admin")
    paths = [
        url("response_list"),
        url("response_create"),
        url("compare"),
        url("response", response),
        url("submit", response),
        url("section", response, section_id="first"),
        url("assign", response, section_id="first"),
        url("answer_file", response, question_id="doc"),
    ]
    before = (Answer.objects.count(), Response.objects.count(), Attachment.objects.count())
    for path in paths:
        for data in MALFORMED:
            assert 400 <= client.post(path, data).status_code < 500, path
        assert 400 <= client.post(path, b"\x00\xff{", content_type="application/json").status_code < 500
        assert client.get(path, {"page": "abc", "status": "zzz", "a": "0", "b": "-3"}).status_code < 500
        assert personas.client("outsider").post(path, {}).status_code == 404
    assert (Answer.objects.count(), Response.objects.count(), Attachment.objects.count()) == before
    assert Response.objects.get(pk=response.pk).status == ResponseStatus.DRAFT


def test_the_qualification_questionnaire_is_not_offered_as_a_response(personas):
    page = personas.client("manager").get(reverse("assessments:response_create", kwargs={"org": "acme"}))
    assert page.status_code == 200
    assert "Qualification" not in page.content.decode()
    with pytest.raises(ValidationError):
        services.create_response(personas.org, personas.manager, "qualification", "Q")
