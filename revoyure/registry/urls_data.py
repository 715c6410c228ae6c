"""Import and export pages of the register (owned by the import/export work)."""

from django.urls import path

app_name = "registry_data"

urlpatterns: list = []
