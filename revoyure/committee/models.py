"""The AI committee and the AI delegate (roadmap measure 6; issue 5 §1–2; PRODUCT.md §2.4).

The roadmap proposes « un comité et un délégué à l'IA », the delegate being, « à l'instar du data protection
officer (DPO) », the interface between vendors and users; the committee gathers « représentants de la
direction (responsabilité légale) ; juristes ; représentants du personnel ; autres personnalités qualifiées
(chercheurs, associations d'usagers...) », meets at least once a year on the register, organises training
(AI Act art. 4) and instructs staff reports (revoyure.reports)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from revoyure.organisations.models import Organisation
from revoyure.registry.models import Tool, Vendor


class Committee(models.Model):
    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="ai_committee")
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("AI delegate"),
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deputy delegate"),
    )
    # « via une adresse mail générique »: where employees write to report abnormal uses.
    reporting_email = models.EmailField(_("generic reporting address"), blank=True)
    # Reports through a public link, without an account (issue 5 §3), if the organisation enables it.
    public_reporting_enabled = models.BooleanField(_("reports through a public link"), default=False)
    public_reporting_token = models.CharField(max_length=64, blank=True, db_index=True)
    strategy = models.TextField(_("strategy for AI systems"), blank=True)
    annual_meeting_month = models.PositiveSmallIntegerField(_("month of the annual meeting"), default=3)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("AI committee")
        verbose_name_plural = _("AI committees")

    def __str__(self) -> str:
        return str(self.organisation)


class Quality(models.TextChoices):
    MANAGEMENT = "management", _("Management (legal responsibility)")
    LAWYER = "lawyer", _("Lawyer")
    STAFF_REP = "staff_rep", _("Staff representative")
    QUALIFIED = "qualified", _("Qualified person (researcher, user association…)")


class CommitteeMember(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    full_name = models.CharField(_("full name"), max_length=200)
    email = models.EmailField(_("e-mail address"), blank=True)
    quality = models.CharField(_("quality"), max_length=20, choices=Quality.choices)
    affiliation = models.CharField(_("organisation or body"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ("quality", "full_name", "pk")

    def __str__(self) -> str:
        return self.full_name


class MeetingKind(models.TextChoices):
    ANNUAL = "annual", _("Annual meeting")
    EXTRAORDINARY = "extraordinary", _("Extraordinary meeting")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Meeting(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    location = models.CharField(_("place"), max_length=200, blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    minutes = models.TextField(_("minutes"), blank=True)
    # iCalendar identity: the UID stays, the SEQUENCE grows with each update or cancellation sent.
    ical_uid = models.CharField(max_length=120, unique=True)
    ical_sequence = models.PositiveIntegerField(default=0)
    invitations_sent_at = models.DateTimeField(null=True, blank=True)
    # The year an annual meeting covers (unique per committee), so the scheduler creates it once.
    year = models.PositiveSmallIntegerField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("committee meeting")
        verbose_name_plural = _("committee meetings")
        ordering = ("-starts_at", "-pk")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["committee", "year"],
                condition=models.Q(kind="annual"),
                name="one_annual_meeting_per_year",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(CommitteeMember, on_delete=models.CASCADE, related_name="attendance")
    present = models.BooleanField(_("present"), default=False)
    excused = models.BooleanField(_("excused"), default=False)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["meeting", "member"], name="one_attendance_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} / {self.member}"


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("decision"))
    owner = models.CharField(_("owner"), max_length=200, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    tool = models.ForeignKey(Tool, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ("pk",)

    def __str__(self) -> str:
        return self.text[:80]


class NoteKind(models.TextChoices):
    VENDOR = "vendor", _("Vendor information")
    REGULATION = "regulation", _("Regulatory news")


class DelegateNote(models.Model):
    """What the delegate tells the annual meeting: « être informé par le délégué des informations
    fournisseurs et de l'évolution des réglementations nationales et européennes »."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(_("kind"), max_length=20, choices=NoteKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.URLField(_("link"), blank=True)
    noted_on = models.DateField(_("date"))
    vendor = models.ForeignKey(Vendor, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    tool = models.ForeignKey(Tool, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delegate's note")
        verbose_name_plural = _("delegate's notes")
        ordering = ("-noted_on", "-pk")

    def __str__(self) -> str:
        return self.title


class Communication(models.Model):
    """« Cette réunion fait l'objet d'une communication partagée avec l'ensemble des collaborateurs. »"""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="communications")
    meeting = models.ForeignKey(Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published on"), null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("communication to all staff")
        verbose_name_plural = _("communications to all staff")
        ordering = ("-published_at", "-pk")

    def __str__(self) -> str:
        return self.title


# Training and AI literacy (AI Act art. 4) -----------------------------------------------------------


class Training(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="trainings")
    title = models.CharField(_("title"), max_length=200)
    topic = models.TextField(_("what it covered"), blank=True)
    given_on = models.DateField(_("date"))
    duration_hours = models.DecimalField(
        _("duration (hours)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    trainer = models.CharField(_("given by"), max_length=200, blank=True)
    tools = models.ManyToManyField(Tool, blank=True, related_name="trainings", verbose_name=_("tools"))
    # Part of the committee's own training plan (« le comité pourrait notamment avoir pour première mission
    # d'organiser cette montée en compétences collective »).
    plan = models.ForeignKey(
        "TrainingPlan", on_delete=models.SET_NULL, null=True, blank=True, related_name="trainings"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords(m2m_fields=[tools])

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ("-given_on", "-pk")

    def __str__(self) -> str:
        return self.title


class Trainee(models.Model):
    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="trainees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="trainings"
    )
    full_name = models.CharField(_("full name"), max_length=200)
    department = models.CharField(_("department or service"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("trained person")
        verbose_name_plural = _("trained people")
        ordering = ("full_name", "pk")

    def __str__(self) -> str:
        return self.full_name


class TrainingPlan(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="training_plans")
    title = models.CharField(_("title"), max_length=200)
    objectives = models.TextField(_("objectives"), blank=True)
    planned_by = models.DateField(_("planned by"), null=True, blank=True)
    members = models.ManyToManyField(CommitteeMember, blank=True, related_name="training_plans")

    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        verbose_name = _("training plan")
        verbose_name_plural = _("training plans")
        ordering = ("planned_by", "pk")

    def __str__(self) -> str:
        return self.title
