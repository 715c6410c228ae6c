"""Roles and the permission matrix, in one place.

Every view and API endpoint asks `has_permission(roles, Perm.X)` through the `access_*` helpers of the
organisations and registry apps; nothing else decides who may do what.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Roles of PRODUCT.md §3. A person may hold several roles in one organisation."""

    ORG_ADMIN = "org_admin", _("Organisation administrator")
    DELEGATE = "delegate", _("AI delegate")
    MANAGEMENT = "management", _("Management")
    STAFF_REP = "staff_rep", _("Staff representative")
    COMMITTEE = "committee", _("AI committee member")
    EMPLOYEE = "employee", _("Employee / agent")
    AUDITOR = "auditor", _("Read-only auditor")
    SECTOR_OBSERVER = "sector_observer", _("Sector observer")


class Perm(StrEnum):
    VIEW_TRANSPARENCY = "view_transparency"
    VIEW_REGISTER = "view_register"
    EDIT_REGISTER = "edit_register"
    IMPORT_REGISTER = "import_register"
    EXPORT_REGISTER = "export_register"
    VIEW_AUDIT = "view_audit"
    MANAGE_ORGANISATION = "manage_organisation"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_TOKENS = "manage_tokens"
    VIEW_OBLIGATIONS = "view_obligations"
    MANAGE_OBLIGATIONS = "manage_obligations"
    VIEW_STUDIES = "view_studies"
    MANAGE_STUDIES = "manage_studies"
    VIEW_CONSULTATIONS = "view_consultations"
    MANAGE_CONSULTATIONS = "manage_consultations"
    VIEW_COMMITTEE = "view_committee"
    MANAGE_COMMITTEE = "manage_committee"
    VIEW_TRAININGS = "view_trainings"
    MANAGE_TRAININGS = "manage_trainings"
    SUBMIT_REPORT = "submit_report"
    # Seeing and instructing staff reports: the delegate and the committee's members (issue 5 §4; the
    # reports app adds the committee members recorded by name and the people they add).
    INSTRUCT_REPORTS = "instruct_reports"
    # Review clauses (roadmap measure 8): agreements, clauses, trigger events, review meetings, measures.
    VIEW_REVIEWS = "view_reviews"
    MANAGE_REVIEWS = "manage_reviews"
    # « un événement en attente de la confirmation du délégué » (issue 6 §2): confirming or rejecting an
    # event that came from a feed or from the register.
    CONFIRM_EVENTS = "confirm_events"
    # Outgoing webhooks: the organisation's administrator only (a webhook sends data out of the platform).
    MANAGE_WEBHOOKS = "manage_webhooks"


_EVERYONE = {Perm.VIEW_TRANSPARENCY, Perm.SUBMIT_REPORT}
_READ_REGISTER = _EVERYONE | {
    Perm.VIEW_REGISTER,
    Perm.EXPORT_REGISTER,
    Perm.MANAGE_TOKENS,
    Perm.VIEW_OBLIGATIONS,
    Perm.VIEW_STUDIES,
    Perm.VIEW_CONSULTATIONS,
    Perm.VIEW_COMMITTEE,
    Perm.VIEW_TRAININGS,
    Perm.VIEW_REVIEWS,
}
_WRITE_REGISTER = _READ_REGISTER | {
    Perm.EDIT_REGISTER,
    Perm.IMPORT_REGISTER,
    Perm.MANAGE_OBLIGATIONS,
    Perm.MANAGE_STUDIES,
    Perm.MANAGE_CONSULTATIONS,
    Perm.MANAGE_TRAININGS,
    Perm.MANAGE_REVIEWS,
}

# Staff representatives see every tool, its documents and history (PRODUCT.md §1) but do not edit the
# employer's register; management describes the tools it brings; the delegate keeps the register.
MATRIX: dict[str, frozenset[Perm]] = {
    # The administrator runs the organisation but does not read staff reports unless on the committee.
    Role.ORG_ADMIN: frozenset(set(Perm) - {Perm.INSTRUCT_REPORTS}),
    Role.DELEGATE: frozenset(
        _WRITE_REGISTER | {Perm.VIEW_AUDIT, Perm.MANAGE_COMMITTEE, Perm.INSTRUCT_REPORTS, Perm.CONFIRM_EVENTS}
    ),
    Role.MANAGEMENT: frozenset(_WRITE_REGISTER),
    Role.STAFF_REP: frozenset(_READ_REGISTER),
    Role.COMMITTEE: frozenset(_READ_REGISTER | {Perm.INSTRUCT_REPORTS}),
    Role.AUDITOR: frozenset(_READ_REGISTER | {Perm.VIEW_AUDIT}),
    Role.EMPLOYEE: frozenset(_EVERYONE),
    Role.SECTOR_OBSERVER: frozenset(),
}


def permissions_for(roles: Iterable[str]) -> frozenset[Perm]:
    granted: set[Perm] = set()
    for role in roles:
        granted |= MATRIX.get(role, frozenset())
    return frozenset(granted)


def has_permission(roles: Iterable[str], perm: Perm) -> bool:
    return perm in permissions_for(roles)
