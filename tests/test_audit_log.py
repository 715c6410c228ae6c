"""The audit log page, the `verify_audit_log` command and the append-only rule."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line
from django.db import connection
from django.test import Client
from django.urls import reverse

from revoyure.core import audit
from revoyure.core.models import AppendOnlyError, AuditEntry
from revoyure.organisations import views_audit

TABLE = AuditEntry._meta.db_table
READERS = ["admin", "delegate", "auditor"]
NOT_READERS = ["manager", "staff_rep", "committee", "employee"]


def _url(org="acme"):
    return reverse("organisations:audit_log", kwargs={"org": org})


def _entries(personas, count=3, organisation=None, action="test.action"):
    organisation = organisation or personas.org
    return [
        audit.record(
            action,
            actor=personas.admin,
            organisation_id=organisation.pk,
            object_type="test.thing",
            object_id=n,
            data={"n": n},
        )
        for n in range(count)
    ]


def _verify():
    out = StringIO()
    call_command("verify_audit_log", stdout=out)
    return out.getvalue()


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=connection.ops.quote_name(TABLE)), params)


# --- the page ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", READERS)
def test_readers_see_the_organisation_s_entries(personas, who):
    _entries(personas, action="tool.created")
    response = personas.client(who).get(_url())
    assert response.status_code == 200
    assert "tool.created" in response.content.decode()


@pytest.mark.parametrize("who", NOT_READERS)
def test_members_without_the_right_cannot_see_the_log(personas, who):
    assert personas.client(who).get(_url()).status_code == 403


def test_outsider_cannot_see_the_log(personas):
    assert personas.client("outsider").get(_url()).status_code == 404


def test_anonymous_visitor_is_sent_to_login(personas):
    response = Client().get(_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_page_shows_only_this_organisation_s_entries(personas):
    _entries(personas, action="acme.secret")
    _entries(personas, organisation=personas.other_org, action="other.secret")
    page = personas.client("admin").get(_url()).content.decode()
    assert "acme.secret" in page
    assert "other.secret" not in page


def test_entries_are_listed_newest_first(personas):
    first, _second, last = _entries(personas)
    page = personas.client("admin").get(_url()).content.decode()
    assert page.index(f'<th scope="row">{last.pk}</th>') < page.index(f'<th scope="row">{first.pk}</th>')


def test_the_log_can_be_filtered_by_action(personas):
    _entries(personas, count=1, action="tool.created")
    _entries(personas, count=1, action="tool.updated")
    page = personas.client("admin").get(_url(), {"action": "tool.updated"}).content.decode()
    assert "<code>tool.updated</code>" in page
    assert "<code>tool.created</code>" not in page


def test_the_log_is_paginated(personas, monkeypatch):
    monkeypatch.setattr(views_audit, "PER_PAGE", 2)
    entries = _entries(personas, count=5)
    page_one = personas.client("admin").get(_url()).content.decode()
    page_three = personas.client("admin").get(_url(), {"page": "3"}).content.decode()
    assert f'<th scope="row">{entries[4].pk}</th>' in page_one
    assert f'<th scope="row">{entries[0].pk}</th>' not in page_one
    assert f'<th scope="row">{entries[0].pk}</th>' in page_three
    assert "Page 1 of 3" in page_one


@pytest.mark.parametrize(
    "query", [{"page": "abc"}, {"page": "0"}, {"page": "99"}, {"action": "<script>"}, {"action": "x" * 200}]
)
def test_a_bad_query_string_gives_400(personas, query):
    _entries(personas, count=1)
    response = personas.client("admin").get(_url(), query)
    assert response.status_code == 400


def test_the_chain_is_checked_only_when_asked(personas, monkeypatch):
    calls = []
    monkeypatch.setattr(views_audit, "verify_chain", lambda: calls.append(1) or audit.ChainReport(0))
    personas.client("admin").get(_url())
    assert calls == []
    personas.client("admin").get(_url(), {"verify": "1"})
    assert calls == [1]


def test_the_page_says_the_chain_is_intact(personas):
    _entries(personas)
    page = personas.client("admin").get(_url(), {"verify": "1"}).content.decode()
    assert "The chain is intact" in page


def test_the_page_says_where_the_chain_is_broken(personas):
    entries = _entries(personas)
    _raw("UPDATE {table} SET actor_label = %s WHERE id = %s", ["mallory", entries[1].pk])
    page = personas.client("admin").get(_url(), {"verify": "1"}).content.decode()
    assert f"The chain is broken at entry {entries[1].pk}" in page


# --- verify_audit_log ----------------------------------------------------------------------------------


def test_verify_reports_an_intact_chain(personas):
    _entries(personas, count=4)
    assert "audit log intact: 4 entries verified" in _verify()


def test_verify_detects_altered_data(personas):
    entries = _entries(personas)
    _raw("UPDATE {table} SET data = %s WHERE id = %s", [json.dumps({"n": 99}), entries[1].pk])
    with pytest.raises(CommandError, match=f"broken at entry {entries[1].pk}: content does not match"):
        _verify()


def test_verify_detects_a_deleted_middle_entry(personas):
    entries = _entries(personas)
    _raw("DELETE FROM {table} WHERE id = %s", [entries[1].pk])
    with pytest.raises(CommandError, match=f"broken at entry {entries[2].pk}: previous-hash link"):
        _verify()


def test_verify_detects_a_deleted_last_entry(personas):
    entries = _entries(personas)
    _raw("DELETE FROM {table} WHERE id = %s", [entries[2].pk])
    with pytest.raises(CommandError, match=f"broken at entry {entries[2].pk}: entries after this point"):
        _verify()


def test_verify_exits_non_zero_when_broken(personas, capsys):
    entries = _entries(personas)
    _raw("UPDATE {table} SET data = %s WHERE id = %s", [json.dumps({"n": -1}), entries[0].pk])
    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(["manage.py", "verify_audit_log"])
    assert exc.value.code == 1
    assert f"broken at entry {entries[0].pk}" in capsys.readouterr().err


# --- append-only ---------------------------------------------------------------------------------------


def test_queryset_update_is_refused(personas):
    entry = _entries(personas, count=1)[0]
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.action"


def test_queryset_delete_is_refused(personas):
    entry = _entries(personas, count=1)[0]
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_saving_an_existing_entry_is_refused(personas):
    entry = _entries(personas, count=1)[0]
    entry.action = "forged"
    with pytest.raises(AppendOnlyError):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.action"


def test_deleting_an_entry_is_refused(personas):
    entry = _entries(personas, count=1)[0]
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
