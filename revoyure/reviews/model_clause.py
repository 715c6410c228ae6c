"""The model review clause (issue 6 §1: « A model clause (French text) that organisations can adopt and
adapt, generated from their settings »).

The text is data: the template `reviews/model_clause.txt`, in French whatever the reader's language,
because it goes into an agreement written in French. It is filled from the organisation's settings (its
staff bodies, its AI committee, its sector) and, when one is given, from one of its clauses (scope, trigger
events, frequency, notice, participants). Its parts follow the roadmap (measure 8) and the Labour Code:
L. 2222-5-1, the agreement « définit ses conditions de suivi et comporte des clauses de rendez-vous »."""

from __future__ import annotations

import re
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from revoyure.committee.models import Committee
from revoyure.core.pdf import render_pdf
from revoyure.organisations.models import Organisation, StaffBody
from revoyure.registry.choices import DomainCategory
from revoyure.reviews import agenda, triggers
from revoyure.reviews.models import ClauseScope, ReviewClause

LANGUAGE = "fr"
TEXT_TEMPLATE = "reviews/model_clause.txt"
PDF_TEMPLATE = "reviews/model_clause_pdf.html"
# Without a clause to start from: the model's own defaults, for the parties to change.
DEFAULT_NOTICE_DAYS = 15
DEFAULT_FREQUENCY_MONTHS = 12


def _body_name(body: StaffBody) -> str:
    name = str(body)
    return f"{name} ({body.establishment})" if body.establishment else name


def context(organisation: Organisation, clause: ReviewClause | None = None) -> dict[str, Any]:
    """What the model text says, in French. With `clause`, its own choices; else every trigger of the
    roadmap, all tools, the organisation's staff bodies and its AI committee if it has one."""
    with translation.override(LANGUAGE):
        kinds = triggers.load()
        chosen = [kinds[k] for k in (clause.triggers if clause else kinds) if k in kinds]
        external = [kind.labels[LANGUAGE] for kind in chosen if kind.external]
        internal = [kind.labels[LANGUAGE] for kind in chosen if not kind.external]
        if clause is not None:
            scope = clause.scope
            categories = [
                str(DomainCategory(c).label) for c in clause.categories or [] if c in DomainCategory.values
            ]
            tools = (
                [tool.name for tool in clause.tools.order_by("name", "pk")]
                if scope == ClauseScope.TOOLS
                else []
            )
            bodies = [_body_name(body) for body in clause.staff_bodies.order_by("kind", "name", "pk")]
            committee = clause.include_committee
            persons = [person.display_name for person in clause.participants.order_by("full_name", "email")]
            notice_days = clause.notice_days
            frequency = clause.minimum_frequency_months
        else:
            scope, categories, tools = ClauseScope.ALL, [], []
            bodies = [
                _body_name(body)
                for body in StaffBody.objects.filter(organisation=organisation).order_by("kind", "name", "pk")
            ]
            committee = Committee.objects.filter(organisation=organisation).exists()
            persons = []
            notice_days = DEFAULT_NOTICE_DAYS
            frequency = DEFAULT_FREQUENCY_MONTHS
        return {
            "organisation": organisation,
            "agreement": clause.agreement if clause else None,
            "clause": clause,
            "public_sector": organisation.is_public_sector,
            "scope": scope,
            "categories": categories,
            "tools": tools,
            "external_triggers": external,
            "internal_triggers": internal,
            "notice_days": notice_days,
            "frequency": frequency,
            "staff_bodies": bodies,
            "committee": committee,
            "persons": persons,
            "agenda_points": agenda.agenda_points(),
        }


def text(organisation: Organisation, clause: ReviewClause | None = None) -> str:
    """The model clause as plain text (French), ready to copy into an agreement."""
    with translation.override(LANGUAGE):
        rendered = render_to_string(TEXT_TEMPLATE, context(organisation, clause))
    lines = [line.rstrip() for line in rendered.splitlines()]
    # The template's tags leave blank lines behind: at most one between paragraphs.
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def pdf(organisation: Organisation, clause: ReviewClause | None = None) -> bytes:
    """The model clause as a PDF document (French), the same text as `text` laid out by article."""
    paragraphs = [part for part in text(organisation, clause).split("\n\n") if part.strip()]
    heading_lines = paragraphs[0].splitlines()
    blocks = []
    for part in paragraphs[1:]:
        first, _, rest = part.partition("\n")
        if first.startswith("Article "):
            blocks.append({"heading": first, "body": rest})
        else:
            blocks.append({"heading": "", "body": part})
    return render_pdf(
        PDF_TEMPLATE,
        {
            "organisation": organisation,
            "title": heading_lines[0],
            "subtitle": heading_lines[1:],
            "blocks": blocks,
        },
        language=LANGUAGE,
    )
