"""The review meeting's title, agenda and time slot.

The roadmap fixes the agenda: « Le rendez-vous de dialogue de confiance a pour objet alors : d'informer les
participants de la teneur de l'événement déclenchant le rendez-vous ; d'évaluer les impacts de cet
événement sur l'outil utilisé ; d'examiner les mesures à prendre ; de caler le suivi de la mise en place de
ces mesures. » Texts are written in the installation's language (settings.LANGUAGE_CODE): they are stored
and mailed to people whose language is not known when thousands of meetings are scheduled at once."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

MEETING_HOUR = 10
MEETING_DURATION = dt.timedelta(hours=2)


def agenda_points() -> list[str]:
    return [
        _("Inform the participants of the triggering event"),
        _("Assess its impact on the tool in use"),
        _("Examine the measures to take"),
        _("Set the follow-up of those measures"),
    ]


def event_agenda(event_title: str, event_summary: str = "") -> str:
    with translation.override(settings.LANGUAGE_CODE):
        points = agenda_points()
        first = f"{points[0]} : {event_title}" if event_title else points[0]
        if event_summary:
            first = f"{first}\n   {event_summary}"
        lines = [first, *points[1:]]
        return "\n".join(f"{n}. {text}" for n, text in enumerate(lines, start=1))


def periodic_agenda() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        points = agenda_points()
        lines = [_("Review of the tools in the clause's scope since the last meeting"), *points[1:]]
        return "\n".join(f"{n}. {text}" for n, text in enumerate(lines, start=1))


def event_title(event_title: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return (_("Review meeting: %(event)s") % {"event": event_title})[:300]


def periodic_title(clause_title: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return (_("Periodic review meeting: %(clause)s") % {"clause": clause_title})[:300]


def meeting_slot(start: dt.date, notice_days: int) -> tuple[dt.datetime, dt.datetime]:
    """The meeting's proposed time: the last working day within the clause's period (« within the
    clause's notice period »), at 10:00 local time; the organisers may move it (an update is sent)."""
    day = start + dt.timedelta(days=max(notice_days, 1))
    while day.weekday() >= 5 and day > start + dt.timedelta(days=1):  # Saturday, Sunday: the Friday before
        day -= dt.timedelta(days=1)
    while day.weekday() >= 5:  # a period of one or two days ending on a weekend: the Monday after
        day += dt.timedelta(days=1)
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(MEETING_HOUR)))
    return starts, starts + MEETING_DURATION
