"""Report intake: the form for members, the public link, the anonymous follow-up."""

from django.urls import path

from revoyure.reports import views_intake

urlpatterns: list = [
    path("o/<slug:org>/reports/new/", views_intake.report_new, name="report_new"),
    path("o/<slug:org>/reports/mine/", views_intake.my_reports, name="my_reports"),
    path("o/<slug:org>/reports/mine/<int:report_id>/", views_intake.my_report, name="my_report"),
    # No account needed: the public link (its token is the credential) and the follow-up by code.
    path("r/<slug:org_slug>/follow-up/", views_intake.followup, name="followup"),
    path("r/<str:token>/", views_intake.public_report, name="public_report"),
]
