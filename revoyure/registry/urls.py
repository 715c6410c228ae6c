from django.urls import path

from revoyure.registry import views, views_attachments, views_history, views_transparency, views_vendors

app_name = "registry"

urlpatterns = [
    path("o/<slug:org>/register/", views.tool_list, name="tool_list"),
    path("o/<slug:org>/register/new/", views.tool_create, name="tool_create"),
    path("o/<slug:org>/register/<int:pk>/", views.tool_detail, name="tool_detail"),
    path("o/<slug:org>/register/<int:pk>/edit/", views.tool_edit, name="tool_edit"),
    path("o/<slug:org>/register/<int:pk>/status/", views.tool_change_status, name="tool_change_status"),
    path("o/<slug:org>/register/<int:pk>/history/", views_history.tool_history, name="tool_history"),
    path("o/<slug:org>/register/<int:pk>/compare/", views_history.tool_compare, name="tool_compare"),
    path(
        "o/<slug:org>/register/<int:pk>/attachments/",
        views_attachments.attachment_add,
        name="attachment_add",
    ),
    path(
        "o/<slug:org>/attachments/<int:pk>/download/",
        views_attachments.attachment_download,
        name="attachment_download",
    ),
    path(
        "o/<slug:org>/attachments/<int:pk>/remove/",
        views_attachments.attachment_remove,
        name="attachment_remove",
    ),
    path("o/<slug:org>/vendors/", views_vendors.vendor_list, name="vendor_list"),
    path("o/<slug:org>/vendors/<int:pk>/", views_vendors.vendor_detail, name="vendor_detail"),
    path("o/<slug:org>/vendors/<int:pk>/edit/", views_vendors.vendor_edit, name="vendor_edit"),
    path("o/<slug:org>/vendors/<int:pk>/note/", views_vendors.vendor_note, name="vendor_note"),
    path("o/<slug:org>/transparency/", views_transparency.transparency, name="transparency"),
    path(
        "public/<slug:org>/transparency/", views_transparency.public_transparency, name="public_transparency"
    ),
]
