"""Importing a SurveyJS questionnaire from the web: the service, the import page, the read-only definition
page with what was not imported, versions on re-import, and isolation between organisations (pages, the
start form, the service and the API)."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import RestrictedError
from django.urls import reverse

from revoyure.assessments import queries, services
from revoyure.assessments.loading import all_definitions
from revoyure.assessments.models import QuestionnaireDefinition, Response
from revoyure.core.models import AuditEntry
from revoyure.organisations.tokens import create_token

LARGE = Path(__file__).parent / "data" / "surveyjs_large.json"
EXPECTED_PROBLEMS = {
    ("calculatedValues", "calculatedValues"),
    ("triggers", "triggers"),
    ("satisfaction_matrix", "matrix"),
    ("intro_html", "html"),
    ("tools_table", "matrixdynamic"),
    ("total_expr", "expression"),
    ("signature", "signaturepad"),
    ("priorities", "ranking"),
    ("email_contact", "validators"),
    ("complex_cond", "visibleIf"),
}
SMALL = {
    "pages": [
        {
            "name": "only",
            "elements": [
                {"type": "boolean", "name": "uses_ai", "title": {"default": "AI?", "fr": "IA ?"}},
                {"type": "comment", "name": "detail", "visibleIf": "{uses_ai} = true"},
            ],
        }
    ]
}


def url(name, org="acme", **kwargs):
    return reverse(f"assessments:{name}", kwargs={"org": org, **kwargs})


def upload(content, name="survey.json"):
    if not isinstance(content, bytes):
        content = json.dumps(content).encode()
    return SimpleUploadedFile(name, content, content_type="application/json")


def post_import(client, content, name="Digital survey", org="acme"):
    return client.post(url("surveyjs_import", org=org), {"name": name, "file": upload(content)})


def counts():
    return (
        QuestionnaireDefinition.objects.count(),
        AuditEntry.objects.filter(action="assessments.definition_imported").count(),
    )


@pytest.fixture
def large_bytes():
    return LARGE.read_bytes()


@pytest.fixture
def imported(personas, large_bytes):
    definition, _problems = services.import_surveyjs_definition(
        personas.org, personas.manager, large_bytes, name="Digital survey"
    )
    return definition


# The service --------------------------------------------------------------------------------------------


def test_the_service_registers_an_organisation_definition_with_its_report(personas, large_bytes):
    definition, problems = services.import_surveyjs_definition(
        personas.org, personas.manager, large_bytes, name="Digital survey"
    )
    assert definition.organisation == personas.org
    assert definition.slug == "acme-digital-survey"
    assert definition.version == 1
    assert definition.content["id"] == definition.slug
    assert definition.title == {
        "fr": "Enquête numérique et conditions de travail",
        "en": "Digital tools and working conditions survey",
    }
    assert len(definition.parsed.questions) >= 100
    assert {(p.name, p.construct) for p in problems} == EXPECTED_PROBLEMS
    stored = QuestionnaireDefinition.objects.get(pk=definition.pk)
    assert {(p["name"], p["construct"]) for p in stored.import_report} == EXPECTED_PROBLEMS
    assert set(stored.import_report[0]) == {"path", "name", "construct", "message"}
    entry = AuditEntry.objects.get(action="assessments.definition_imported")
    assert entry.organisation_id == personas.org.pk
    assert entry.data["slug"] == "acme-digital-survey"
    assert entry.data["problems"] == len(problems)


def test_importing_again_under_the_same_name_makes_a_new_version(personas, imported, large_bytes):
    response = services.create_response(personas.org, personas.manager, imported, "Before")
    second, _ = services.import_surveyjs_definition(
        personas.org, personas.manager, large_bytes.decode(), name="  Digital   survey "
    )
    assert (second.slug, second.version) == (imported.slug, 2)
    assert second.content["version"] == 2
    response.refresh_from_db()
    assert response.definition_id == imported.pk  # existing responses keep their version
    assert queries.newer_version(imported) == 2
    newest = queries.newest_definitions(personas.org)
    assert second in newest
    assert imported not in newest


def test_without_a_title_the_name_is_the_title(personas):
    definition, problems = services.import_surveyjs_definition(
        personas.org, personas.manager, json.dumps(SMALL), name="Petit questionnaire"
    )
    assert definition.title == {"fr": "Petit questionnaire", "en": "Petit questionnaire"}
    assert problems == []
    assert definition.parsed.by_id["detail"].when.source == 'q.uses_ai == "yes"'


def test_identifiers_never_take_a_shipped_or_another_organisations(personas):
    shipped = next(d.slug for d in all_definitions() if "-" in d.slug)
    head, tail = shipped.split("-", 1)
    personas.org.slug = head
    personas.org.save()
    first, _ = services.import_surveyjs_definition(
        personas.org, personas.manager, json.dumps(SMALL), name=tail
    )
    assert first.slug == f"{shipped}-2"
    # "other" + "acme-x" and "other-acme" + "x" would both be "other-acme-x".
    personas.org.slug = "other-acme"
    personas.org.save()
    mine, _ = services.import_surveyjs_definition(personas.org, personas.manager, json.dumps(SMALL), name="x")
    theirs, _ = services.import_surveyjs_definition(
        personas.other_org, personas.outsider, json.dumps(SMALL), name="acme x"
    )
    assert mine.slug == "other-acme-x"
    assert theirs.slug == "other-acme-x-2"
    assert (theirs.version, theirs.organisation) == (1, personas.other_org)
    again, _ = services.import_surveyjs_definition(
        personas.other_org, personas.outsider, json.dumps(SMALL), name="acme x"
    )
    assert (again.slug, again.version) == ("other-acme-x-2", 2)


def test_a_name_without_latin_letters_still_gives_a_stable_identifier(personas):
    a, _ = services.import_surveyjs_definition(personas.org, personas.manager, json.dumps(SMALL), name="調査")
    b, _ = services.import_surveyjs_definition(personas.org, personas.manager, json.dumps(SMALL), name="調査")
    assert a.slug == b.slug
    assert a.slug.startswith("acme-q")
    assert (a.version, b.version) == (1, 2)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (b"", "file", "empty"),
        (b"{not json", "file", "not valid JSON"),
        (b"\xff\xfe\x00{", "file", "not UTF-8"),
        (b"[1, 2]", "file", "JSON object"),
        (b'"text"', "file", "JSON object"),
        (b'{"pages": [{"elements": [{"type": "text", "name": "a", "min": NaN}]}]}', "file", "not valid JSON"),
        (b'{"pages": [{"name": "p", "elements": [{"type": "text", "name": "a\\u0000"}]}]}', "file", "null"),
        (b'{"title": "\\ud800"}', "file", "invalid text"),
        (b"[" * 100_000 + b"]" * 100_000, "file", "nested"),
        (b'{"pages": []}', "file", "No question"),
        (b'{"pages": [{"elements": [{"type": "matrix", "name": "m"}]}]}', "file", "No question"),
        (b'{"pages": "not a list"}', "file", ""),
        (b'{"elements": [{"type": "rating", "name": "r", "rateMax": 1000000000}]}', "file", "at most 101"),
        (b'{"elements": [{"type": "rating", "name": "r", "rateMin": "low"}]}', "file", "that can be read"),
        (b'{"elements": [{"type": "rating", "name": "r", "rateValues": 5}]}', "file", "that can be read"),
        (b'{"elements": [{"type": "checkbox", "name": "c", "choices": 5}]}', "file", "that can be read"),
        (b'{"elements": [{"type": "rating", "name": "r", "rateMin": 5, "rateMax": 1}]}', "file", "not valid"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(personas, data, field, message):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        services.import_surveyjs_definition(personas.org, personas.manager, data, name="Bad")
    assert field in caught.value.message_dict
    assert message in " ".join(caught.value.message_dict[field])
    assert counts() == before


def test_too_big_and_nameless_imports_are_refused(personas):
    before = counts()
    big = json.dumps({"title": "x" * (services.SURVEYJS_MAX_BYTES + 1)})
    with pytest.raises(ValidationError, match="too large"):
        services.import_surveyjs_definition(personas.org, personas.manager, big, name="Big")
    many = {
        "elements": [{"type": "text", "name": f"q{i}"} for i in range(services.SURVEYJS_MAX_QUESTIONS + 1)]
    }
    with pytest.raises(ValidationError, match="at most 1000 can be imported"):
        services.import_surveyjs_definition(personas.org, personas.manager, json.dumps(many), name="Many")
    for name in ("", "   ", "x" * 101):
        with pytest.raises(ValidationError) as caught:
            services.import_surveyjs_definition(personas.org, personas.manager, json.dumps(SMALL), name=name)
        assert "name" in caught.value.message_dict
    assert counts() == before


# The import page ----------------------------------------------------------------------------------------


def test_the_page_imports_the_large_survey_and_shows_what_was_not_imported(personas, large_bytes):
    client = personas.client("manager")
    form = client.get(url("surveyjs_import"))
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.content.decode()
    page = post_import(client, large_bytes)
    assert page.status_code == 302
    definition = QuestionnaireDefinition.objects.get(organisation=personas.org)
    assert page["Location"] == url("definition", definition_id=definition.pk)
    shown = client.get(page["Location"])
    assert shown.status_code == 200
    html = shown.content.decode()
    assert "Digital tools and working conditions survey" in html
    assert "is imported (version 1)" in html  # the message after the redirect
    # Every unsupported construct is named, with the element's name and path.
    for name, construct in EXPECTED_PROBLEMS:
        assert f"not imported: <strong>{construct}</strong> in <strong>{name}</strong>" in html
    assert "<code>pages[2].elements[17]</code>" in html  # tools_table
    # Sections, questions with their types, choices and conditions.
    parsed = definition.parsed
    assert html.count('<li id="question-') == len(parsed.questions) >= 100
    assert parsed.sections[0].title["en"] in html
    assert "Several choices" in html and "Scale" in html and "Date" in html
    assert "Shown only when:" in html
    assert "q.p1_q0 == &quot;c&quot;" in html
    assert ">Beaucoup<" not in html  # English labels for an English reader
    start = url("response_create") + f"?definition={definition.pk}"
    assert start in html
    # The start page offers it, preselected, and a response can be started on it.
    create = client.get(start)
    assert f'<option value="{definition.pk}" selected>' in create.content.decode()
    started = client.post(url("response_create"), {"definition": definition.pk, "title": "Survey 2026"})
    assert started.status_code == 302
    assert Response.objects.get(title="Survey 2026").definition == definition


def test_the_definition_page_is_in_the_readers_language(personas, imported):
    client = personas.client("manager")
    client.cookies["django_language"] = "fr"
    html = client.get(
        url("definition", definition_id=imported.pk), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Enquête numérique et conditions de travail" in html
    assert "Beaucoup" in html


def test_reimporting_through_the_page_makes_version_2(personas, imported, large_bytes):
    client = personas.client("manager")
    page = post_import(client, large_bytes)
    assert page.status_code == 302
    second = QuestionnaireDefinition.objects.get(organisation=personas.org, version=2)
    assert second.slug == imported.slug
    html = client.get(page["Location"]).content.decode()
    assert "version 1" in html and 'aria-current="page">version 2' in html
    # The list names the organisation's imports, with their versions.
    listing = client.get(url("response_list")).content.decode()
    assert url("surveyjs_import") in listing
    assert url("definition", definition_id=imported.pk) in listing
    assert url("definition", definition_id=second.pk) in listing


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (b"{not json", "not valid JSON"),
        (b"[]", "JSON object"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8"),
        (b'{"pages": []}', "No question"),
    ],
)
def test_a_bad_upload_gives_400_with_a_message_and_writes_nothing(personas, content, text):
    before = counts()
    page = post_import(personas.client("manager"), content)
    assert page.status_code == 400
    html = page.content.decode()
    assert 'role="alert"' in html
    assert text in html
    assert counts() == before


def test_a_too_big_upload_or_a_missing_field_gives_400(personas, settings):
    client = personas.client("manager")
    before = counts()
    big = b'{"title": "' + b"x" * services.SURVEYJS_MAX_BYTES + b'"}'
    page = post_import(client, big)
    assert page.status_code == 400
    assert "too large" in page.content.decode()
    assert client.post(url("surveyjs_import"), {"name": "No file"}).status_code == 400
    assert client.post(url("surveyjs_import"), {"file": upload(SMALL)}).status_code == 400
    assert post_import(client, SMALL, name="x" * 500).status_code == 400
    assert counts() == before


# Permissions --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("delegate", 200),
        ("manager", 200),
        ("staff_rep", 403),
        ("committee", 403),
        ("auditor", 403),
        ("employee", 403),
        ("outsider", 404),
    ],
)
def test_who_may_import(personas, who, status):
    client = personas.client(who)
    assert client.get(url("surveyjs_import")).status_code == status
    before = counts()
    posted = post_import(client, SMALL)
    assert posted.status_code == (302 if status == 200 else status)
    assert counts()[0] == before[0] + (1 if status == 200 else 0)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("manager", 200),
        ("staff_rep", 200),
        ("committee", 200),
        ("auditor", 200),
        ("employee", 403),
        ("outsider", 404),
    ],
)
def test_who_may_read_the_definition(personas, imported, who, status):
    page = personas.client(who).get(url("definition", definition_id=imported.pk))
    assert page.status_code == status
    if status == 200:
        html = page.content.decode()
        # Only those who may start a response get the link to start one, and to import.
        assert (url("response_create") in html) is (who == "manager")


def test_anonymous_visitors_are_sent_to_log_in(client, imported):
    before = counts()
    for path in (url("surveyjs_import"), url("definition", definition_id=imported.pk)):
        for method in ("get", "post"):
            page = getattr(client, method)(path)
            assert page.status_code == 302
            assert page["Location"].startswith("/accounts/login/")
    assert counts() == before


def test_shipped_definitions_are_readable_and_bad_ids_are_404(personas):
    shipped = QuestionnaireDefinition.objects.get(slug="working-conditions-impact", version=1)
    client = personas.client("staff_rep")
    html = client.get(url("definition", definition_id=shipped.pk)).content.decode()
    assert "Shipped with Revoyure" in html
    assert "Not imported" not in html
    assert client.get(url("definition", definition_id=999_999_999)).status_code == 404
    assert client.get(f"/o/acme/questionnaires/definitions/{2**64}/").status_code == 404


# Isolation between organisations ------------------------------------------------------------------------


def test_another_organisation_can_neither_see_nor_use_it(personas, imported):
    other = personas.client("outsider")  # administrator of the other organisation
    # The definition page: 404 in its own organisation's address, and in ours.
    assert other.get(url("definition", org="other", definition_id=imported.pk)).status_code == 404
    assert other.get(url("definition", definition_id=imported.pk)).status_code == 404
    # Not offered on its start page, and refused when posted anyway.
    create = other.get(url("response_create", org="other"))
    assert create.status_code == 200
    assert f'value="{imported.pk}"' not in create.content.decode()
    assert "Digital tools" not in create.content.decode()
    assert other.get(url("response_list", org="other")).content.decode().count(imported.slug) == 0
    posted = other.post(url("response_create", org="other"), {"definition": imported.pk, "title": "Stolen"})
    assert posted.status_code == 400
    # The service refuses it, by row and by identifier.
    for definition in (imported, imported.slug):
        with pytest.raises(ValidationError) as caught:
            services.create_response(personas.other_org, personas.outsider, definition, "Stolen")
        assert "definition" in caught.value.message_dict
    assert not Response.objects.filter(title="Stolen").exists()
    # The owner's own start page offers it.
    mine = personas.client("manager").get(url("response_create")).content.decode()
    assert f'value="{imported.pk}"' in mine
    assert imported not in queries.newest_definitions(personas.other_org)
    assert imported not in queries.newest_definitions()
    assert not queries.visible_definitions(personas.other_org).filter(pk=imported.pk).exists()


def test_the_api_lists_only_shipped_definitions(personas, imported):
    for who in ("manager", "outsider"):
        client = personas.client(who)
        listed = client.get("/api/v1/questionnaire-definitions")
        assert listed.status_code == 200
        slugs = {row["slug"] for row in listed.json()}
        assert imported.slug not in slugs
        assert "working-conditions-impact" in slugs
        one = client.get(f"/api/v1/questionnaire-definitions/{imported.slug}/1")
        assert one.status_code == 404
        assert imported.slug not in listed.content.decode()
    _token, raw = create_token(personas.other_org, personas.outsider, name="ci", role="org_admin")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    from django.test import Client

    api = Client()
    assert imported.slug not in api.get("/api/v1/questionnaire-definitions", **auth).content.decode()
    assert api.get(f"/api/v1/questionnaire-definitions/{imported.slug}/1", **auth).status_code == 404


def test_the_owners_responses_on_it_read_through_the_api(personas, imported):
    response = services.create_response(personas.org, personas.manager, imported, "Mine")
    client = personas.client("manager")
    body = client.get(f"/api/v1/organisations/acme/questionnaires/{response.pk}").json()
    assert body["definition"]["slug"] == imported.slug
    assert (
        personas.client("outsider")
        .get(f"/api/v1/organisations/acme/questionnaires/{response.pk}")
        .status_code
        == 404
    )


def test_deleting_the_organisation_deletes_its_imports_with_their_responses(personas, imported):
    services.create_response(personas.org, personas.manager, imported, "Mine")
    with pytest.raises(RestrictedError), transaction.atomic():
        imported.delete()  # a definition with responses is kept...
    shipped = QuestionnaireDefinition.objects.filter(organisation=None).count()
    personas.org.delete()  # ...unless its organisation goes, with the responses
    assert not Response.objects.filter(title="Mine").exists()
    assert not QuestionnaireDefinition.objects.filter(pk=imported.pk).exists()
    assert QuestionnaireDefinition.objects.filter(organisation=None).count() == shipped
