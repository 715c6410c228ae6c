from django.urls import path

from revoyure.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("o/<slug:org>/webhooks/", views.webhook_list, name="list"),
    path("o/<slug:org>/webhooks/new/", views.webhook_new, name="new"),
    path("o/<slug:org>/webhooks/<int:webhook_id>/", views.webhook_detail, name="detail"),
    path("o/<slug:org>/webhooks/<int:webhook_id>/edit/", views.webhook_edit, name="edit"),
    path("o/<slug:org>/webhooks/<int:webhook_id>/delete/", views.webhook_delete, name="delete"),
    path(
        "o/<slug:org>/webhooks/<int:webhook_id>/rotate-secret/",
        views.webhook_rotate_secret,
        name="rotate_secret",
    ),
    path("o/<slug:org>/webhooks/<int:webhook_id>/test/", views.webhook_send_test, name="send_test"),
    path(
        "o/<slug:org>/webhooks/deliveries/<int:delivery_id>/",
        views.delivery_detail,
        name="delivery_detail",
    ),
    path(
        "o/<slug:org>/webhooks/deliveries/<int:delivery_id>/replay/",
        views.delivery_replay,
        name="delivery_replay",
    ),
]
