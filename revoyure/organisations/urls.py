from django.urls import path

from revoyure.organisations import (
    views,
    views_audit,
    views_members,
    views_platform,
    views_settings,
    views_tokens,
)

app_name = "organisations"

urlpatterns = [
    path("o/<slug:org>/", views.organisation_start, name="start"),
    path("o/<slug:org>/settings/", views_settings.settings_view, name="settings"),
    path("o/<slug:org>/settings/edit/", views_settings.settings_edit, name="settings_edit"),
    path("o/<slug:org>/settings/staff-bodies/", views_settings.staff_bodies, name="staff_bodies"),
    path("o/<slug:org>/settings/staff-bodies/<int:body_id>/", views_settings.staff_body, name="staff_body"),
    path(
        "o/<slug:org>/settings/staff-bodies/<int:body_id>/delete/",
        views_settings.staff_body_delete,
        name="staff_body_delete",
    ),
    path(
        "o/<slug:org>/settings/staff-bodies/<int:body_id>/members/<int:member_id>/remove/",
        views_settings.staff_body_member_remove,
        name="staff_body_member_remove",
    ),
    path("o/<slug:org>/settings/agreements/", views_settings.agreements, name="agreements"),
    path(
        "o/<slug:org>/settings/agreements/<int:agreement_id>/document/",
        views_settings.agreement_document,
        name="agreement_document",
    ),
    path(
        "o/<slug:org>/settings/agreements/<int:agreement_id>/delete/",
        views_settings.agreement_delete,
        name="agreement_delete",
    ),
    path("o/<slug:org>/members/", views_members.members, name="members"),
    path("o/<slug:org>/members/invite/", views_members.invite, name="invite"),
    path(
        "o/<slug:org>/members/invitations/<int:invitation_id>/revoke/",
        views_members.invitation_revoke,
        name="invitation_revoke",
    ),
    path("o/<slug:org>/members/<int:user_id>/", views_members.member_edit, name="member_edit"),
    path("o/<slug:org>/members/<int:user_id>/remove/", views_members.member_remove, name="member_remove"),
    path("invitation/<str:token>/", views_members.accept_invitation, name="accept_invitation"),
    path("platform/organisations/", views_platform.platform_organisations, name="platform_organisations"),
    path("o/<slug:org>/audit/", views_audit.audit_log, name="audit_log"),
    path("o/<slug:org>/tokens/", views_tokens.api_tokens, name="api_tokens"),
    path(
        "o/<slug:org>/tokens/<int:token_id>/revoke/", views_tokens.api_token_revoke, name="api_token_revoke"
    ),
]
