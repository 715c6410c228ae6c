"""Review clauses, trigger events and review meetings (roadmap measure 8; issue 6; PRODUCT.md §2.5).

The roadmap: « La clause de revoyure permet de formaliser entre les acteurs une série de rendez-vous connus
de tous à l'avance dans leur principe et leur objet et qui se tiendront lorsque les conditions
prédéterminées seront réunies. Cette clause peut être inscrite dans un contrat, dans un accord collectif ou
dans une déclaration du chef d'entreprise ou charte » (the agreement is `organisations.Agreement`).

A `TriggerEvent` (its kinds are data: triggers.yaml) is either one organisation's (entered by hand, through
the API, from the register, a founded report or the organisation's own feeds) or the installation's
(`organisation` empty: entered by the platform administrator or from a global feed), which concerns every
organisation that uses the vendor's product. Once confirmed, `fanout.fan_out_event` matches it against every
active `ReviewClause` concerned and schedules one `ReviewMeeting` per (clause, event); the unique
constraints make that idempotent whatever the number of workers."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from revoyure.organisations.models import Agreement, Organisation, StaffBody
from revoyure.registry.models import Tool, Vendor


class ClauseScope(models.TextChoices):
    ALL = "all", _("All the organisation's tools")
    CATEGORY = "category", _("Tools of some categories")
    TOOLS = "tools", _("Named tools")


class ReviewClause(models.Model):
    """A *clause de revoyure* of an agreement: which tools, which trigger events, how often at least, who
    meets, and within how many days of an event."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="review_clauses")
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="review_clauses")
    title = models.CharField(_("title"), max_length=200)
    scope = models.CharField(_("scope"), max_length=20, choices=ClauseScope.choices, default=ClauseScope.ALL)
    # Values of registry.choices.DomainCategory, when the scope is "category".
    categories = models.JSONField(_("categories"), default=list, blank=True)
    tools = models.ManyToManyField(Tool, blank=True, related_name="review_clauses", verbose_name=_("tools"))
    # Ids of triggers.yaml.
    triggers = models.JSONField(_("trigger events"), default=list, blank=True)
    minimum_frequency_months = models.PositiveSmallIntegerField(
        _("meet at least every (months)"), null=True, blank=True
    )
    notice_days = models.PositiveSmallIntegerField(_("meeting within (days of the event)"), default=15)
    include_committee = models.BooleanField(_("the AI committee takes part"), default=False)
    staff_bodies = models.ManyToManyField(
        StaffBody, blank=True, related_name="review_clauses", verbose_name=_("staff bodies")
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("named participants")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review clause")
        verbose_name_plural = _("review clauses")
        ordering = ("agreement", "title", "pk")
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["organisation", "active"])]

    def __str__(self) -> str:
        return self.title


class EventStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class EventOrigin(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    API = "api", _("API")
    FEED = "feed", _("Feed")
    REGISTER = "register", _("Register")
    REPORT = "report", _("Staff report")


class FeedSource(models.Model):
    """An RSS/Atom feed of a vendor or a regulator, watched by the `reviews.feeds` job. The installation's
    feeds (`organisation` empty) are the platform administrator's; an organisation may add its own."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="review_feeds"
    )
    vendor = models.ForeignKey(
        Vendor, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("vendor")
    )
    # The trigger kind an entry of this feed becomes (triggers.yaml, an external one).
    kind = models.CharField(_("kind of event"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("feed address"), max_length=1000)
    # An entry becomes an event only if its title or summary names one of these products (all if empty).
    product_keywords = models.JSONField(_("products watched"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    # Conditional requests (RFC 9110 §13): what the server last sent.
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_fetched_at = models.DateTimeField(_("last fetched"), null=True, blank=True)
    last_status = models.CharField(_("last result"), max_length=20, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # Claimed by compare-and-set by the fetcher, so two workers never fetch the same feed at once.
    next_fetch_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("watched feed")
        verbose_name_plural = _("watched feeds")
        ordering = ("title", "pk")

    def __str__(self) -> str:
        return self.title


class TriggerEvent(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="trigger_events"
    )
    kind = models.CharField(_("kind of event"), max_length=40)  # an id of triggers.yaml
    origin = models.CharField(_("origin"), max_length=20, choices=EventOrigin.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=EventStatus.choices, default=EventStatus.PENDING
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source (who published it)"), max_length=200, blank=True)
    occurred_on = models.DateField(_("date of the event"))
    vendor = models.ForeignKey(
        Vendor, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("vendor")
    )
    product = models.CharField(_("product concerned"), max_length=200, blank=True)
    # A category of tools (registry.choices.DomainCategory) a regulator's warning is about.
    category = models.CharField(_("category of tools concerned"), max_length=40, blank=True)
    tool = models.ForeignKey(
        Tool, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("tool")
    )
    evidence_url = models.URLField(_("evidence (link)"), max_length=1000, blank=True)
    evidence_file = models.FileField(_("evidence (file)"), upload_to="review-events/%Y/", blank=True)
    # Idempotency: "api:<org>:<client key>", "feed:<feed>:<entry hash>", "report:<id>", "register:<history id>".
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    # A fingerprint of what an API client sent with its key, to tell a retry from a different request.
    request_fingerprint = models.CharField(max_length=64, blank=True)
    feed = models.ForeignKey(FeedSource, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("confirmed or rejected on"), null=True, blank=True)
    decision_note = models.TextField(_("note on the decision"), blank=True)
    # The fan-out: claimed by compare-and-set, done once (fanout.py).
    fan_out_claimed_at = models.DateTimeField(null=True, blank=True)
    fanned_out_at = models.DateTimeField(null=True, blank=True)
    meetings_scheduled = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("trigger event")
        verbose_name_plural = _("trigger events")
        ordering = ("-occurred_on", "-pk")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["organisation", "status", "occurred_on"]),
            models.Index(fields=["status", "fanned_out_at"]),
        ]

    def __str__(self) -> str:
        return self.title


class MeetingReason(models.TextChoices):
    EVENT = "event", _("Trigger event")
    PERIODIC = "periodic", _("Minimum frequency")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class MeetingOutcome(models.TextChoices):
    NO_CHANGE = "no_change", _("No change to the tool's use")
    MEASURES = "measures", _("Measures decided")
    REOPEN_STUDY = "reopen_study", _("The impact study is reopened")
    REOPEN_CONSULTATION = "reopen_consultation", _("The staff bodies are consulted again")


class ReviewMeeting(models.Model):
    """A *rendez-vous de revoyure*, with the roadmap's four-point agenda."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="review_meetings")
    clause = models.ForeignKey(ReviewClause, on_delete=models.CASCADE, related_name="meetings")
    event = models.ForeignKey(
        TriggerEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="meetings"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=MeetingReason.choices)
    # For a minimum-frequency meeting: the date by which the clause requires it (unique per clause).
    period_due_on = models.DateField(_("required by"), null=True, blank=True)
    tools = models.ManyToManyField(Tool, blank=True, related_name="review_meetings", verbose_name=_("tools"))
    title = models.CharField(_("title"), max_length=300)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    location = models.CharField(_("place"), max_length=200, blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    outcome = models.CharField(_("outcome"), max_length=30, choices=MeetingOutcome.choices, blank=True)
    outcome_text = models.TextField(_("outcome: explanation"), blank=True)
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True)
    # iCalendar identity: the UID stays, the SEQUENCE grows with each update or cancellation sent.
    ical_uid = models.CharField(max_length=120, unique=True)
    ical_sequence = models.PositiveIntegerField(default=0)
    invitations_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review meeting")
        verbose_name_plural = _("review meetings")
        ordering = ("-starts_at", "-pk")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["clause", "event"],
                condition=models.Q(event__isnull=False),
                name="one_meeting_per_event",
            ),
            models.UniqueConstraint(
                fields=["clause", "period_due_on"],
                condition=models.Q(reason="periodic"),
                name="one_periodic_meeting_per_due_date",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["organisation", "status", "starts_at"])]

    def __str__(self) -> str:
        return self.title


class ReviewParticipant(models.Model):
    """Who is invited (resolved from the clause when the invitations go out) and whether they came."""

    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="participants")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail address"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    capacity = models.CharField(_("taking part as"), max_length=200, blank=True)
    present = models.BooleanField(_("present"), default=False)
    excused = models.BooleanField(_("excused"), default=False)

    class Meta:
        ordering = ("name", "pk")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["meeting", "email"], condition=~models.Q(email=""), name="one_participant_per_email"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class NoticeKind(models.TextChoices):
    REQUEST = "request", _("Invitation or update")
    CANCEL = "cancel", _("Cancellation")


class MeetingNotice(models.Model):
    """The outbox of invitations: one row per (meeting, kind, iCalendar sequence), queued in the same
    transaction as the meeting and sent by the task worker (claimed by compare-and-set)."""

    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=10, choices=NoticeKind.choices)
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_by = models.CharField(max_length=40, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["meeting", "kind", "sequence"], name="one_notice_per_sequence"),
        ]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["sent_at", "claimed_at"])]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.kind} {self.sequence}"


class MeasureStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Measure(models.Model):
    """A measure decided at a review meeting, followed until done (« caler le suivi de la mise en place de
    ces mesures »)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="review_measures")
    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="measures")
    tool = models.ForeignKey(
        Tool, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("tool")
    )
    text = models.TextField(_("measure"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    owner_name = models.CharField(_("owner (if not a member)"), max_length=200, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=MeasureStatus.choices, default=MeasureStatus.OPEN
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_note = models.TextField(_("how it was done"), blank=True)
    last_reminded_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ("due_on", "pk")
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["organisation", "status", "due_on"])]

    def __str__(self) -> str:
        return self.text[:80]
