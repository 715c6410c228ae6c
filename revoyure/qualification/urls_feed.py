"""URLs of the private calendar feeds: the management page (organisation-scoped) and the feed itself,
reached by calendar programs with the token alone."""

from django.urls import path

from revoyure.qualification import views_feed

app_name = "qualification_feed"

urlpatterns = [
    path("o/<slug:org>/obligations/feeds/", views_feed.feeds, name="feeds"),
    path("o/<slug:org>/obligations/feeds/<int:pk>/revoke/", views_feed.feed_revoke, name="feed_revoke"),
    path("calendar/<str:token>.ics", views_feed.ical, name="ical"),
]
