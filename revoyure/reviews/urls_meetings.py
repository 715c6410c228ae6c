"""URLs of the review meetings and their measures (namespace "reviews", see urls.py)."""

from django.urls import path

from revoyure.reviews import views_meetings as views

P = "o/<slug:org>/revoyure/"
MEETING = P + "reunions/<int:review_meeting_id>/"
MEASURE = P + "mesures/<int:measure_id>/"

urlpatterns = [
    path(P, views.home, name="home"),
    path(MEETING, views.meeting_detail, name="meeting_detail"),
    path(MEETING + "edit/", views.meeting_edit, name="meeting_edit"),
    path(MEETING + "cancel/", views.meeting_cancel, name="meeting_cancel"),
    path(MEETING + "minutes/", views.meeting_minutes, name="meeting_minutes"),
    path(MEETING + "close/", views.meeting_close, name="meeting_close"),
    path(MEETING + "meeting.ics", views.meeting_ics, name="meeting_ics"),
    path(MEETING + "measures/new/", views.measure_new, name="measure_new"),
    path(P + "mesures/", views.measure_list, name="measure_list"),
    path(MEASURE + "edit/", views.measure_edit, name="measure_edit"),
    path(MEASURE + "done/", views.measure_done, name="measure_done"),
    path(MEASURE + "cancel/", views.measure_cancel, name="measure_cancel"),
]
