"""The organisation's obligations: the dashboard (overdue, due within 30 and 90 days, the rest) and the
month calendar."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from revoyure.core.permissions import Perm
from revoyure.organisations.views import org_context
from revoyure.organisations.views_helpers import BadPage, bad_query, paginate, require_methods
from revoyure.qualification import display, services
from revoyure.qualification.forms import DashboardFilterForm, parse_month
from revoyure.qualification.models import Obligation, ObligationState, ObligationStatus

PER_PAGE = 50
OVERDUE, WITHIN_30, WITHIN_90, REST = 0, 1, 2, 3
BUCKETS = {
    OVERDUE: gettext_lazy("Overdue"),
    WITHIN_30: gettext_lazy("Due within 30 days"),
    WITHIN_90: gettext_lazy("Due within 90 days"),
    REST: gettext_lazy("Other obligations"),
}
# What the list reads: the obligation and its tool's name, nothing of the long texts of the record.
COLUMNS = (
    "id",
    "rule_id",
    "family",
    "state",
    "status",
    "responsible",
    "due_on",
    "because",
    "missing",
    "tool_id",
    "tool__name",
)


def _bucket(today: dt.date) -> Case:
    # Only what is still to do has a deadline to watch; done or not applicable goes with the rest.
    to_do = Q(status=ObligationStatus.TO_DO, state__in=[ObligationState.APPLIES, ObligationState.UPCOMING])
    return Case(
        When(to_do & Q(state=ObligationState.APPLIES, due_on__lt=today), then=Value(OVERDUE)),
        When(to_do & Q(due_on__gte=today, due_on__lte=today + dt.timedelta(days=30)), then=Value(WITHIN_30)),
        When(
            to_do & Q(due_on__gt=today + dt.timedelta(days=30), due_on__lte=today + dt.timedelta(days=90)),
            then=Value(WITHIN_90),
        ),
        default=Value(REST),
        output_field=IntegerField(),
    )


def _filtered(organisation: Any, filters: dict[str, Any]) -> QuerySet[Obligation]:
    qs = Obligation.objects.filter(organisation=organisation).exclude(state=ObligationState.LAPSED)
    for name in ("state", "status", "family", "responsible"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    if filters.get("tool"):
        qs = qs.filter(tool__name__icontains=filters["tool"])
    return qs


def _page_number(value: Any) -> int:
    if value in (None, ""):
        return 1
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadPage(_("The page number must be a whole number.")) from None
    if number < 1:
        raise BadPage(_("The page number must be 1 or more."))
    return number


@login_required
@require_methods("GET")
def dashboard(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_OBLIGATIONS)
    form = DashboardFilterForm(request.GET)
    context: dict[str, Any] = {"access": access, "form": form, "buckets": BUCKETS}
    if not form.is_valid():
        return render(request, "qualification/dashboard.html", context, status=400)
    today = services.today()
    qs = _filtered(access.organisation, form.cleaned_data).annotate(bucket=_bucket(today))
    counts = qs.aggregate(
        total=Count("id"),
        **{f"b{key}": Count("id", filter=Q(bucket=key)) for key in BUCKETS},
    )
    rows = (
        qs.select_related("tool").only(*COLUMNS).order_by("bucket", "due_on", "tool__name", "rule_id", "id")
    )
    try:
        page = paginate(rows, _page_number(request.GET.get("page")), PER_PAGE)
    except BadPage as exc:
        return bad_query(request, str(exc))
    rules = display.rules_by_id()
    items = [(o.bucket, display.obligation_view(o, rules, today)) for o in page.object_list]
    sections = []
    for key, label in BUCKETS.items():
        in_section = [view for bucket, view in items if bucket == key]
        if in_section:
            sections.append({"key": key, "label": label, "items": in_section, "count": counts[f"b{key}"]})
    context.update(
        {
            "page": page,
            "sections": sections,
            "total": counts["total"],
            "counts": [(label, counts[f"b{key}"]) for key, label in BUCKETS.items()],
            "filtered": any(
                form.cleaned_data.get(n) for n in ("state", "status", "family", "responsible", "tool")
            ),
            "today": today,
        }
    )
    return render(request, "qualification/dashboard.html", context)


@login_required
@require_methods("GET")
def month_calendar(request: HttpRequest, org: str) -> HttpResponse:
    access = org_context(request, org, Perm.VIEW_OBLIGATIONS)
    today = services.today()
    try:
        first = parse_month(request.GET.get("month"), today)
    except ValueError:
        return bad_query(request, _("The month must be written YYYY-MM, for example 2027-12."))
    last_day = calendar.monthrange(first.year, first.month)[1]
    last = first.replace(day=last_day)
    by_day: dict[dt.date, list[Obligation]] = {}
    obligations = (
        Obligation.objects.filter(organisation=access.organisation, due_on__gte=first, due_on__lte=last)
        .exclude(state=ObligationState.LAPSED)
        .select_related("tool")
        .only("id", "rule_id", "state", "status", "due_on", "tool_id", "tool__name")
        .order_by("due_on", "rule_id", "id")
    )
    for o in obligations:
        by_day.setdefault(o.due_on, []).append(o)  # type: ignore[arg-type]
    weeks = [
        [
            {
                "day": day,
                "in_month": day.month == first.month,
                "items": by_day.get(day, []),
                "today": day == today,
            }
            for day in week
        ]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    ]
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = last + dt.timedelta(days=1)
    context = {
        "access": access,
        "weeks": weeks,
        "weekdays": [WEEKDAYS[i] for i in range(7)],
        "month_name": f"{MONTHS[first.month]} {first.year}",
        "previous": previous.strftime("%Y-%m"),
        "previous_name": f"{MONTHS[previous.month]} {previous.year}",
        "next": following.strftime("%Y-%m"),
        "next_name": f"{MONTHS[following.month]} {following.year}",
        "count": sum(len(v) for v in by_day.values()),
        "today": today,
        "today_text": formats.date_format(today, "DATE_FORMAT"),
    }
    return render(request, "qualification/calendar.html", context)
