"""URLs of the qualification (filled by the views modules)."""

from django.urls import URLPattern

app_name = "qualification"

urlpatterns: list[URLPattern] = []
