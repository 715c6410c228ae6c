from django.urls import path

from revoyure.consultations import views

app_name = "consultations"

_C = "o/<slug:org>/consultations/<int:consultation_id>/"

urlpatterns = [
    path("o/<slug:org>/consultations/", views.consultation_list, name="list"),
    path("o/<slug:org>/tools/<int:pk>/consultations/new/", views.consultation_new, name="new"),
    path(_C, views.consultation_detail, name="detail"),
    path(_C + "bodies/", views.body_add, name="body_add"),
    path(_C + "bodies/<int:body_id>/remove/", views.body_remove, name="body_remove"),
    path(_C + "bodies/<int:body_id>/information/", views.body_information, name="information"),
    path(_C + "bodies/<int:body_id>/expert/", views.body_expert, name="expert"),
    path(_C + "bodies/<int:body_id>/opinion/", views.body_opinion, name="opinion"),
    path(_C + "bodies/<int:body_id>/send/", views.body_send, name="send"),
    path(_C + "documents/", views.document_upload, name="upload"),
    path(_C + "dossier/", views.dossier_generate, name="dossier"),
    path(_C + "documents/<int:document_id>/", views.document_download, name="document"),
]
