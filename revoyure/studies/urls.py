from django.urls import path

from revoyure.studies import views, views_panel

app_name = "studies"

S = "o/<slug:org>/studies/<int:study_id>/"

urlpatterns = [
    path("o/<slug:org>/studies/", views.study_list, name="list"),
    path("o/<slug:org>/tools/<int:pk>/studies/new/", views.study_create, name="create"),
    path(S, views.study_detail, name="detail"),
    path(S + "assign/", views.study_assign, name="assign"),
    path(S + "review/", views.study_review, name="review"),
    path(S + "send-back/", views.study_send_back, name="send_back"),
    path(S + "sign-off/", views.study_sign_off, name="sign_off"),
    path(S + "study.pdf", views.study_pdf, name="pdf"),
    path(S + "panel/", views_panel.panel_page, name="panel"),
    path(S + "panel/members/", views_panel.member_add, name="member_add"),
    path(S + "panel/members/<int:panel_member_id>/remove/", views_panel.member_remove, name="member_remove"),
    path(
        S + "panel/members/<int:panel_member_id>/evaluation/",
        views_panel.member_evaluation,
        name="member_evaluation",
    ),
    path(S + "panel/sessions/", views_panel.session_add, name="session_add"),
    path(S + "panel/sessions/<int:session_id>/remove/", views_panel.session_remove, name="session_remove"),
    path(S + "panel/share/", views_panel.panel_share, name="panel_share"),
    path(S + "framing-note/", views_panel.framing_note, name="framing_note"),
    path(S + "framing-note/edit/", views_panel.framing_note_edit, name="framing_note_edit"),
    path(S + "framing-note.pdf", views_panel.framing_note_pdf, name="framing_note_pdf"),
    path("o/<slug:org>/duerp/", views.duerp_list, name="duerp_list"),
    path("o/<slug:org>/duerp/<int:update_id>/done/", views.duerp_done, name="duerp_done"),
]
