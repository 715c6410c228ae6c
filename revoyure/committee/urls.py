from django.urls import path

from revoyure.committee import urls_trainings, views, views_meetings

app_name = "committee"

_C = "o/<slug:org>/committee/"
_M = _C + "meetings/<int:meeting_id>/"

# The committee, its meetings, dossier and communications; the trainings are routed in urls_trainings.
urlpatterns: list = [
    path(_C, views.home, name="home"),
    path(_C + "settings/", views.settings_page, name="settings"),
    path(_C + "settings/public-link/", views.regenerate_token, name="regenerate_token"),
    path(_C + "members/", views.members, name="members"),
    path(_C + "members/<int:committee_member_id>/", views.member_edit, name="member_edit"),
    path(_C + "members/<int:committee_member_id>/remove/", views.member_deactivate, name="member_deactivate"),
    path(_C + "meetings/", views_meetings.meeting_list, name="meetings"),
    path(_C + "meetings/new/", views_meetings.meeting_new, name="meeting_new"),
    path(_M, views_meetings.meeting_detail, name="meeting"),
    path(_M + "edit/", views_meetings.meeting_edit, name="meeting_edit"),
    path(_M + "invite/", views_meetings.meeting_invite, name="meeting_invite"),
    path(_M + "cancel/", views_meetings.meeting_cancel, name="meeting_cancel"),
    path(_M + "minutes/", views_meetings.meeting_record, name="meeting_record"),
    path(_M + "held/", views_meetings.meeting_held, name="meeting_held"),
    path(_M + "decisions/", views_meetings.decision_add, name="decision_add"),
    path(_M + "decisions/<int:decision_id>/delete/", views_meetings.decision_delete, name="decision_delete"),
    path(_C + "decisions/", views_meetings.decisions, name="decisions"),
    path(_C + "dossier/<int:year>/", views.dossier_page, name="dossier"),
    path(_C + "dossier/<int:year>.pdf", views.dossier_pdf, name="dossier_pdf"),
    path(_C + "notes/", views.notes, name="notes"),
    path(_C + "notes/<int:note_id>/", views.note_edit, name="note_edit"),
    path(_C + "notes/<int:note_id>/delete/", views.note_delete, name="note_delete"),
    path(_C + "communications/", views.communications, name="communications"),
    path(_C + "communications/new/", views.communication_new, name="communication_new"),
    path(_C + "communications/<int:communication_id>/", views.communication_edit, name="communication"),
    path(
        _C + "communications/<int:communication_id>/publish/",
        views.communication_publish,
        name="communication_publish",
    ),
    *urls_trainings.urlpatterns,
]
