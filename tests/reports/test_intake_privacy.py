"""Proofs that an anonymous report holds nothing identifying: database rows, logs, audit log, files."""

from __future__ import annotations

import logging
import os
from datetime import datetime
from typing import Any

import pytest
from django.apps import apps
from django.core import serializers
from django.db import models
from django.urls import reverse
from django.utils import timezone

from revoyure.core.models import AuditEntry
from revoyure.reports.models import Report, ReportAttachment
from tests.reports.conftest import png_upload

IP = "203.0.113.77"
AGENT = "Mozilla/5.0 (X11; UniqueAgent-4242) Reporter-Browser/9.9"


def _all_rows() -> dict[tuple[str, Any], str]:
    rows: dict[tuple[str, Any], str] = {}
    for model in apps.get_models():
        for obj in model._default_manager.all():
            rows[(model._meta.label, obj.pk)] = serializers.serialize("json", [obj])
    return rows


@pytest.mark.django_db(transaction=False)
def test_anonymous_report_by_a_logged_in_member_leaves_nothing_identifying(
    personas: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = personas.client("employee")
    email = personas.employee.email
    client.get(reverse("reports:report_new", kwargs={"org": "acme"}))  # session and CSRF already there
    before = _all_rows()
    history_before = AuditEntry.objects.count()
    caplog.set_level(logging.DEBUG)
    upload = png_upload("jane-doe-warehouse.png")
    response = client.post(
        reverse("reports:report_new", kwargs={"org": "acme"}),
        {"title": "Abnormal use", "description": "Seen today.", "anonymous": "on", "attachments": [upload]},
        REMOTE_ADDR=IP,
        HTTP_USER_AGENT=AGENT,
    )
    assert response.status_code == 200
    after = _all_rows()
    changed = {key: row for key, row in after.items() if before.get(key) != row}
    assert changed, "the report was written"
    for key, row in changed.items():
        for needle in (IP, AGENT, "UniqueAgent", email, "jane-doe-warehouse"):
            assert needle not in row, (key, needle)
    report = Report.objects.get()
    assert report.reporter_id is None
    # No column of any new or changed row points at the member.
    user_id = personas.employee.pk
    for (label, pk), _row in changed.items():
        model = apps.get_model(label)
        obj = model._default_manager.get(pk=pk)
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is type(personas.employee):
                assert getattr(obj, field.attname) != user_id, (label, field.name)
    # Nothing dated precisely: the report has no time, and no date-time field of a new row is set.
    for (label, pk), _row in changed.items():
        model = apps.get_model(label)
        if model._meta.app_label != "reports":
            continue
        obj = model._default_manager.get(pk=pk)
        for field in model._meta.concrete_fields:
            assert not isinstance(getattr(obj, field.attname), datetime), (label, field.name)
    assert report.received_on == timezone.localdate()
    # Only the reports app wrote rows: no audit entry, no history, no session change tying the member to it.
    assert {label.split(".")[0] for label, _pk in changed} == {"reports"}
    assert AuditEntry.objects.count() == history_before
    # The logs of the submission name neither the address, nor the browser, nor the person.
    for record in caplog.records:
        text = record.getMessage() + str(record.__dict__)
        for needle in (IP, AGENT, email):
            assert needle not in text
    # The stored file is named by its hash and dated to the start of the day, not the submission time.
    attachment = ReportAttachment.objects.get()
    assert "jane" not in attachment.file.name and attachment.sha256 in attachment.file.name
    mtime = datetime.fromtimestamp(os.stat(attachment.file.path).st_mtime, tz=timezone.get_current_timezone())
    assert (mtime.hour, mtime.minute, mtime.second) == (0, 0, 0)


def test_reporter_messages_on_an_anonymous_report_carry_no_author(personas: Any) -> None:
    from revoyure.reports import intake

    report, code = intake.create_report(
        personas.org, channel="web", title="t", description="d", reporter=personas.employee, anonymous=True
    )
    assert report.reporter is None and code
    message = intake.add_reporter_message(report, "more", author=personas.employee)
    assert message.author is None
    assert intake.report_for_code(personas.org, code) == report
    assert intake.report_for_code(personas.org, "") is None
    assert intake.report_for_code(personas.org, "----") is None
    assert intake.report_for_code(personas.other_org, code) is None


def test_report_model_has_no_history_table() -> None:
    assert not hasattr(Report, "history")
    labels = {m._meta.label_lower for m in apps.get_models()}
    assert "reports.historicalreport" not in labels
