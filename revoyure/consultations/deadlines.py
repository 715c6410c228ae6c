"""The deadline of each staff body's opinion (legal-rules CT-4: R2312-5, R2312-6; L2312-16).

Pure functions over plain values, so that every case is tested without a database.

- The period runs from the day the body has the information (R2312-5).
- CSE (central or establishment): 1 month; 2 months with an appointed expert; 3 months when one or more
  expertises intervene in a consultation held both at the central CSE and at one or more establishment
  CSEs, or when there are several expertises (R2312-6).
- An establishment CSE gives its opinion at the latest 7 days before the central CSE's deadline (R2312-6).
- A period set by an agreement (L2312-16) replaces these; it cannot be under 15 days (R2312-5).
- Public-service bodies (CST, CSA, F3SCT, FS) and the CSSCT have no statutory period in our rules: a
  deadline exists only when an agreement or the rules of procedure set one, and without a deadline no
  opinion is ever deemed negative.
- A body that is only informed (CT-3 al. 1 and 2) gives no opinion, so it has no deadline.

A period in months ends on the same day number of the later month, or on that month's last day when it
has no such day (31 January + 1 month = 28 or 29 February).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

MIN_AGREED_DAYS = 15  # R2312-5: « ne peut être inférieur à quinze jours »
MAX_AGREED_DAYS = 366
ESTABLISHMENT_MARGIN = dt.timedelta(days=7)

CSE = "cse"
CENTRAL_CSE = "cse_central"
ESTABLISHMENT_CSE = "cse_establishment"
STATUTORY_KINDS = frozenset({CSE, CENTRAL_CSE, ESTABLISHMENT_CSE})


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus `months` months, clamped to the end of the target month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def agreed_period_error(days: int | None) -> str | None:
    """Why an agreed period is not acceptable, or None."""
    if days is None:
        return None
    if days < MIN_AGREED_DAYS:
        return _(
            "A period set by an agreement cannot be shorter than %(min)d days (R2312-5); %(days)d days "
            "were given."
        ) % {"min": MIN_AGREED_DAYS, "days": days}
    if days > MAX_AGREED_DAYS:
        return _("The period set by the agreement is too long (at most %(max)d days).") % {
            "max": MAX_AGREED_DAYS
        }
    return None


@dataclass(frozen=True)
class BodyFacts:
    kind: str
    informed_on: dt.date | None
    has_expert: bool = False
    consulted: bool = True  # False for "information only"


@dataclass(frozen=True)
class Deadline:
    date: dt.date | None
    basis: str


def statutory_months(bodies: Sequence[BodyFacts]) -> int:
    """1, 2 or 3 months for the CSE bodies of one consultation (R2312-6)."""
    cse = [b for b in bodies if b.kind in STATUTORY_KINDS and b.consulted]
    experts = sum(1 for b in cse if b.has_expert)
    kinds = {b.kind for b in cse}
    both_levels = CENTRAL_CSE in kinds and ESTABLISHMENT_CSE in kinds
    if experts and (both_levels or experts > 1):
        return 3
    if experts:
        return 2
    return 1


def _months_basis(months: int) -> str:
    if months == 3:
        return _(
            "3 months from the information: expertises at central and establishment level or several expertises (R2312-6)"
        )
    if months == 2:
        return _("2 months from the information: an expert was appointed (R2312-6)")
    return _("1 month from the information (R2312-5, R2312-6)")


def compute(
    bodies: Sequence[BodyFacts], *, agreed_period_days: int | None = None, agreement: str = ""
) -> list[Deadline]:
    """The deadline of each body of one consultation, in the same order."""
    months = statutory_months(bodies)
    own: list[Deadline] = []
    for body in bodies:
        own.append(_own_deadline(body, months, agreed_period_days, agreement))
    # R2312-6: each establishment CSE's opinion is due 7 days before the central CSE's deadline.
    central = [
        d.date
        for b, d in zip(bodies, own, strict=True)
        if b.kind == CENTRAL_CSE and b.consulted and d.date is not None
    ]
    if not central:
        return own
    central_deadline = min(central)
    result = []
    for body, deadline in zip(bodies, own, strict=True):
        if body.kind == ESTABLISHMENT_CSE and body.consulted and body.informed_on is not None:
            result.append(
                Deadline(
                    central_deadline - ESTABLISHMENT_MARGIN,
                    _("7 days before the central CSE's deadline of %(date)s (R2312-6)")
                    % {"date": central_deadline.isoformat()},
                )
            )
        else:
            result.append(deadline)
    return result


def _own_deadline(body: BodyFacts, months: int, agreed: int | None, agreement: str) -> Deadline:
    if not body.consulted:
        return Deadline(None, _("Information only: no opinion is due"))
    if agreed is not None:
        if body.informed_on is None:
            return Deadline(None, _("The period starts when the information is given (R2312-5)"))
        basis = _("%(days)d days set by the agreement “%(agreement)s” (L2312-16)") % {
            "days": agreed,
            "agreement": agreement or _("agreement"),
        }
        return Deadline(body.informed_on + dt.timedelta(days=agreed), basis)
    if body.kind not in STATUTORY_KINDS:
        return Deadline(
            None,
            _(
                "No statutory period for this body: a deadline exists only if an agreement or the rules of "
                "procedure set one, and no opinion is deemed negative without it"
            ),
        )
    if body.informed_on is None:
        return Deadline(None, _("The period starts when the information is given (R2312-5)"))
    return Deadline(add_months(body.informed_on, months), _months_basis(months))
