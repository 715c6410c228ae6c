"""Trainings and AI literacy (AI Act art. 4) routes, part of the "committee" namespace."""

from django.urls import path

from revoyure.committee import views_trainings as views

_T = "o/<slug:org>/trainings/"

urlpatterns: list = [
    path(_T, views.training_list, name="training_list"),
    path(_T + "export.csv", views.training_export, name="training_export"),
    path(_T + "new/", views.training_new, name="training_new"),
    path(_T + "<int:training_id>/", views.training_detail, name="training_detail"),
    path(_T + "<int:training_id>/edit/", views.training_edit, name="training_edit"),
    path(_T + "<int:training_id>/delete/", views.training_delete, name="training_delete"),
    path(_T + "people/", views.training_people, name="training_people"),
    path(_T + "people/<int:user_id>/", views.training_person, name="training_person"),
    path(_T + "plans/", views.plan_list, name="training_plan_list"),
    path(_T + "plans/new/", views.plan_new, name="training_plan_new"),
    path(_T + "plans/<int:plan_id>/", views.plan_detail, name="training_plan_detail"),
    path(_T + "plans/<int:plan_id>/edit/", views.plan_edit, name="training_plan_edit"),
    path(_T + "plans/<int:plan_id>/delete/", views.plan_delete, name="training_plan_delete"),
    path("o/<slug:org>/tools/<int:pk>/trainings/", views.training_tool, name="training_tool"),
]
