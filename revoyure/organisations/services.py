"""Writes about organisations, memberships, staff bodies, agreements and invitations."""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from revoyure.core import audit, hooks
from revoyure.core.mail import send_mail_safely
from revoyure.core.permissions import Role
from revoyure.core.uploads import check_upload
from revoyure.organisations.models import (
    PUBLIC_LEGAL_FORMS,
    Agreement,
    ApiToken,
    Invitation,
    Membership,
    Organisation,
    StaffBody,
    StaffBodyMember,
)
from revoyure.organisations.tokens import revoke_token

INVITATION_VALIDITY = dt.timedelta(days=14)
MAX_REASON_LENGTH = 2000
ORGANISATION_FACT_FIELDS = (
    "name",
    "legal_form",
    "is_public_sector",
    "public_service_branch",
    "is_public_authority",
    "private_providing_public_service",
    "headcount",
    "reached_11_for_12_months",
    "reached_50_for_12_months",
    "reached_250_for_12_months",
    "naf_code",
    "region",
    "department",
    "has_union_section",
    "has_dpo",
    "last_duerp_update",
    "contact_email",
    "transparency_public",
    "open_data_enabled",
)


def _check_roles(roles: Iterable[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ValidationError({"roles": _("Unknown role(s): %(roles)s.") % {"roles": ", ".join(unknown)}})
    if not roles:
        raise ValidationError({"roles": _("Choose at least one role.")})
    return roles


@transaction.atomic
def create_organisation(actor: Any, *, name: str, slug: str = "", **facts: Any) -> Organisation:
    slug = slugify(slug or name)[:60]
    organisation = Organisation(name=(name or "").strip(), slug=slug, **facts)
    if organisation.legal_form in PUBLIC_LEGAL_FORMS:
        organisation.is_public_sector = True
    organisation.full_clean(validate_unique=False)
    if Organisation.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("An organisation with this short name already exists.")})
    organisation._history_user = actor  # type: ignore[attr-defined]
    organisation._change_reason = _("Organisation created")  # type: ignore[attr-defined]
    organisation.save()
    audit.record(
        "organisation.created",
        actor=actor,
        organisation_id=organisation.pk,
        obj=organisation,
        data={"name": organisation.name, "slug": slug},
    )
    return organisation


@transaction.atomic
def update_organisation(
    organisation: Organisation, actor: Any, changes: dict[str, Any], reason: str
) -> Organisation:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Say why you make this change: the reason is kept in the history.")}
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(
            {"reason": _("The reason is too long (at most %(max)d characters).") % {"max": MAX_REASON_LENGTH}}
        )
    unknown = set(changes) - set(ORGANISATION_FACT_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    for name, value in changes.items():
        setattr(organisation, name, value)
    organisation.full_clean(validate_unique=False)
    organisation._history_user = actor  # type: ignore[attr-defined]
    organisation._change_reason = reason  # type: ignore[attr-defined]
    organisation.save()
    audit.record(
        "organisation.updated",
        actor=actor,
        organisation_id=organisation.pk,
        obj=organisation,
        data={"fields": sorted(changes), "reason": reason},
    )
    hooks.fire(hooks.organisation_changed, organisation.pk)
    return organisation


@transaction.atomic
def set_member_roles(
    organisation: Organisation, user: Any, roles: Iterable[str], actor: Any, department: str = ""
) -> list[Membership]:
    """Give `user` exactly `roles` in `organisation` (an empty list removes the person)."""
    roles = list(dict.fromkeys(roles))
    if roles:
        _check_roles(roles)
    memberships = Membership.objects.filter(organisation=organisation, user=user)
    current = set(memberships.values_list("role", flat=True))
    wanted = set(roles)
    if current == wanted:
        departments = set(memberships.values_list("department", flat=True))
        if current and departments != {department}:
            memberships.update(department=department)
            audit.record(
                "membership.department_changed",
                actor=actor,
                organisation_id=organisation.pk,
                object_type="accounts.user",
                object_id=user.pk,
                data={"email": user.email, "department": department},
            )
        return list(memberships)
    if Role.ORG_ADMIN in current and Role.ORG_ADMIN not in wanted:
        # Locking the other administrators' rows keeps two of them from removing each other at once.
        admins = (
            Membership.objects.select_for_update()
            .filter(organisation=organisation, role=Role.ORG_ADMIN)
            .exclude(user=user)
        )
        if not list(admins.values_list("pk", flat=True)):
            raise ValidationError({"roles": _("The organisation must keep at least one administrator.")})
    Membership.objects.filter(organisation=organisation, user=user, role__in=current - wanted).delete()
    # A token acting with a role the person lost must not come back to life if the role is given again.
    for token in ApiToken.objects.filter(
        organisation=organisation, user=user, role__in=current - wanted, revoked_at__isnull=True
    ):
        revoke_token(token, actor)
    Membership.objects.bulk_create(
        [
            Membership(organisation=organisation, user=user, role=role, department=department)
            for role in sorted(wanted - current)
        ]
    )
    Membership.objects.filter(organisation=organisation, user=user).update(department=department)
    audit.record(
        "membership.changed",
        actor=actor,
        organisation_id=organisation.pk,
        object_type="accounts.user",
        object_id=user.pk,
        data={"email": user.email, "from": sorted(current), "to": sorted(wanted)},
    )
    return list(Membership.objects.filter(organisation=organisation, user=user))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invite_member(
    organisation: Organisation, actor: Any, email: str, roles: Iterable[str], department: str = ""
) -> tuple[Invitation, str]:
    """Create an invitation and e-mail its link (after commit). Returns the invitation and its raw token,
    which is stored only as a hash."""
    roles = _check_roles(roles)
    email = (email or "").strip().lower()
    invitation = Invitation(
        organisation=organisation,
        email=email,
        roles=roles,
        department=department,
        invited_by=actor,
        expires_at=timezone.now() + INVITATION_VALIDITY,
    )
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _token_hash(token)
    invitation.full_clean(exclude=["invited_by"])
    invitation.save()
    audit.record(
        "invitation.created",
        actor=actor,
        organisation_id=organisation.pk,
        obj=invitation,
        data={"email": email, "roles": roles},
    )
    link = settings.REVOYURE_BASE_URL.rstrip("/") + reverse("organisations:accept_invitation", args=[token])
    context = {
        "organisation": organisation,
        "link": link,
        "inviter": actor,
        "expires_at": invitation.expires_at,
    }
    subject = _("Invitation to join %(name)s on Revoyure") % {"name": organisation.name}
    body = render_to_string("organisations/email/invitation.txt", context)
    transaction.on_commit(lambda: send_mail_safely(subject, body, [email]))
    return invitation, token


def find_invitation(token: str) -> Invitation | None:
    invitation = (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=_token_hash(str(token)[:200]))
        .first()
    )
    if invitation is None or invitation.accepted_at or invitation.expires_at < timezone.now():
        return None
    return invitation


@transaction.atomic
def accept_invitation(
    invitation: Invitation, *, user: Any = None, full_name: str = "", password: str = ""
) -> Any:
    """Join the organisation: with the logged-in account, or by creating one for the invited address."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise ValidationError(_("This invitation has already been used."))
    user_model = get_user_model()
    if user is None:
        if user_model.objects.filter(email=invitation.email).exists():
            raise ValidationError(_("An account already exists for this address: log in to accept."))
        user = user_model.objects.create_user(invitation.email, password, full_name=full_name)
        audit.record(
            "user.created",
            actor=user,
            organisation_id=invitation.organisation_id,
            obj=user,
            data={"email": user.email, "via": "invitation"},
        )
    current = Membership.objects.filter(organisation=invitation.organisation, user=user).values_list(
        "role", flat=True
    )
    set_member_roles(
        invitation.organisation,
        user,
        [*current, *invitation.roles],
        actor=user,
        department=invitation.department,
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit.record(
        "invitation.accepted",
        actor=user,
        organisation_id=invitation.organisation_id,
        obj=invitation,
        data={"email": invitation.email},
    )
    return user


@transaction.atomic
def create_staff_body(
    organisation: Organisation,
    actor: Any,
    *,
    kind: str,
    name: str = "",
    establishment: str = "",
    members: Iterable[tuple[str, str]] = (),
) -> StaffBody:
    body = StaffBody(organisation=organisation, kind=kind, name=name, establishment=establishment)
    body.full_clean(exclude=["organisation"])
    body._history_user = actor  # type: ignore[attr-defined]
    body.save()
    seats = list(members)
    for full_name, mandate in seats:
        member = StaffBodyMember(staff_body=body, full_name=full_name, mandate=mandate)
        member.full_clean(exclude=["staff_body"])
        member.save()
    audit.record(
        "staff_body.created",
        actor=actor,
        organisation_id=organisation.pk,
        obj=body,
        data={"kind": kind, "name": name, "members": len(seats)},
    )
    hooks.fire(hooks.organisation_changed, organisation.pk)
    return body


@transaction.atomic
def delete_staff_body(body: StaffBody, actor: Any) -> None:
    audit.record(
        "staff_body.deleted",
        actor=actor,
        organisation_id=body.organisation_id,
        obj=body,
        data={"kind": body.kind, "name": body.name},
    )
    body._history_user = actor  # type: ignore[attr-defined]
    body.delete()
    hooks.fire(hooks.organisation_changed, body.organisation_id)


@transaction.atomic
def add_staff_body_member(
    body: StaffBody, actor: Any, full_name: str, mandate: str = "", user: Any = None
) -> StaffBodyMember:
    """Seat a person on a staff body; `user` optionally links the seat to a member's account."""
    if (
        user is not None
        and not Membership.objects.filter(organisation_id=body.organisation_id, user=user).exists()
    ):
        raise ValidationError({"user": _("This person is not a member of the organisation.")})
    member = StaffBodyMember(
        staff_body=body, full_name=(full_name or "").strip(), mandate=(mandate or "").strip(), user=user
    )
    member.full_clean(exclude=["staff_body", "user"])
    member.save()
    audit.record(
        "staff_body.member_added",
        actor=actor,
        organisation_id=body.organisation_id,
        obj=member,
        data={
            "staff_body": body.pk,
            "full_name": member.full_name,
            "mandate": member.mandate,
            "user": getattr(user, "pk", None),
        },
    )
    return member


@transaction.atomic
def remove_staff_body_member(member: StaffBodyMember, actor: Any) -> None:
    body = member.staff_body
    audit.record(
        "staff_body.member_removed",
        actor=actor,
        organisation_id=body.organisation_id,
        obj=member,
        data={"staff_body": body.pk, "full_name": member.full_name},
    )
    member.delete()


AGREEMENT_FIELDS = ("title", "kind", "signed_on", "parties")


def _check_agreement_document(document: Any) -> str:
    """The document's content type, checked from its content; the error names the `document` field."""
    try:
        return check_upload(document)
    except ValidationError as exc:
        raise ValidationError({"document": exc.message_dict.get("file", exc.messages)}) from exc


def _store_agreement_document(agreement: Agreement, document: Any) -> None:
    """Save an uploaded document on the agreement (not yet the row). The stored name is random (never the
    uploader's) and its extension follows the detected content."""
    content_type = _check_agreement_document(document)
    extension = mimetypes.guess_extension(content_type) or ""
    agreement.document.save(f"{secrets.token_hex(16)}{extension}", document, save=False)


def create_agreement(
    organisation: Organisation,
    actor: Any,
    *,
    title: str,
    kind: str,
    signed_on: dt.date | None = None,
    parties: str = "",
    document: Any = None,
) -> Agreement:
    """Record an agreement (collective agreement, charter, unilateral commitment) with its parties (one per
    line) and its optional document, whose size and type are checked from its content."""
    agreement = Agreement(
        organisation=organisation,
        title=(title or "").strip(),
        kind=kind,
        signed_on=signed_on,
        parties=_clean_parties(parties),
    )
    agreement.full_clean(exclude=["organisation", "document"])
    if document is not None:
        _check_agreement_document(document)
    with transaction.atomic():
        if document is not None:
            _store_agreement_document(agreement, document)
        try:
            agreement._history_user = actor  # type: ignore[attr-defined]
            agreement.save()
            audit.record(
                "agreement.created",
                actor=actor,
                organisation_id=organisation.pk,
                obj=agreement,
                data={
                    "title": agreement.title,
                    "kind": kind,
                    "signed_on": signed_on,
                    "parties": agreement.parties,
                    "document": bool(document),
                },
            )
            hooks.fire(hooks.organisation_changed, organisation.pk)
        except BaseException:
            if agreement.document:
                agreement.document.storage.delete(agreement.document.name)
            raise
    return agreement


def _clean_parties(parties: str | None) -> str:
    # One party per line; blank lines and surrounding spaces are noise from the form.
    lines = (line.strip() for line in (parties or "").splitlines())
    return "\n".join(line for line in lines if line)


def update_agreement(agreement: Agreement, actor: Any, *, reason: str = "", **values: Any) -> Agreement:
    """Change an agreement's title, kind, date or parties, and replace its document when `document` is
    given (checked like at creation; the old file is deleted once the change is committed). Nothing is
    written when nothing changes. History (with `reason`), audit and the `organisation_changed` hook."""
    unknown = set(values) - {*AGREEMENT_FIELDS, "document"}
    if unknown:
        raise ValueError(f"update_agreement: unknown fields {sorted(unknown)}")
    document = values.pop("document", None)
    if "title" in values:
        values["title"] = (values["title"] or "").strip()
    if "parties" in values:
        values["parties"] = _clean_parties(values["parties"])
    if document is not None:
        _check_agreement_document(document)
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        changes = {name: value for name, value in values.items() if getattr(agreement, name) != value}
        if not changes and document is None:
            return agreement
        for name, value in changes.items():
            setattr(agreement, name, value)
        agreement.full_clean(exclude=["organisation", "document"])
        old_name = agreement.document.name if agreement.document else ""
        storage = agreement.document.storage
        if document is not None:
            _store_agreement_document(agreement, document)
        try:
            agreement._history_user = actor  # type: ignore[attr-defined]
            agreement._change_reason = reason or _("Agreement changed")  # type: ignore[attr-defined]
            agreement.save(update_fields=[*changes, *(["document"] if document is not None else [])])
            audit.record(
                "agreement.updated",
                actor=actor,
                organisation_id=agreement.organisation_id,
                obj=agreement,
                data={
                    "changes": changes,
                    "document_replaced": document is not None,
                    "reason": reason,
                },
            )
            hooks.fire(hooks.organisation_changed, agreement.organisation_id)
        except BaseException:
            if document is not None and agreement.document:
                agreement.document.storage.delete(agreement.document.name)
            raise
        if document is not None and old_name:
            transaction.on_commit(lambda: storage.delete(old_name))
    return agreement


def _agreement_clauses(agreement: Agreement) -> tuple[int, bool]:
    """(number of review clauses, whether any has a review meeting). The review clauses belong to the
    reviews app, which sits above this one (docs/ARCHITECTURE.md): they are reached through the reverse
    relation, not imported."""
    clauses = getattr(agreement, "review_clauses", None)
    if clauses is None:
        return 0, False
    return clauses.count(), clauses.filter(meetings__isnull=False).exists()


@transaction.atomic
def delete_agreement(agreement: Agreement, actor: Any) -> None:
    """Delete an agreement and its document. Refused when one of its review clauses has held or scheduled
    review meetings: their minutes and measures must stay on record (roadmap measure 8, « une série de
    rendez-vous connus de tous »). Clauses without meetings are deleted with it."""
    clause_count, has_meetings = _agreement_clauses(agreement)
    if has_meetings:
        raise ValidationError(
            _(
                "This agreement cannot be deleted: its review clauses have review meetings, whose record "
                "must be kept. Deactivate the clauses instead."
            ),
            code="has_meetings",
        )
    audit.record(
        "agreement.deleted",
        actor=actor,
        organisation_id=agreement.organisation_id,
        obj=agreement,
        data={"title": agreement.title, "kind": agreement.kind, "review_clauses": clause_count},
    )
    stored_name = agreement.document.name if agreement.document else ""
    storage = agreement.document.storage
    agreement._history_user = actor  # type: ignore[attr-defined]
    agreement.delete()
    hooks.fire(hooks.organisation_changed, agreement.organisation_id)
    if stored_name:
        transaction.on_commit(lambda: storage.delete(stored_name))


@transaction.atomic
def revoke_invitation(invitation: Invitation, actor: Any) -> None:
    """Withdraw a pending invitation: its link stops working."""
    audit.record(
        "invitation.revoked",
        actor=actor,
        organisation_id=invitation.organisation_id,
        obj=invitation,
        data={"email": invitation.email, "roles": invitation.roles},
    )
    invitation.delete()


def remove_member(organisation: Organisation, user: Any, actor: Any) -> None:
    """Take every role away from `user`; refused for the organisation's last administrator."""
    set_member_roles(organisation, user, [], actor)


@transaction.atomic
def create_organisation_with_admin(
    actor: Any, *, name: str, slug: str = "", admin_email: str = "", **facts: Any
) -> tuple[Organisation, tuple[Invitation, str] | None]:
    """What the platform administrator does: create an organisation and invite its first administrator
    (the invitation is e-mailed after commit). Returns the organisation and, if an address was given,
    the invitation with its raw token."""
    admin_email = (admin_email or "").strip()
    if admin_email:
        try:
            Invitation._meta.get_field("email").clean(admin_email, None)
        except ValidationError as exc:
            raise ValidationError({"admin_email": exc.messages}) from exc
    organisation = create_organisation(actor, name=name, slug=slug, **facts)
    invitation = invite_member(organisation, actor, admin_email, [Role.ORG_ADMIN]) if admin_email else None
    return organisation, invitation


@dataclass
class MemberRow:
    """One person of an organisation with all the roles they hold there."""

    user: Any
    roles: list[str] = field(default_factory=list)
    department: str = ""

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(role).label) for role in self.roles]


def list_members(organisation: Organisation) -> list[MemberRow]:
    rows: dict[int, MemberRow] = {}
    memberships = (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("user__full_name", "user__email", "role")
    )
    for membership in memberships:
        row = rows.setdefault(membership.user_id, MemberRow(membership.user))
        row.roles.append(membership.role)
        row.department = row.department or membership.department
    return list(rows.values())


def list_pending_invitations(organisation: Organisation) -> list[Invitation]:
    return list(
        Invitation.objects.filter(
            organisation=organisation, accepted_at__isnull=True, expires_at__gt=timezone.now()
        ).order_by("-created_at", "-pk")
    )
