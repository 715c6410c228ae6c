from django.urls import path

from revoyure.registry import views

app_name = "registry"

urlpatterns = [
    path("o/<slug:org>/register/", views.tool_list, name="tool_list"),
]
