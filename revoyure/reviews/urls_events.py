"""Trigger events: the organisation's pages and the platform administrator's (installation events)."""

from django.urls import path

from revoyure.reviews import views_events, views_platform_events

_E = "o/<slug:org>/revoyure/evenements/"
_ONE = _E + "<int:event_id>/"
_P = "platform/revoyure/evenements/"
_P_ONE = _P + "<int:event_id>/"

urlpatterns = [
    path(_E, views_events.event_list, name="event_list"),
    path(_E + "nouveau/", views_events.event_new, name="event_new"),
    path(_ONE, views_events.event_detail, name="event_detail"),
    path(_ONE + "preuve/", views_events.event_evidence, name="event_evidence"),
    path(_ONE + "confirmer/", views_events.event_confirm, name="event_confirm"),
    path(_ONE + "rejeter/", views_events.event_reject, name="event_reject"),
    path(_P, views_platform_events.platform_event_list, name="platform_event_list"),
    path(_P + "nouveau/", views_platform_events.platform_event_new, name="platform_event_new"),
    path(_P_ONE, views_platform_events.platform_event_detail, name="platform_event_detail"),
    path(_P_ONE + "preuve/", views_platform_events.platform_event_evidence, name="platform_event_evidence"),
    path(_P_ONE + "confirmer/", views_platform_events.platform_event_confirm, name="platform_event_confirm"),
    path(_P_ONE + "rejeter/", views_platform_events.platform_event_reject, name="platform_event_reject"),
]
