"""The case workflow of a staff report, for the committee and the delegate (included in the "reports"
namespace by `reports/urls.py`)."""

from django.urls import path

from revoyure.reports import views_case

_R = "o/<slug:org>/reports/<int:report_id>/"

urlpatterns: list = [
    path("o/<slug:org>/reports/", views_case.case_list, name="case_list"),
    path(_R, views_case.case_detail, name="case_detail"),
    path(_R + "letters/<int:alert_id>/", views_case.letter_download, name="case_letter"),
    *[
        path(_R + name.replace("_", "-") + "/", views_case.case_action, {"action": name}, name=f"case_{name}")
        for name in views_case.ACTIONS
    ],
]
