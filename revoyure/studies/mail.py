"""E-mails of the impact-study workflow. Each function runs after the commit (or in the task worker),
reads fresh rows and returns whether the mail went out; a mail-server failure is logged, never raised."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from revoyure.core.mail import send_mail_safely
from revoyure.core.permissions import Role
from revoyure.organisations.models import Membership, StaffBodyMember

logger = logging.getLogger(__name__)


def base_url() -> str:
    return str(settings.REVOYURE_BASE_URL).rstrip("/")


def study_url(study: Any) -> str:
    return base_url() + reverse(
        "studies:detail", kwargs={"org": study.organisation.slug, "study_id": study.pk}
    )


def _send(template: str, context: dict[str, Any], recipients: list[str]) -> bool:
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"studies/email/{template}_subject.txt", context).split())
        body = render_to_string(f"studies/email/{template}.txt", context)
    return send_mail_safely(subject, body, recipients)


def _study(study_id: int) -> Any:
    from revoyure.studies.models import ImpactStudy

    return ImpactStudy.objects.select_related("organisation", "tool").filter(pk=study_id).first()


def part_assigned(study_id: int, key: str, user_id: int) -> bool:
    study = _study(study_id)
    person = get_user_model().objects.filter(pk=user_id).first()
    if study is None or person is None:
        return False
    return _send("part_assigned", {"study": study, "part": key, "url": study_url(study)}, [person.email])


def review_requested(study_id: int) -> bool:
    study = _study(study_id)
    if study is None or study.reviewer is None:
        return False
    return _send("review_requested", {"study": study, "url": study_url(study)}, [study.reviewer.email])


def part_sent_back(study_id: int, key: str, user_id: int, comment: str) -> bool:
    study = _study(study_id)
    person = get_user_model().objects.filter(pk=user_id).first()
    if study is None or person is None:
        return False
    context = {"study": study, "part": key, "comment": comment, "url": study_url(study)}
    return _send("part_sent_back", context, [person.email])


def duerp_recipients(update: Any) -> list[str]:
    """The prevention owner; with nobody named, the organisation's administrators and AI delegates."""
    if update.owner_id and update.owner.email:
        return [update.owner.email]
    return list(
        Membership.objects.filter(
            organisation_id=update.organisation_id, role__in=[Role.ORG_ADMIN, Role.DELEGATE]
        ).values_list("user__email", flat=True)
    )


def duerp_reminder(update_id: int) -> bool:
    from revoyure.studies.models import DuerpUpdate

    update = DuerpUpdate.objects.select_related("organisation", "tool", "owner").filter(pk=update_id).first()
    if update is None:
        return False
    url = base_url() + reverse("studies:duerp_list", kwargs={"org": update.organisation.slug})
    return _send("duerp_reminder", {"update": update, "url": url}, duerp_recipients(update))


def panel_results_shared(panel_id: int, body_ids: list[int]) -> int:
    """One e-mail per body member with an account (each person once). Returns the number sent."""
    from revoyure.studies.models import PanelTest
    from revoyure.studies.results import panel_results

    panel = PanelTest.objects.select_related("study", "study__organisation", "study__tool").get(pk=panel_id)
    emails = set(
        StaffBodyMember.objects.filter(staff_body_id__in=body_ids, user__isnull=False).values_list(
            "user__email", flat=True
        )
    )
    url = base_url() + reverse(
        "studies:panel", kwargs={"org": panel.study.organisation.slug, "study_id": panel.study_id}
    )
    with translation.override(settings.LANGUAGE_CODE):
        context = {"panel": panel, "study": panel.study, "results": panel_results(panel), "url": url}
    sent = 0
    for email in sorted(e for e in emails if e):
        sent += _send("panel_shared", context, [email])
    return sent
