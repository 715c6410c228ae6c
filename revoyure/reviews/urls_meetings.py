from django.urls import path

from revoyure.reviews import views_meetings

urlpatterns = [
    path("o/<slug:org>/revoyure/", views_meetings.home, name="home"),
]
