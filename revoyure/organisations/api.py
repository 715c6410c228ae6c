"""API authentication (personal tokens and the session) and the organisation endpoints (read only).

Every API operation is authenticated here, and when its path names an organisation (`{slug}`) the access
check runs before the request body is read: an outsider gets a 404 and a role without the permission a
403, whatever the body holds.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from revoyure.core.api import BearerTokenAuth, CsrfSessionAuth, problem_responses
from revoyure.core.permissions import Perm
from revoyure.organisations.access import OrgAccess, access_organisation, organisations_of
from revoyure.organisations.models import Membership, Organisation
from revoyure.organisations.tokens import authenticate_token

_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,60}")


@dataclass(frozen=True)
class ApiCaller:
    """Who calls the API, with which token (if any), and their access to the organisation in the path."""

    user: Any
    token: Any = None
    access: OrgAccess | None = None

    @property
    def token_roles(self) -> frozenset[str] | None:
        """What to pass as `token_roles` to the access helpers: a token never grants more than its role."""
        return frozenset({self.token.role}) if self.token is not None else None

    @property
    def organisation_access(self) -> OrgAccess:
        if self.access is None:  # only operations without {slug} lack it; a programming error there
            raise Http404
        return self.access


def caller(request: HttpRequest) -> ApiCaller:
    return cast(ApiCaller, request.auth)  # type: ignore[attr-defined]  # set by ninja's authentication


def _authorise(request: HttpRequest, user: Any, token: Any, perm: Perm | None) -> ApiCaller:
    match = request.resolver_match
    slug = match.kwargs.get("slug") if match is not None else None
    if slug is None:
        return ApiCaller(user, token)
    if not _SLUG.fullmatch(str(slug)) or (token is not None and token.organisation.slug != slug):
        # A token is scoped to one organisation: any other one looks as if it did not exist.
        raise Http404
    access = access_organisation(
        user,
        slug,
        perm or Perm.VIEW_TRANSPARENCY,
        token_roles=frozenset({token.role}) if token is not None else None,
    )
    return ApiCaller(user, token, access)


class TokenAuth(BearerTokenAuth):
    def __init__(self, perm: Perm | None) -> None:
        self.perm = perm
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> ApiCaller | None:
        api_token = authenticate_token(token)
        if api_token is None:
            return None
        # The token acts with its role only while its owner still holds that role there.
        still_holds_role = Membership.objects.filter(
            user_id=api_token.user_id, organisation_id=api_token.organisation_id, role=api_token.role
        ).exists()
        if not still_holds_role:
            return None
        return _authorise(request, api_token.user, api_token, self.perm)


class SessionAuth(CsrfSessionAuth):
    def __init__(self, perm: Perm | None) -> None:
        self.perm = perm
        super().__init__()

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiCaller:
        return _authorise(request, request.user, None, self.perm)


@cache
def api_auth(perm: Perm | None = None) -> list[Any]:
    """Authentication for an operation needing `perm` in the organisation of its path (if it has one)."""
    return [TokenAuth(perm), SessionAuth(perm)]


# Schemas --------------------------------------------------------------------------------------------------


class OrganisationSummaryOut(Schema):
    slug: str
    name: str
    roles: list[str]


class StaffBodyMemberOut(Schema):
    full_name: str
    mandate: str


class StaffBodyOut(Schema):
    id: int
    kind: str
    name: str
    establishment: str
    members: list[StaffBodyMemberOut]


class AgreementOut(Schema):
    id: int
    title: str
    kind: str
    signed_on: dt.date | None


class OrganisationOut(Schema):
    slug: str
    name: str
    roles: list[str]
    legal_form: str
    is_public_sector: bool
    public_service_branch: str
    is_public_authority: bool
    private_providing_public_service: bool
    headcount: int
    reached_11_for_12_months: bool
    reached_50_for_12_months: bool
    reached_250_for_12_months: bool
    naf_code: str
    region: str
    department: str
    has_union_section: bool
    has_dpo: bool
    last_duerp_update: dt.date | None
    contact_email: str
    transparency_public: bool
    open_data_enabled: bool
    staff_bodies: list[StaffBodyOut]
    agreements: list[AgreementOut]


class ApiIndexOut(Schema):
    version: str
    organisations: str
    openapi: str


# Endpoints ------------------------------------------------------------------------------------------------

router = Router(tags=["organisations"])


@router.get(
    "/",
    response={200: ApiIndexOut, **problem_responses(401)},
    auth=api_auth(),
    url_name="index",
    summary="Where to start",
)
def index(request: HttpRequest) -> dict[str, str]:
    base = request.build_absolute_uri(request.path)
    return {"version": "1", "organisations": base + "organisations", "openapi": base + "openapi.json"}


@router.get(
    "/organisations",
    response={200: list[OrganisationSummaryOut], **problem_responses(401)},
    auth=api_auth(),
    summary="The caller's organisations",
)
def list_organisations(request: HttpRequest) -> list[dict[str, Any]]:
    who = caller(request)
    if who.token is not None:
        return [
            {
                "slug": who.token.organisation.slug,
                "name": who.token.organisation.name,
                "roles": [who.token.role],
            }
        ]
    roles: dict[int, list[str]] = {}
    for org_id, role in Membership.objects.filter(user=who.user).values_list("organisation_id", "role"):
        roles.setdefault(org_id, []).append(role)
    return [
        {"slug": org.slug, "name": org.name, "roles": sorted(roles.get(org.pk, []))}
        for org in organisations_of(who.user)
    ]


@router.get(
    "/organisations/{slug}",
    response={200: OrganisationOut, **problem_responses(401, 403, 404)},
    auth=api_auth(Perm.VIEW_REGISTER),
    summary="An organisation's facts, staff bodies and agreements",
)
def get_organisation(request: HttpRequest, slug: str) -> dict[str, Any]:
    access = caller(request).organisation_access
    organisation: Organisation = access.organisation
    bodies = organisation.staff_bodies.prefetch_related("members")
    return {
        **{
            field: getattr(organisation, field)
            for field in OrganisationOut.model_fields
            if field not in ("roles", "staff_bodies", "agreements")
        },
        "roles": sorted(access.roles),
        "staff_bodies": [
            {
                "id": body.pk,
                "kind": body.kind,
                "name": body.name,
                "establishment": body.establishment,
                "members": [{"full_name": m.full_name, "mandate": m.mandate} for m in body.members.all()],
            }
            for body in bodies
        ],
        "agreements": [
            {"id": a.pk, "title": a.title, "kind": a.kind, "signed_on": a.signed_on}
            for a in organisation.agreements.all()
        ],
    }
