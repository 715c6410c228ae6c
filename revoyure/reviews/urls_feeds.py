"""Watched feeds: an organisation's, under its review pages, and the installation's, on the platform
administrator's pages."""

from django.urls import path

from revoyure.reviews import views_feeds

_F = "o/<slug:org>/revoyure/flux/"
_P = "platform/revoyure/flux/"

urlpatterns = [
    path(_F, views_feeds.feed_list, name="feed_list"),
    path(_F + "new/", views_feeds.feed_new, name="feed_new"),
    path(_F + "<int:feed_id>/", views_feeds.feed_edit, name="feed_edit"),
    path(_F + "<int:feed_id>/delete/", views_feeds.feed_delete, name="feed_delete"),
    path(_F + "<int:feed_id>/fetch/", views_feeds.feed_fetch_now, name="feed_fetch_now"),
    path(_P, views_feeds.platform_feed_list, name="platform_feed_list"),
    path(_P + "new/", views_feeds.platform_feed_new, name="platform_feed_new"),
    path(_P + "<int:feed_id>/", views_feeds.platform_feed_edit, name="platform_feed_edit"),
    path(_P + "<int:feed_id>/delete/", views_feeds.platform_feed_delete, name="platform_feed_delete"),
    path(_P + "<int:feed_id>/fetch/", views_feeds.platform_feed_fetch_now, name="platform_feed_fetch_now"),
]
