"""Import and export pages of the register, and the open-data export."""

from django.urls import path

from revoyure.registry import views_data

app_name = "registry_data"

urlpatterns = [
    path("o/<slug:org>/register/import/", views_data.import_start, name="import"),
    path("o/<slug:org>/register/import/preview/", views_data.import_preview, name="import_preview"),
    path("o/<slug:org>/register/import/confirm/", views_data.import_confirm, name="import_confirm"),
    path("o/<slug:org>/register/export/", views_data.export_page, name="export"),
    path("o/<slug:org>/register/export/<slug:fmt>/", views_data.export_download, name="export_download"),
    path("public/<slug:org>/open-data.json", views_data.open_data_json, name="open_data_json"),
    path("public/<slug:org>/open-data.csv", views_data.open_data_csv, name="open_data_csv"),
]
