"""The review clause's pages, one module per concept (agreements and clauses, events, feeds, meetings and
measures), under one namespace."""

from revoyure.reviews import urls_agreements, urls_events, urls_feeds, urls_meetings

app_name = "reviews"

urlpatterns = [
    *urls_meetings.urlpatterns,
    *urls_agreements.urlpatterns,
    *urls_events.urlpatterns,
    *urls_feeds.urlpatterns,
]
