# ruff: noqa: F811  (the feed_server fixture is imported, then named as an argument)
"""The watched feeds' pages: an organisation's (read with VIEW_REVIEWS, written with MANAGE_REVIEWS) and
the installation's (platform administrator only), with bad input refused and nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from revoyure.core.models import AuditEntry
from revoyure.reviews.models import FeedSource, TriggerEvent
from tests.factories import UserFactory, VendorFactory
from tests.reviews.feed_server import FeedServer, feed_server  # noqa: F401
from tests.reviews.test_feeds import GOOD_RSS, make_feed


def org_url(name: str, personas: Any, **kwargs: Any) -> str:
    return reverse(f"reviews:{name}", kwargs={"org": personas.org.slug, **kwargs})


def form_data(_vendor: Any = None, **values: Any) -> dict[str, Any]:
    data = {
        "title": "Acme AI news",
        "url": "https://feeds.acme.example/rss",
        "vendor": _vendor.pk if _vendor else "",
        "kind": "vendor_instructions_update",
        "product_keywords": "Copilot\n  \ncopilot\nAssistant RH\n",
        "active": "on",
    }
    data.update(values)
    return data


@pytest.fixture
def public_dns(monkeypatch: Any) -> None:
    """Names under .example resolve to a public address (no DNS in tests); the check itself is real."""
    import socket

    real = socket.getaddrinfo

    def getaddrinfo(host: str, *args: Any, **kwargs: Any) -> Any:
        if str(host).endswith(".example"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def platform_admin(db: Any) -> Any:
    return UserFactory(email="plateforme@example.org", is_superuser=True, is_staff=True)


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# The organisation's list ---------------------------------------------------------------------------------


def test_the_list_shows_each_feed_with_its_last_result(personas, vendor):
    make_feed(
        personas.org, "https://a.example/rss", vendor=vendor, last_status="error", last_error="Boom 500"
    )
    make_feed(personas.other_org, "https://b.example/rss", vendor=vendor, title="Theirs")

    response = personas.client("staff_rep").get(org_url("feed_list", personas))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Acme AI news" in page and "Boom 500" in page
    assert "Theirs" not in page
    # Reading only: no form to change anything.
    assert org_url("feed_new", personas) not in page
    assert "Fetch now" not in page


def test_those_who_manage_reviews_see_the_actions(personas, vendor):
    feed = make_feed(personas.org, "https://a.example/rss", vendor=vendor)

    page = personas.client("delegate").get(org_url("feed_list", personas)).content.decode()

    assert org_url("feed_new", personas) in page
    assert org_url("feed_fetch_now", personas, feed_id=feed.pk) in page


@pytest.mark.parametrize(("who", "status"), [("employee", 403), ("outsider", 404)])
def test_the_list_is_refused_to_others(personas, who, status):
    assert personas.client(who).get(org_url("feed_list", personas)).status_code == status


def test_the_list_asks_anonymous_visitors_to_log_in(personas):
    response = Client().get(org_url("feed_list", personas))

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_list_costs_the_same_whatever_the_number_of_feeds(personas):
    client = personas.client("delegate")

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(org_url("feed_list", personas)).status_code == 200
        return len(context)

    make_feed(personas.org, "https://a.example/rss", vendor=VendorFactory())
    few = queries()
    for n in range(10):
        make_feed(personas.org, f"https://a.example/{n}", vendor=VendorFactory(), title=f"Feed {n}")

    assert queries() == few


# Adding and changing a feed -----------------------------------------------------------------------------


def test_a_delegate_adds_a_feed(personas, vendor, public_dns):
    response = personas.client("delegate").post(org_url("feed_new", personas), form_data(vendor))

    assert response.status_code == 302
    feed = FeedSource.objects.get()
    assert feed.organisation == personas.org
    assert (feed.title, feed.url, feed.vendor, feed.kind, feed.active) == (
        "Acme AI news",
        "https://feeds.acme.example/rss",
        vendor,
        "vendor_instructions_update",
        True,
    )
    assert feed.product_keywords == ["Copilot", "Assistant RH"]
    assert feed.history.get().history_change_reason == "Feed added"
    assert AuditEntry.objects.filter(action="review.feed_created", organisation_id=personas.org.pk).exists()


def test_the_form_page_shows_its_fields(personas):
    response = personas.client("manager").get(org_url("feed_new", personas))

    assert response.status_code == 200
    page = response.content.decode()
    for name in ("title", "url", "vendor", "kind", "product_keywords", "active"):
        assert f'name="{name}"' in page
    assert 'value="authority_warning"' in page
    assert 'value="tool_new_version"' not in page  # not a kind a feed can bring


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"url": "http://127.0.0.1/feed"}, "private or local network"),
        ({"url": "ftp://feeds.acme.example/rss"}, "starting with https:// or http://"),
        ({"url": ""}, "This field is required"),
        ({"kind": "tool_new_version"}, "Select a valid choice"),
        ({"vendor": ""}, "Name the vendor"),
        ({"vendor": "999999"}, "Select a valid choice"),
        ({"title": ""}, "This field is required"),
        ({"product_keywords": "x" * 201}, "at most 200 characters"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(personas, vendor, public_dns, settings, values, words):
    settings.OUTBOUND_ALLOW_PRIVATE = False

    response = personas.client("delegate").post(org_url("feed_new", personas), form_data(vendor, **values))

    assert response.status_code == 400
    assert words in response.content.decode()
    assert not FeedSource.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="review.feed").exists()


def test_an_empty_submission_is_refused(personas):
    response = personas.client("delegate").post(org_url("feed_new", personas), {})

    assert response.status_code == 400
    assert not FeedSource.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("staff_rep", 403), ("committee", 403), ("outsider", 404)])
def test_only_those_who_manage_reviews_add_feeds(personas, vendor, public_dns, who, status):
    client = personas.client(who)

    assert client.get(org_url("feed_new", personas)).status_code == status
    assert client.post(org_url("feed_new", personas), form_data(vendor)).status_code == status
    assert not FeedSource.objects.exists()


def test_a_feed_is_changed_and_a_new_address_forgets_the_old_validators(personas, vendor, public_dns):
    feed = make_feed(personas.org, "https://a.example/rss", vendor=vendor, etag='"v1"', last_status="ok")
    url = org_url("feed_edit", personas, feed_id=feed.pk)
    assert "https://a.example/rss" in personas.client("delegate").get(url).content.decode()

    response = personas.client("delegate").post(
        url, form_data(vendor, url="https://b.example/rss", product_keywords="Copilot", active="")
    )

    assert response.status_code == 302
    feed.refresh_from_db()
    assert (feed.url, feed.etag, feed.last_status, feed.active) == ("https://b.example/rss", "", "", False)
    assert feed.history.first().history_change_reason == "Feed changed"


def test_a_bad_change_is_refused_and_nothing_changes(personas, vendor, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    feed = make_feed(personas.org, "https://a.example/rss", vendor=vendor)

    response = personas.client("delegate").post(
        org_url("feed_edit", personas, feed_id=feed.pk), form_data(vendor, url="http://localhost/rss")
    )

    assert response.status_code == 400
    feed.refresh_from_db()
    assert feed.url == "https://a.example/rss"


def test_another_organisations_feed_or_the_installations_is_not_found(personas, vendor):
    theirs = make_feed(personas.other_org, "https://a.example/rss", vendor=vendor)
    installation = make_feed(None, "https://a.example/rss", vendor=vendor)
    client = personas.client("delegate")

    for feed in (theirs, installation):
        assert client.get(org_url("feed_edit", personas, feed_id=feed.pk)).status_code == 404
        assert (
            client.post(org_url("feed_delete", personas, feed_id=feed.pk), {"confirm": "yes"}).status_code
            == 404
        )
        assert client.post(org_url("feed_fetch_now", personas, feed_id=feed.pk)).status_code == 404
    assert FeedSource.objects.count() == 2


# Deleting and fetching now ------------------------------------------------------------------------------


def test_deleting_asks_first_then_keeps_the_events(personas, vendor):
    feed = make_feed(personas.org, "https://a.example/rss", vendor=vendor)
    event = TriggerEvent.objects.create(
        organisation=personas.org,
        kind="vendor_instructions_update",
        origin="feed",
        title="E",
        occurred_on="2026-04-01",
        vendor=vendor,
        feed=feed,
    )
    url = org_url("feed_delete", personas, feed_id=feed.pk)
    client = personas.client("delegate")

    assert client.get(url).status_code == 200
    assert client.post(url, {}).status_code == 400  # not the confirmation page's own submission
    assert FeedSource.objects.exists()
    assert client.post(url, {"confirm": "yes"}).status_code == 302

    assert not FeedSource.objects.exists()
    event.refresh_from_db()
    assert event.feed_id is None
    assert AuditEntry.objects.filter(action="review.feed_deleted").exists()


def test_a_staff_representative_cannot_delete(personas, vendor):
    feed = make_feed(personas.org, "https://a.example/rss", vendor=vendor)

    response = personas.client("staff_rep").post(
        org_url("feed_delete", personas, feed_id=feed.pk), {"confirm": "yes"}
    )

    assert response.status_code == 403
    assert FeedSource.objects.exists()


def test_fetch_now_reads_the_feed_and_says_what_it_found(personas, vendor, feed_server: FeedServer):
    feed = make_feed(personas.org, feed_server.serve("/rss", body=GOOD_RSS), vendor=vendor)

    response = personas.client("delegate").post(
        org_url("feed_fetch_now", personas, feed_id=feed.pk), {"confirm": "yes"}, follow=True
    )

    assert response.status_code == 200
    assert "2 new events await confirmation" in response.content.decode()
    assert TriggerEvent.objects.filter(feed_id=feed.pk, status="pending").count() == 2
    feed.refresh_from_db()
    assert feed.next_fetch_at is not None  # the scheduled watcher does not fetch it again right away
    assert AuditEntry.objects.filter(action="review.feed_fetched").exists()


def test_fetch_now_shows_the_error(personas, vendor, feed_server: FeedServer):
    feed = make_feed(personas.org, feed_server.serve("/rss", body=b"no", status=500), vendor=vendor)

    response = personas.client("delegate").post(
        org_url("feed_fetch_now", personas, feed_id=feed.pk), {"confirm": "yes"}, follow=True
    )

    assert "The feed could not be read" in response.content.decode()
    assert "HTTP status 500" in response.content.decode()


def test_fetch_now_is_a_post_for_managers_only(personas, vendor, feed_server: FeedServer):
    feed = make_feed(personas.org, feed_server.serve("/rss", body=GOOD_RSS), vendor=vendor)
    url = org_url("feed_fetch_now", personas, feed_id=feed.pk)

    assert personas.client("delegate").get(url).status_code == 405
    assert personas.client("auditor").post(url).status_code == 403
    assert personas.client("outsider").get(url).status_code == 404
    assert personas.client("delegate").post(url).status_code == 400  # a POST without the page's button
    assert feed_server.requests == []


# The installation's feeds -------------------------------------------------------------------------------


PLATFORM_PAGES = [
    ("platform_feed_list", False),
    ("platform_feed_new", False),
    ("platform_feed_edit", True),
    ("platform_feed_delete", True),
    ("platform_feed_fetch_now", True),
]


@pytest.mark.parametrize(("name", "with_id"), PLATFORM_PAGES)
def test_platform_pages_do_not_exist_for_anyone_else(personas, vendor, name, with_id):
    feed = make_feed(None, "https://a.example/rss", vendor=vendor)
    url = reverse(f"reviews:{name}", kwargs={"feed_id": feed.pk} if with_id else {})

    for who in ("admin", "delegate"):
        client = personas.client(who)
        assert client.get(url).status_code == 404
        assert client.post(url, {"confirm": "yes", **form_data(vendor)}).status_code == 404
    assert FeedSource.objects.count() == 1


def test_the_platform_administrator_lists_only_installation_feeds(personas, vendor, platform_admin):
    make_feed(None, "https://a.example/rss", vendor=vendor, title="Installation feed")
    make_feed(personas.org, "https://a.example/rss", vendor=vendor, title="Acme's own feed")

    response = as_user(platform_admin).get(reverse("reviews:platform_feed_list"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Installation feed" in page
    assert "Acme&#x27;s own feed" not in page and "Acme's own feed" not in page


def test_the_platform_administrator_adds_an_installation_feed(vendor, platform_admin, public_dns):
    response = as_user(platform_admin).post(
        reverse("reviews:platform_feed_new"), form_data(None, kind="authority_warning", title="CNIL")
    )

    assert response.status_code == 302
    feed = FeedSource.objects.get()
    assert (feed.organisation_id, feed.title, feed.kind) == (None, "CNIL", "authority_warning")
    entry = AuditEntry.objects.get(action="review.feed_created")
    assert entry.organisation_id is None and entry.actor_id == platform_admin.pk


def test_the_platform_form_refuses_bad_input(vendor, platform_admin, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False

    response = as_user(platform_admin).post(
        reverse("reviews:platform_feed_new"), form_data(vendor, url="http://10.0.0.5/rss")
    )

    assert response.status_code == 400
    assert not FeedSource.objects.exists()


def test_the_platform_administrator_edits_deletes_and_fetches(
    vendor, platform_admin, public_dns, feed_server: FeedServer
):
    feed = make_feed(None, feed_server.serve("/rss", body=GOOD_RSS), vendor=vendor)
    client = as_user(platform_admin)

    response = client.post(
        reverse("reviews:platform_feed_fetch_now", kwargs={"feed_id": feed.pk}),
        {"confirm": "yes"},
        follow=True,
    )
    assert "2 new events await confirmation" in response.content.decode()
    assert TriggerEvent.objects.filter(organisation__isnull=True, feed_id=feed.pk).count() == 2

    edit = reverse("reviews:platform_feed_edit", kwargs={"feed_id": feed.pk})
    assert client.post(edit, form_data(vendor, title="Acme (all)")).status_code == 302
    feed.refresh_from_db()
    assert feed.title == "Acme (all)"

    delete = reverse("reviews:platform_feed_delete", kwargs={"feed_id": feed.pk})
    assert client.get(delete).status_code == 200
    assert client.post(delete, {"confirm": "yes"}).status_code == 302
    assert not FeedSource.objects.exists()


def test_an_organisations_feed_is_not_found_on_the_platform_pages(personas, vendor, platform_admin):
    feed = make_feed(personas.org, "https://a.example/rss", vendor=vendor)

    response = as_user(platform_admin).get(reverse("reviews:platform_feed_edit", kwargs={"feed_id": feed.pk}))

    assert response.status_code == 404
