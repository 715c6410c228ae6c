from django.urls import path

from revoyure.assessments import views, views_pia, views_section

app_name = "assessments"

urlpatterns = [
    path("o/<slug:org>/tools/<int:pk>/dpia/import/", views_pia.pia_import, name="pia_import"),
    path("o/<slug:org>/dpia/<int:pia_id>/", views_pia.pia_detail, name="pia_detail"),
    path("o/<slug:org>/questionnaires/", views.response_list, name="response_list"),
    path("o/<slug:org>/questionnaires/new/", views.response_create, name="response_create"),
    path("o/<slug:org>/questionnaires/compare/", views.compare, name="compare"),
    path("o/<slug:org>/questionnaires/import/", views.surveyjs_import, name="surveyjs_import"),
    path(
        "o/<slug:org>/questionnaires/definitions/<int:definition_id>/",
        views.definition_detail,
        name="definition",
    ),
    path("o/<slug:org>/questionnaires/<int:response_id>/", views.response_detail, name="response"),
    path("o/<slug:org>/questionnaires/<int:response_id>/submit/", views.submit, name="submit"),
    path(
        "o/<slug:org>/questionnaires/<int:response_id>/sections/<str:section_id>/",
        views_section.section,
        name="section",
    ),
    path(
        "o/<slug:org>/questionnaires/<int:response_id>/sections/<str:section_id>/assign/",
        views.assign,
        name="assign",
    ),
    path(
        "o/<slug:org>/questionnaires/<int:response_id>/files/<str:question_id>/",
        views.answer_file,
        name="answer_file",
    ),
]
