from django.urls import path

from revoyure.organisations import views

app_name = "organisations"

urlpatterns: list = []
