"""URLs of the qualification pages (the calendar feeds are in `urls_feed.py`)."""

from django.urls import path

from revoyure.qualification import views_dashboard, views_tool

app_name = "qualification"

urlpatterns = [
    path("o/<slug:org>/tools/<int:pk>/qualification/", views_tool.tool_qualification, name="tool"),
    path("o/<slug:org>/tools/<int:pk>/qualification/questions/", views_tool.question_page, name="question"),
    path("o/<slug:org>/obligations/", views_dashboard.dashboard, name="dashboard"),
    path("o/<slug:org>/obligations/calendar/", views_dashboard.month_calendar, name="calendar"),
    path("o/<slug:org>/obligations/<int:obligation_id>/", views_tool.obligation_page, name="obligation"),
]
