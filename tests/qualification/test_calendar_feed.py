"""Private iCalendar feeds: created with a token shown once (only its hash stored), parsed by a real
iCalendar parser, revocable, closed when the person loses access, and limited to one organisation."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from revoyure.organisations.models import Membership
from revoyure.qualification import calendar_feed
from revoyure.qualification.models import CalendarFeed, Obligation
from tests.conftest import Personas
from tests.factories import make_tool


@pytest.fixture
def tool(tool: Any) -> Any:
    Obligation.objects.all().delete()  # each test sets the obligations it looks at
    return tool


def obligation(org: Any, tool: Any, rule_id: str, **values: Any) -> Obligation:
    defaults = {
        "family": "labour_code",
        "state": "applies",
        "status": "to_do",
        "responsible": "employer",
        "due_on": dt.date(2027, 4, 15),
        "evaluated_at": timezone.now(),
    }
    row, _created = Obligation.objects.update_or_create(
        organisation=org, tool=tool, rule_id=rule_id, defaults={**defaults, **values}
    )
    return row


def feeds_url(org: str = "acme") -> str:
    return f"/o/{org}/obligations/feeds/"


def create(client: Client, org: str = "acme") -> str:
    """Create a feed through the page; returns the feed's path, read from the page (shown once)."""
    response = client.post(feeds_url(org), {"action": "create"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    match = re.search(r'value="https?://[^/"]+(/calendar/[^"]+\.ics)"', response.content.decode())
    assert match, "the new feed address is shown"
    return match.group(1)


def events(response: Any) -> dict[str, Any]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_feed_lists_the_dated_obligations_to_do(personas: Personas, tool: Any) -> None:
    due = obligation(personas.org, tool, "CT-4", due_on=dt.date(2027, 4, 15))
    upcoming = obligation(personas.org, tool, "AIA-08", state="upcoming", due_on=dt.date(2027, 12, 2))
    org_level = obligation(personas.org, None, "CT-1", due_on=dt.date(2027, 5, 1))
    obligation(personas.org, tool, "R-DONE", status="done")
    obligation(personas.org, tool, "R-NA", status="not_applicable")
    obligation(personas.org, tool, "R-LAPSED", state="lapsed")
    obligation(personas.org, tool, "R-CLARIFY", state="to_clarify")
    obligation(personas.org, tool, "R-UNDATED", due_on=None)

    path = create(personas.client("staff_rep"))
    found = events(Client().get(path))  # no session: the token is the credential

    assert set(found) == {f"obligation-{o.pk}@revoyure" for o in (due, upcoming, org_level)}
    event = found[f"obligation-{due.pk}@revoyure"]
    assert event.decoded("DTSTART") == dt.date(2027, 4, 15)
    assert event.decoded("DTEND") == dt.date(2027, 4, 16)
    assert "DTSTAMP" in event
    summary = str(event["SUMMARY"])
    assert summary.startswith("[CT-4] Planning assistant — ")
    description = str(event["DESCRIPTION"])
    assert "R2312-5" in description  # the article
    assert "CSE" in description  # the obligation's text
    assert f"/o/{personas.org.slug}/" in description and str(event["URL"]).startswith("http")
    assert str(found[f"obligation-{org_level.pk}@revoyure"]["SUMMARY"]).startswith("[CT-1] Acme — ")
    # Stable identifiers: a second fetch describes the same events.
    assert set(events(Client().get(path))) == set(found)


def test_token_is_shown_once_and_stored_only_as_its_hash(personas: Personas) -> None:
    client = personas.client("delegate")
    path = create(client)
    raw = path.removeprefix("/calendar/").removesuffix(".ics")
    feed = CalendarFeed.objects.get()
    assert feed.token_hash == calendar_feed.hash_token(raw) and feed.token_hash != raw
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM qualification_calendarfeed")
        assert raw not in repr(cursor.fetchall())
    page = client.get(feeds_url())
    assert page.status_code == 200 and raw not in page.content.decode()
    assert feed.user == personas.delegate and feed.organisation == personas.org


def test_revoked_feed_is_404(personas: Personas, tool: Any) -> None:
    obligation(personas.org, tool, "CT-4")
    client = personas.client("delegate")
    path = create(client)
    feed = CalendarFeed.objects.get()
    revoke = f"/o/acme/obligations/feeds/{feed.pk}/revoke/"
    assert client.get(revoke).status_code == 200  # the confirmation page
    assert client.post(revoke).status_code == 400  # no confirm=yes: nothing revoked
    assert len(events(Client().get(path))) == 1
    response = client.post(revoke, {"confirm": "yes"})
    assert response.status_code == 302
    assert CalendarFeed.objects.get().revoked_at is not None
    assert Client().get(path).status_code == 404


def test_feed_closes_when_the_person_loses_access(personas: Personas) -> None:
    path = create(personas.client("manager"))
    assert Client().get(path).status_code == 200
    # Still a member, but only as an employee, who may not see the obligations.
    Membership.objects.filter(user=personas.manager, organisation=personas.org).update(role="employee")
    assert Client().get(path).status_code == 404
    Membership.objects.filter(user=personas.manager, organisation=personas.org).delete()
    assert Client().get(path).status_code == 404


def test_feed_of_a_deactivated_account_is_404(personas: Personas) -> None:
    path = create(personas.client("auditor"))
    personas.auditor.is_active = False
    personas.auditor.save()
    assert Client().get(path).status_code == 404


def test_each_feed_shows_its_own_organisation_only(personas: Personas, tool: Any) -> None:
    mine = obligation(personas.org, tool, "CT-4")
    other_tool = make_tool(personas.other_org, personas.outsider, name="Other tool")
    theirs = obligation(personas.other_org, other_tool, "CT-4")
    acme = events(Client().get(create(personas.client("delegate"))))
    other = events(Client().get(create(personas.client("outsider"), "other")))
    assert set(acme) == {f"obligation-{mine.pk}@revoyure"}
    assert set(other) == {f"obligation-{theirs.pk}@revoyure"}
    # Someone else's feed cannot be revoked, nor its organisation's page reached.
    theirs_feed = CalendarFeed.objects.get(user=personas.outsider)
    assert (
        personas.client("delegate")
        .post(f"/o/other/obligations/feeds/{theirs_feed.pk}/revoke/", {"confirm": "yes"})
        .status_code
        == 404
    )
    assert (
        personas.client("delegate")
        .post(f"/o/acme/obligations/feeds/{theirs_feed.pk}/revoke/", {"confirm": "yes"})
        .status_code
        == 404
    )
    assert CalendarFeed.objects.filter(revoked_at__isnull=False).count() == 0


@pytest.mark.parametrize("token", ["not-a-real-token", "rvc_unknown", "rvc_" + "x" * 300, "%00", "rvc_ü"])
def test_unknown_token_is_404_without_login_redirect(db: Any, token: str) -> None:
    response = Client().get(f"/calendar/{token}.ics")
    assert response.status_code == 404


def test_feed_refuses_writes(personas: Personas) -> None:
    path = create(personas.client("delegate"))
    assert Client().post(path).status_code == 405
    assert Client().head(path).status_code == 200


def test_feeds_page_access(personas: Personas) -> None:
    assert personas.client("employee").get(feeds_url()).status_code == 403
    assert personas.client("outsider").get(feeds_url()).status_code == 404
    response = Client().get(feeds_url())
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert personas.client("committee").get(feeds_url()).status_code == 200


def test_feeds_page_refuses_other_submissions(personas: Personas) -> None:
    client = personas.client("delegate")
    assert client.post(feeds_url(), {"action": "drop"}).status_code == 400
    assert client.post(feeds_url(), {}).status_code == 400
    assert CalendarFeed.objects.count() == 0


def test_feed_limit(personas: Personas) -> None:
    client = personas.client("delegate")
    for _ in range(calendar_feed.MAX_FEEDS_PER_PERSON):
        calendar_feed.create_feed(personas.org, personas.delegate)
    assert client.post(feeds_url(), {"action": "create"}).status_code == 400
    assert CalendarFeed.objects.count() == calendar_feed.MAX_FEEDS_PER_PERSON


def test_query_counts(personas: Personas, tool: Any, django_assert_max_num_queries: Any) -> None:
    client = personas.client("delegate")
    for i in range(5):
        calendar_feed.create_feed(personas.org, personas.delegate)
        obligation(personas.org, make_tool(personas.org, personas.delegate, name=f"T{i}"), "CT-4")
    path = create(client)
    with django_assert_max_num_queries(12):
        assert client.get(feeds_url()).status_code == 200
    with django_assert_max_num_queries(4):
        assert len(events(Client().get(path))) == 5
