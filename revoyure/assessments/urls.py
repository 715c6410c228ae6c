from django.urls import path

from revoyure.assessments import views_pia

app_name = "assessments"

urlpatterns = [
    path("o/<slug:org>/tools/<int:pk>/dpia/import/", views_pia.pia_import, name="pia_import"),
    path("o/<slug:org>/dpia/<int:pia_id>/", views_pia.pia_detail, name="pia_detail"),
]
