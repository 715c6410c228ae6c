"""Who sees a staff report (issue 5 §4): "Only the committee, the delegate and people they add see a report;
staff representatives on the committee see it; management outside the committee does not."

A report is visible to a member of its organisation who
- holds `Perm.INSTRUCT_REPORTS` (the delegate and committee roles; not the administrator, not management),
- or is the user of an active `CommitteeMember` (staff representatives on the committee included),
- or is the committee's delegate or deputy,
- or was added to this report (`ReportAccess`) by them.

The first three *instruct* (take the steps); a person added only reads. Anyone else, the reporter
included (who uses the anonymous follow-up instead), gets a 404, exactly as for a report that does not
exist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from revoyure.committee.models import Committee, CommitteeMember
from revoyure.committee.services import is_committee_member
from revoyure.core.permissions import Perm, Role
from revoyure.organisations.access import OrgAccess, access_organisation, int_id
from revoyure.organisations.models import Membership, Organisation
from revoyure.reports.models import Report, ReportAccess


def committee_of(organisation: Organisation | int) -> Committee | None:
    organisation_id = organisation if isinstance(organisation, int) else organisation.pk
    return Committee.objects.filter(organisation_id=organisation_id).first()


def is_delegate(user: Any, organisation: Organisation, roles: frozenset[str] | None = None) -> bool:
    """The AI delegate: the committee's delegate or deputy, or a member holding the delegate role."""
    if not getattr(user, "is_authenticated", False):
        return False
    committee = committee_of(organisation)
    if committee is not None and user.pk in (committee.delegate_id, committee.deputy_id):
        return True
    if roles is None:
        roles = frozenset(
            Membership.objects.filter(user=user, organisation=organisation).values_list("role", flat=True)
        )
    return Role.DELEGATE in roles


def can_instruct(access: OrgAccess, user: Any) -> bool:
    return access.can(Perm.INSTRUCT_REPORTS) or is_committee_member(user, access.organisation)


@dataclass(frozen=True)
class ReportsAccess:
    """An organisation's reports as the current person may see them."""

    access: OrgAccess
    instructs: bool  # sees every report of the organisation and takes the steps
    delegate: bool  # alerts the vendor, marks serious incidents, suspends the tool

    def reports(self, user: Any) -> QuerySet[Report]:
        rows = Report.objects.filter(organisation=self.access.organisation)
        if self.instructs:
            return rows
        return rows.filter(pk__in=ReportAccess.objects.filter(user=user).values("report_id"))


@dataclass(frozen=True)
class CaseAccess:
    """One report and what the current person may do with it."""

    access: OrgAccess
    report: Report
    instructs: bool
    delegate: bool


def access_reports(user: Any, org_slug: str) -> ReportsAccess:
    """The organisation's reports for `user`: 404 for non-members; 403 for a member who may see none."""
    access = access_organisation(user, org_slug, Perm.VIEW_TRANSPARENCY)
    instructs = can_instruct(access, user)
    delegate = instructs and is_delegate(user, access.organisation, access.roles)
    if (
        not instructs
        and not ReportAccess.objects.filter(user=user, report__organisation=access.organisation).exists()
    ):
        raise PermissionDenied
    return ReportsAccess(access, instructs, delegate)


def access_report(user: Any, org_slug: str, report_id: Any) -> CaseAccess:
    """The report `report_id` of organisation `org_slug` if `user` may see it, else 404."""
    access = access_organisation(user, org_slug, Perm.VIEW_TRANSPARENCY)
    report = (
        Report.objects.filter(organisation=access.organisation, pk=int_id(report_id))
        .select_related("organisation", "tool", "tool__vendor", "revalidation_meeting")
        .first()
    )
    if report is None:
        raise Http404
    instructs = can_instruct(access, user)
    if not instructs and not ReportAccess.objects.filter(report=report, user=user).exists():
        raise Http404
    delegate = instructs and is_delegate(user, access.organisation, access.roles)
    return CaseAccess(access, report, instructs, delegate)


def may_see(user: Any, report: Report) -> bool:
    """For code outside a request (tests, e-mail recipients)."""
    if not getattr(user, "is_authenticated", False):
        return False
    organisation = report.organisation
    roles = frozenset(
        Membership.objects.filter(user=user, organisation=organisation).values_list("role", flat=True)
    )
    if not roles:
        return False
    access = OrgAccess(organisation, roles)
    return can_instruct(access, user) or ReportAccess.objects.filter(report=report, user=user).exists()


def instructors_emails(organisation: Organisation) -> list[str]:
    """Addresses of the delegate(s) and committee members with an account (for reminders)."""
    committee = committee_of(organisation)
    condition = Q(
        pk__in=Membership.objects.filter(
            organisation=organisation, role__in=(Role.DELEGATE, Role.COMMITTEE)
        ).values("user_id")
    )
    if committee is not None:
        condition |= Q(pk__in=[p for p in (committee.delegate_id, committee.deputy_id) if p])
        condition |= Q(
            pk__in=CommitteeMember.objects.filter(
                committee=committee, active=True, user__isnull=False
            ).values("user_id")
        )
    from django.contrib.auth import get_user_model

    emails = get_user_model().objects.filter(condition, is_active=True).values_list("email", flat=True)
    return sorted({e for e in emails if e})
