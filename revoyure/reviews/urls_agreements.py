"""Agreements, review clauses, the model clause and the timelines (views_agreements.py)."""

from django.urls import URLPattern, path

from revoyure.reviews import views_agreements as views

PREFIX = "o/<slug:org>/revoyure/accords/"

urlpatterns: list[URLPattern] = [
    path(PREFIX, views.agreement_list, name="agreement_list"),
    path(f"{PREFIX}<int:agreement_id>/", views.agreement_detail, name="agreement_detail"),
    path(f"{PREFIX}<int:agreement_id>/modifier/", views.agreement_edit, name="agreement_edit"),
    path(f"{PREFIX}<int:agreement_id>/clauses/nouvelle/", views.clause_new, name="clause_new"),
    path(f"{PREFIX}clauses/<int:clause_id>/modifier/", views.clause_edit, name="clause_edit"),
    path(f"{PREFIX}clauses/<int:clause_id>/desactiver/", views.clause_deactivate, name="clause_deactivate"),
    path(f"{PREFIX}clauses/<int:clause_id>/activer/", views.clause_activate, name="clause_activate"),
    path(f"{PREFIX}clause-type/", views.model_clause_page, name="model_clause"),
    path(f"{PREFIX}clause-type.txt", views.model_clause_txt, name="model_clause_txt"),
    path(f"{PREFIX}clause-type.pdf", views.model_clause_pdf, name="model_clause_pdf"),
    path("o/<slug:org>/revoyure/outils/<int:tool_id>/", views.tool_timeline, name="tool_timeline"),
]
