# ruff: noqa: F811  (the feed_server fixture is imported, then named as an argument)
"""The feed watcher against a real local HTTP server: good RSS and Atom feeds, repeated and conditional
fetches, malformed, HTML, huge, slow and failing answers, private addresses, the claim of due feeds and
the scheduled job (issue 6 §2)."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from email.utils import format_datetime
from typing import Any

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone

from revoyure.core import scheduling
from revoyure.reviews import fanout, feeds, services_events, tasks_feeds
from revoyure.reviews.models import EventStatus, FeedSource, ReviewMeeting, TriggerEvent
from tests.reviews.conftest import make_clause
from tests.reviews.feed_server import FeedServer, feed_server  # noqa: F401
from tests.worker_support import _wait_if_locked


def rss(*items: str, title: str = "Acme AI news") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://acme.example/</link><description>News</description>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def item(title: str, *, link: str = "", guid: str = "", description: str = "", days_ago: float = 1) -> str:
    when = format_datetime(timezone.now() - dt.timedelta(days=days_ago))
    parts = [f"<title>{title}</title>", f"<pubDate>{when}</pubDate>"]
    if link:
        parts.append(f"<link>{link}</link>")
    if guid:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if description:
        parts.append(f"<description>{description}</description>")
    return "<item>" + "".join(parts) + "</item>"


GOOD_RSS = rss(
    item(
        "Copilot 4.2: updated instructions for use",
        link="https://acme.example/notes/42",
        guid="acme-42",
        description="&lt;p&gt;The &lt;b&gt;notice&lt;/b&gt; changes.&lt;/p&gt;",
        days_ago=2,
    ),
    item(
        "Post-market evaluation published",
        link="https://acme.example/notes/43",
        guid="acme-43",
        description="&lt;p&gt;It concerns COPILOT deployments in HR.&lt;/p&gt;",
    ),
    item("Our new office in Lyon", link="https://acme.example/notes/44", guid="acme-44"),
)


def atom(*entries: str) -> bytes:
    updated = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Regulator warnings</title><id>urn:reg</id><updated>{updated}</updated>"
        + "".join(entries)
        + "</feed>"
    ).encode()


def atom_entry(title: str, ident: str, link: str, summary: str) -> str:
    updated = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f'<entry><title>{title}</title><id>{ident}</id><link rel="alternate" href="{link}"/>'
        f'<updated>{updated}</updated><summary type="html">{summary}</summary></entry>'
    )


def make_feed(organisation: Any, url: str, **values: Any) -> FeedSource:
    values.setdefault("title", "Acme AI news")
    values.setdefault("kind", "vendor_instructions_update")
    values.setdefault("product_keywords", ["Copilot"])
    return FeedSource.objects.create(organisation=organisation, url=url, **values)


def events_of(feed: FeedSource) -> list[TriggerEvent]:
    return list(TriggerEvent.objects.filter(feed_id=feed.pk).order_by("title"))


# Good feeds ---------------------------------------------------------------------------------------------


def test_it_turns_matching_rss_entries_into_pending_events(personas, vendor, feed_server: FeedServer):
    feed = make_feed(personas.org, feed_server.serve("/rss", body=GOOD_RSS), vendor=vendor)

    result = feeds.fetch_feed(feed)

    assert (result.status, result.created, result.entries) == ("ok", 2, 3)
    first, second = events_of(feed)
    assert first.title == "Copilot 4.2: updated instructions for use"
    assert first.status == EventStatus.PENDING
    assert (first.origin, first.kind, first.organisation_id) == (
        "feed",
        "vendor_instructions_update",
        personas.org.pk,
    )
    assert first.vendor_id == vendor.pk
    assert first.product == "Copilot"
    assert first.evidence_url == "https://acme.example/notes/42"
    assert first.description == "The notice changes."
    assert first.source == "Acme AI news"
    assert first.occurred_on == timezone.localdate(timezone.now() - dt.timedelta(days=2))
    # Matched in the summary, whatever the case.
    assert second.title == "Post-market evaluation published"
    assert second.description == "It concerns COPILOT deployments in HR."
    feed.refresh_from_db()
    assert (feed.last_status, feed.last_error) == ("ok", "")
    assert feed.last_fetched_at is not None


def test_it_reads_an_atom_feed(personas, feed_server: FeedServer):
    body = atom(
        atom_entry(
            "Warning on emotion recognition",
            "urn:w1",
            "https://reg.example/w1",
            "About &lt;i&gt;Copilot&lt;/i&gt;",
        ),
        atom_entry("Annual report", "urn:w2", "https://reg.example/w2", "Nothing about tools"),
    )
    url = feed_server.serve("/atom", body=body, content_type="application/atom+xml")
    feed = make_feed(personas.org, url, kind="authority_warning", title="Regulator")

    result = feeds.fetch_feed(feed)

    assert (result.status, result.created) == ("ok", 1)
    (event,) = events_of(feed)
    assert (event.title, event.evidence_url, event.kind) == (
        "Warning on emotion recognition",
        "https://reg.example/w1",
        "authority_warning",
    )
    assert event.description == "About Copilot"
    assert event.status == EventStatus.PENDING


def test_every_entry_is_taken_when_no_product_is_watched(personas, vendor, feed_server: FeedServer):
    feed = make_feed(
        personas.org, feed_server.serve("/rss", body=GOOD_RSS), vendor=vendor, product_keywords=[]
    )

    assert feeds.fetch_feed(feed).created == 3
    assert {e.product for e in events_of(feed)} == {""}


def test_an_installation_feed_makes_installation_events(db, vendor, feed_server: FeedServer):
    feed = make_feed(None, feed_server.serve("/rss", body=GOOD_RSS), vendor=vendor)

    feeds.fetch_feed(feed)

    assert [e.organisation_id for e in events_of(feed)] == [None, None]


def test_fetching_the_same_feed_twice_creates_no_duplicate(personas, vendor, feed_server: FeedServer):
    feed = make_feed(personas.org, feed_server.serve("/rss", body=GOOD_RSS), vendor=vendor)
    feeds.fetch_feed(feed)

    again = feeds.fetch_feed(feed)

    assert (again.status, again.created) == ("ok", 0)
    assert TriggerEvent.objects.filter(feed_id=feed.pk).count() == 2
    assert len(feed_server.requests_to("/rss")) == 2


def test_entries_without_id_or_link_are_recognised_when_seen_again(personas, vendor, feed_server: FeedServer):
    feed = make_feed(personas.org, feed_server.serve("/rss", body=rss(item("Copilot recall"))), vendor=vendor)

    assert feeds.fetch_feed(feed).created == 1
    assert feeds.fetch_feed(feed).created == 0
    assert TriggerEvent.objects.get(feed_id=feed.pk).dedupe_key.startswith(f"feed:{feed.pk}:")


def test_a_conditional_request_answered_304_does_nothing(personas, vendor, feed_server: FeedServer):
    url = feed_server.serve(
        "/rss", body=GOOD_RSS, etag='"v1"', headers={"Last-Modified": "Wed, 01 Apr 2026 08:00:00 GMT"}
    )
    feed = make_feed(personas.org, url, vendor=vendor)
    feeds.fetch_feed(feed)
    feed.refresh_from_db()
    assert (feed.etag, feed.last_modified) == ('"v1"', "Wed, 01 Apr 2026 08:00:00 GMT")
    TriggerEvent.objects.all().delete()  # a 200 would create them again

    result = feeds.fetch_feed(feed)

    second = feed_server.requests_to("/rss")[1]
    assert second.headers["if-none-match"] == '"v1"'
    assert second.headers["if-modified-since"] == "Wed, 01 Apr 2026 08:00:00 GMT"
    assert result.status == "not_modified"
    assert not TriggerEvent.objects.exists()
    feed.refresh_from_db()
    assert feed.last_status == "not_modified"


def test_the_first_request_is_unconditional(personas, vendor, feed_server: FeedServer):
    feed = make_feed(personas.org, feed_server.serve("/rss", body=GOOD_RSS, etag='"v1"'), vendor=vendor)

    feeds.fetch_feed(feed)

    assert "if-none-match" not in feed_server.requests_to("/rss")[0].headers


def test_entries_older_than_a_month_before_the_feed_was_added_are_ignored(
    personas, vendor, feed_server: FeedServer
):
    body = rss(
        item("Copilot 1.0 notice", guid="old", days_ago=45),
        item("Copilot 3.0 notice", guid="recent", days_ago=20),
    )
    feed = make_feed(personas.org, feed_server.serve("/rss", body=body), vendor=vendor)

    assert feeds.fetch_feed(feed).created == 1
    assert [e.title for e in events_of(feed)] == ["Copilot 3.0 notice"]


def test_only_the_first_entries_are_looked_at(personas, vendor, feed_server: FeedServer, monkeypatch):
    monkeypatch.setattr(feeds, "MAX_ENTRIES", 2)
    body = rss(*(item(f"Copilot note {n}", guid=f"n{n}") for n in range(5)))
    feed = make_feed(personas.org, feed_server.serve("/rss", body=body), vendor=vendor)

    result = feeds.fetch_feed(feed)

    assert (result.entries, result.created) == (2, 2)


def test_a_redirect_is_followed_and_checked(personas, vendor, feed_server: FeedServer):
    feed_server.serve("/rss", body=GOOD_RSS)
    url = feed_server.serve("/old", status=301, body=b"", headers={"Location": "/rss"})
    feed = make_feed(personas.org, url, vendor=vendor)

    assert feeds.fetch_feed(feed).created == 2


def test_an_unusable_link_is_not_kept_as_evidence(personas, vendor, feed_server: FeedServer):
    body = rss(item("Copilot note", guid="js", link="javascript:alert(1)"))
    feed = make_feed(personas.org, feed_server.serve("/rss", body=body), vendor=vendor)

    feeds.fetch_feed(feed)

    assert events_of(feed)[0].evidence_url == ""


# Bad feeds ----------------------------------------------------------------------------------------------


def _assert_error(feed: FeedSource, result: feeds.FetchResult, words: str) -> None:
    assert result.status == "error"
    assert words in result.error
    feed.refresh_from_db()
    assert feed.last_status == "error"
    assert words in feed.last_error
    assert feed.etag == ""
    assert not TriggerEvent.objects.exists()


def test_malformed_xml_is_an_error(personas, vendor, feed_server: FeedServer):
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Broken</channel>'
    feed = make_feed(personas.org, feed_server.serve("/rss", body=body, etag='"x"'), vendor=vendor)

    _assert_error(feed, feeds.fetch_feed(feed), "malformed")


def test_an_html_page_is_not_a_feed(personas, vendor, feed_server: FeedServer):
    body = b"<!doctype html><html><head><title>Copilot</title></head><body><p>Copilot</p></body></html>"
    url = feed_server.serve("/page", body=body, content_type="text/html; charset=utf-8")
    feed = make_feed(personas.org, url, vendor=vendor)

    _assert_error(feed, feeds.fetch_feed(feed), "not lead to an RSS or Atom feed")


def test_a_body_naming_a_file_is_not_read_as_that_file(personas, vendor, feed_server: FeedServer, tmp_path):
    # feedparser opens a string that names a file: the watcher gives it a stream, never a name.
    local = tmp_path / "local.xml"
    local.write_bytes(GOOD_RSS)
    feed = make_feed(personas.org, feed_server.serve("/rss", body=str(local).encode()), vendor=vendor)

    _assert_error(feed, feeds.fetch_feed(feed), "not lead to an RSS or Atom feed")


def test_a_huge_feed_is_refused_and_the_download_stops_early(
    personas, vendor, feed_server: FeedServer, monkeypatch
):
    monkeypatch.setattr(feeds, "MAX_BYTES", 64 * 1024)
    piece = b"<!-- " + b"x" * (64 * 1024 - 9) + b" -->"
    total = 64 * 1024 * 1600  # 100 MiB, far more than the socket buffers hold

    def chunks() -> Any:
        yield b'<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title>'
        for _n in range(1600):
            yield piece

    feed = make_feed(personas.org, feed_server.serve("/huge", chunks=chunks), vendor=vendor)

    result = feeds.fetch_feed(feed)

    _assert_error(feed, result, "larger than 64 kB")
    assert feed_server.finished.wait(5)
    assert feed_server.bytes_sent["/huge"] < total // 4


def test_a_slow_server_is_given_up_quickly(personas, vendor, feed_server: FeedServer, monkeypatch):
    monkeypatch.setattr(feeds, "TIMEOUT", 0.1)
    feed = make_feed(personas.org, feed_server.serve("/slow", body=GOOD_RSS, delay=0.6), vendor=vendor)
    start = time.monotonic()

    result = feeds.fetch_feed(feed)

    assert time.monotonic() - start < 0.5
    _assert_error(feed, result, "did not answer in time")


def test_a_server_error_is_recorded(personas, vendor, feed_server: FeedServer):
    feed = make_feed(personas.org, feed_server.serve("/rss", body=b"oops", status=500), vendor=vendor)

    _assert_error(feed, feeds.fetch_feed(feed), "HTTP status 500")


def test_a_private_address_is_refused_unless_allowed(personas, vendor, feed_server: FeedServer, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    feed = make_feed(personas.org, feed_server.serve("/rss", body=GOOD_RSS), vendor=vendor)

    _assert_error(feed, feeds.fetch_feed(feed), "private or local network")
    assert feed_server.requests == []


def test_a_name_that_turns_private_after_the_check_is_refused(
    personas, vendor, feed_server: FeedServer, settings, monkeypatch
):
    # DNS rebinding: the name resolves to a public address for the check, then to the local server.
    settings.OUTBOUND_ALLOW_PRIVATE = False
    answers = iter(["93.184.215.14"])

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        address = next(answers, "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    url = feed_server.serve("/rss", body=GOOD_RSS).replace("127.0.0.1", "feeds.acme.example")
    feed = make_feed(personas.org, url, vendor=vendor)

    _assert_error(feed, feeds.fetch_feed(feed), "private or local network")
    assert feed_server.requests == []


def test_a_redirect_to_a_private_address_is_refused(personas, vendor, feed_server: FeedServer, monkeypatch):
    # The first address passes (as a public one would); the one it redirects to is checked again.
    checked: list[str] = []
    real_check = feeds.outbound.check_url

    def check(url: str, **kwargs: Any) -> str:
        checked.append(url)
        if len(checked) > 1:
            raise feeds.outbound.OutboundError("The address points to a private or local network.")
        return real_check(url, **kwargs)

    monkeypatch.setattr(feeds.outbound, "check_url", check)
    feed_server.serve("/rss", body=GOOD_RSS)
    feed = make_feed(
        personas.org, feed_server.serve("/old", status=302, headers={"Location": "/rss"}), vendor=vendor
    )

    _assert_error(feed, feeds.fetch_feed(feed), "private or local network")
    assert [r.path for r in feed_server.requests] == ["/old"]


def test_an_entry_that_cannot_become_an_event_is_an_error_and_keeps_no_validator(
    personas, feed_server: FeedServer
):
    # A vendor kind of feed without a vendor (the form refuses it; here the row was changed by hand).
    feed = make_feed(personas.org, feed_server.serve("/rss", body=GOOD_RSS, etag='"v1"'))

    _assert_error(feed, feeds.fetch_feed(feed), "could not be recorded")


# The claim and the job ----------------------------------------------------------------------------------


def test_of_two_claims_at_once_only_one_wins(personas):
    feed = make_feed(personas.org, "https://acme.example/rss")
    now = timezone.now()

    first = feeds.claim(feed.pk, now, tasks_feeds.FETCH_INTERVAL)
    second = feeds.claim(feed.pk, now, tasks_feeds.FETCH_INTERVAL)

    assert (first, second) == (True, False)
    feed.refresh_from_db()
    assert feed.next_fetch_at == now + tasks_feeds.FETCH_INTERVAL
    assert feeds.claim(feed.pk, now + tasks_feeds.FETCH_INTERVAL, tasks_feeds.FETCH_INTERVAL)


def test_an_inactive_feed_is_never_claimed(personas):
    feed = make_feed(personas.org, "https://acme.example/rss", active=False)

    assert not feeds.claim(feed.pk, timezone.now(), tasks_feeds.FETCH_INTERVAL)


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_the_same_feed_at_once_one_wins():
    feed = make_feed(None, "https://acme.example/rss", kind="authority_warning")
    now = timezone.now()
    start = threading.Barrier(2)
    results: list[bool] = []
    errors: list[BaseException] = []

    def claim() -> None:
        try:
            start.wait()
            if connection.vendor == "sqlite":
                with connection.execute_wrapper(_wait_if_locked):
                    results.append(feeds.claim(feed.pk, now, tasks_feeds.FETCH_INTERVAL))
            else:
                results.append(feeds.claim(feed.pk, now, tasks_feeds.FETCH_INTERVAL))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == [False, True]


def test_the_job_fetches_each_due_active_feed_once(personas, vendor, feed_server: FeedServer):
    url = feed_server.serve("/rss", body=GOOD_RSS)
    due = make_feed(personas.org, url, vendor=vendor)
    also_due = make_feed(
        personas.other_org, url, vendor=vendor, next_fetch_at=timezone.now() - dt.timedelta(minutes=1)
    )
    make_feed(personas.org, url, vendor=vendor, active=False)
    make_feed(personas.org, url, vendor=vendor, next_fetch_at=timezone.now() + dt.timedelta(minutes=30))

    assert tasks_feeds.watch() == 2
    assert tasks_feeds.watch() == 0  # claimed for the next interval

    assert len(feed_server.requests_to("/rss")) == 2
    assert TriggerEvent.objects.filter(feed_id=due.pk).count() == 2
    assert TriggerEvent.objects.filter(feed_id=also_due.pk, organisation=personas.other_org).count() == 2


def test_a_fetched_feed_is_due_again_at_the_next_hourly_run(personas, vendor, feed_server: FeedServer):
    make_feed(personas.org, feed_server.serve("/rss", body=GOOD_RSS), vendor=vendor)
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        assert tasks_feeds.watch() == 1
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        assert tasks_feeds.watch() == 0
    # The next run of the hourly job may start a little earlier in the hour than this one did.
    with time_machine.travel(start + dt.timedelta(minutes=59), tick=False):
        assert tasks_feeds.watch() == 1


def test_a_failing_feed_does_not_stop_the_job(personas, vendor, feed_server: FeedServer, monkeypatch):
    broken = make_feed(personas.org, feed_server.serve("/rss", body=GOOD_RSS), vendor=vendor, title="A")
    make_feed(personas.org, feed_server.serve("/rss", body=GOOD_RSS), vendor=vendor, title="B")
    real_fetch = feeds.fetch_feed

    def fetch(feed: FeedSource, **kwargs: Any) -> feeds.FetchResult:
        if feed.pk == broken.pk:
            raise RuntimeError("bug")
        return real_fetch(feed, **kwargs)

    monkeypatch.setattr(feeds, "fetch_feed", fetch)

    assert tasks_feeds.watch() == 1
    broken.refresh_from_db()
    assert broken.last_status == "error"
    assert "server's log" in broken.last_error


def test_the_job_is_registered_with_the_scheduler():
    job = scheduling.JOBS[tasks_feeds.JOB]

    assert job.name == "reviews.feeds"
    assert job.task is tasks_feeds.watch_feeds
    assert job.every == dt.timedelta(hours=1)
    assert job.every > tasks_feeds.FETCH_INTERVAL


def test_the_scheduled_task_runs_in_the_worker(personas, vendor, feed_server: FeedServer, run_workers_inline):
    feed = make_feed(personas.org, feed_server.serve("/rss", body=GOOD_RSS), vendor=vendor)

    assert scheduling.run_due(jobs={tasks_feeds.JOB: scheduling.JOBS[tasks_feeds.JOB]}) == [tasks_feeds.JOB]
    run_workers_inline()

    assert TriggerEvent.objects.filter(feed_id=feed.pk, status=EventStatus.PENDING).count() == 2


# From a feed entry to a review meeting ------------------------------------------------------------------


def test_a_confirmed_feed_event_schedules_the_review_meetings(
    personas, vendor, vendor_tools, feed_server: FeedServer
):
    make_clause(personas.org)
    make_clause(personas.other_org)
    body = rss(item("Copilot: new instructions for use", guid="c1", link="https://acme.example/c1"))
    feed = make_feed(None, feed_server.serve("/rss", body=body), vendor=vendor)
    feeds.fetch_feed(feed)
    (event,) = events_of(feed)
    assert not ReviewMeeting.objects.exists()  # pending: nothing before the confirmation

    services_events.confirm_event(event, personas.delegate)
    fanout.fan_out_event(event.pk)

    meetings = ReviewMeeting.objects.filter(event=event)
    assert {m.organisation_id for m in meetings} == {personas.org.pk, personas.other_org.pk}
