"""Reading the JSON export of the CNIL's open-source PIA tool (github.com/LINCnil/pia).

The export is one object: `pia` (names, status, DPO and concerned people's opinions), `answers`
(`reference_to` a question id such as 111, `data` with `text`, `gauge`, `list`), `measures` (`title`,
`content`), `evaluations` (`reference_to` such as "2.1.211" or "3.2", `status`, comments, `gauges`) and
`comments`. We are strict on that overall shape (a wrong file is refused with the problem named) and
tolerant of every optional key: the tool's versions add and drop fields. Rich text written in the tool is
HTML; it is reduced to plain text here and never rendered as markup.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

# The standard CNIL PIA structure (the tool's `pia_architecture.json`, French edition): section, item and
# question titles by id. Kept in the CNIL's own words (French): the exported answers are written against
# them. A reference missing here is still shown, with its id.
SECTIONS: dict[str, str] = {
    "1": "Contexte",
    "2": "Principes fondamentaux",
    "3": "Risques",
    "4": "Validation",
}
ITEMS: dict[str, str] = {
    "1.1": "Vue d'ensemble",
    "1.2": "Données, processus et supports",
    "2.1": "Proportionnalité et nécessité",
    "2.2": "Mesures protectrices des droits",
    "3.1": "Mesures existantes ou prévues",
    "3.2": "Accès illégitime à des données",
    "3.3": "Modification non désirée de données",
    "3.4": "Disparition de données",
    "3.5": "Vue d'ensemble des risques",
    "4.1": "Cartographie des risques",
    "4.2": "Plan d'action",
    "4.3": "Avis du DPO et des personnes concernées",
}
_RISK_QUESTIONS = {
    "1": "Quels pourraient être les principaux impacts sur les personnes concernées si le risque se produisait ?",
    "2": "Quelles sont les principales menaces qui pourraient permettre la réalisation du risque ?",
    "3": "Quelles sources de risques pourraient-elles en être à l'origine ?",
    "4": "Quelles sont les mesures, parmi celles identifiées, qui contribuent à traiter le risque ?",
    "5": "Comment estimez-vous la gravité du risque, notamment en fonction des impacts potentiels et des "
    "mesures prévues ?",
    "6": "Comment estimez-vous la vraisemblance du risque, notamment au regard des menaces, des sources de "
    "risques et des mesures prévues ?",
}
QUESTIONS: dict[str, str] = {
    "111": "Quel est le traitement qui fait l'objet de l'étude ?",
    "112": "Quelles sont les responsabilités liées au traitement ?",
    "113": "Quels sont les référentiels applicables ?",
    "121": "Quelles sont les données traitées ?",
    "122": "Comment le cycle de vie des données se déroule-t-il (description fonctionnelle) ?",
    "123": "Quels sont les supports des données ?",
    "211": "Les finalités du traitement sont-elles déterminées, explicites et légitimes ?",
    "212": "Quel(s) est(sont) les fondement(s) qui rend(ent) votre traitement licite ?",
    "213": "Les données collectées sont-elles adéquates, pertinentes et limitées à ce qui est nécessaire au "
    "regard des finalités pour lesquelles elles sont traitées (minimisation des données) ?",
    "214": "Les données sont-elles exactes et tenues à jour ?",
    "215": "Quelle est la durée de conservation des données ?",
    "221": "Comment les personnes concernées sont-elles informées à propos du traitement ?",
    "222": "Comment le consentement des personnes concernées est-il obtenu ?",
    "223": "Comment les personnes concernées peuvent-elles exercer leurs droit d'accès et droit à la "
    "portabilité ?",
    "224": "Comment les personnes concernées peuvent-elles exercer leurs droit de rectification et droit à "
    "l'effacement (droit à l'oubli) ?",
    "225": "Comment les personnes concernées peuvent-elles exercer leurs droit de limitation et droit "
    "d'opposition ?",
    "226": "Les obligations des sous-traitants sont-elles clairement définies et contractualisées ?",
    "227": "En cas de transfert de données en dehors de l'Union européenne, les données sont-elles protégées "
    "de manière équivalente ?",
    **{f"3{risk}{n}": title for risk in "234" for n, title in _RISK_QUESTIONS.items()},
}

# Codes used by the tool, as far as we could establish them from its source. An unknown code is shown as is.
PIA_STATUS: dict[int, Any] = {
    0: _lazy("in progress"),
    1: _lazy("refused"),
    2: _lazy("validated"),
    3: _lazy("validated (signed)"),
    4: _lazy("archived"),
}
VALIDATED_STATUSES = {2, 3}
EVALUATION_STATUS: dict[int, Any] = {
    0: _lazy("not evaluated"),
    1: _lazy("to be corrected"),
    2: _lazy("improvable"),
    3: _lazy("acceptable"),
}
GAUGE_LEVELS: dict[int, Any] = {
    0: _lazy("not assessed"),
    1: _lazy("negligible"),
    2: _lazy("limited"),
    3: _lazy("significant"),
    4: _lazy("maximum"),
}
OPINION_STATUS: dict[int, Any] = {
    0: _lazy("the processing should not be carried out"),
    1: _lazy("the processing can be carried out"),
}


@dataclass
class PiaAnswer:
    reference: str
    title: str
    text: str
    gauge: int | None
    items: list[str]
    section: str = ""


@dataclass
class PiaMeasure:
    title: str
    content: str


@dataclass
class PiaEvaluation:
    reference: str
    title: str
    status: int | None
    action_plan_comment: str
    evaluation_comment: str
    gauges: dict[str, int]


@dataclass
class PiaComment:
    reference: str
    title: str
    description: str


@dataclass
class PiaExport:
    name: str
    author_name: str = ""
    evaluator_name: str = ""
    validator_name: str = ""
    status: int | None = None
    dpo_names: str = ""
    dpo_status: int | None = None
    dpo_opinion: str = ""
    people_names: str = ""
    concerned_people_status: int | None = None
    concerned_people_opinion: str = ""
    created_at: str = ""
    updated_at: str = ""
    answers: list[PiaAnswer] = field(default_factory=list)
    measures: list[PiaMeasure] = field(default_factory=list)
    evaluations: list[PiaEvaluation] = field(default_factory=list)
    comments: list[PiaComment] = field(default_factory=list)

    @property
    def validated(self) -> bool:
        return self.status in VALIDATED_STATUSES

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PiaExport:
        """Rebuild from `as_dict` (what `PiaImport.data` stores)."""
        lists = {
            "answers": PiaAnswer,
            "measures": PiaMeasure,
            "evaluations": PiaEvaluation,
            "comments": PiaComment,
        }
        values = dict(data)
        for key, kind in lists.items():
            values[key] = [kind(**row) for row in data.get(key, [])]
        return cls(**values)


def plain_text(value: Any) -> str:
    """The tool's rich text (HTML) as plain text, paragraphs kept as line breaks."""
    if value is None:
        return ""
    text = str(value)
    text = re.sub(r"(?i)<br\s*/?>|</(p|div|li|h[1-6])>", "\n", text)
    text = html.unescape(strip_tags(text)).replace("\xa0", " ")
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def reference_title(reference: str) -> str:
    """Title of a question ("111"), an item ("3.2") or a question inside an item ("2.1.211")."""
    last = reference.rsplit(".", 1)[-1] if reference.count(".") == 2 else reference
    return QUESTIONS.get(last) or ITEMS.get(reference) or SECTIONS.get(reference) or ""


def _section_of(reference: str) -> str:
    return SECTIONS.get(reference[:1], "") if reference[:1].isdigit() else ""


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _reference(row: dict[str, Any], where: str, index: int) -> str:
    ref = row.get("reference_to")
    if isinstance(ref, bool) or not isinstance(ref, (int, str)) or not str(ref).strip():
        raise ValidationError(
            _("Entry %(n)s of “%(list)s” has no valid “reference_to”.") % {"n": index + 1, "list": where}
        )
    return str(ref).strip()


def _rows(data: dict[str, Any], key: str, required: bool) -> list[dict[str, Any]]:
    if key not in data:
        if required:
            raise ValidationError(_("The file has no “%(key)s” list.") % {"key": key})
        return []
    rows = data[key]
    if not isinstance(rows, list):
        raise ValidationError(_("“%(key)s” must be a list.") % {"key": key})
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ValidationError(
                _("Entry %(n)s of “%(list)s” is not an object.") % {"n": index + 1, "list": key}
            )
    return rows


def _answer(row: dict[str, Any], index: int) -> PiaAnswer:
    reference = _reference(row, "answers", index)
    data = row.get("data") or {}
    if not isinstance(data, dict):
        raise ValidationError(
            _("Entry %(n)s of “answers” has a “data” that is not an object.") % {"n": index + 1}
        )
    items = data.get("list") or []
    if not isinstance(items, list):
        items = [items]
    return PiaAnswer(
        reference=reference,
        title=reference_title(reference),
        text=plain_text(data.get("text")),
        gauge=_int_or_none(data.get("gauge")),
        items=[plain_text(item) for item in items if plain_text(item)],
        section=_section_of(reference),
    )


def _evaluation(row: dict[str, Any], index: int) -> PiaEvaluation:
    reference = _reference(row, "evaluations", index)
    gauges = row.get("gauges") or {}
    return PiaEvaluation(
        reference=reference,
        title=reference_title(reference),
        status=_int_or_none(row.get("status")),
        action_plan_comment=plain_text(row.get("action_plan_comment")),
        evaluation_comment=plain_text(row.get("evaluation_comment")),
        gauges={
            str(k): v
            for k, v in (gauges.items() if isinstance(gauges, dict) else [])
            if _int_or_none(v) is not None
        },
    )


def parse_pia(raw: bytes | str) -> PiaExport:
    """Parse and check an export; every problem is a ValidationError naming it (nothing half-read)."""
    try:
        data = json.loads(raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw)
    except UnicodeDecodeError as exc:
        raise ValidationError(_("The file is not UTF-8 text.")) from exc
    except ValueError as exc:
        raise ValidationError(_("The file is not valid JSON (%(error)s).") % {"error": str(exc)}) from exc
    if not isinstance(data, dict):
        raise ValidationError(_("The file is not a PIA export: it must contain one JSON object."))
    pia = data.get("pia")
    if not isinstance(pia, dict):
        raise ValidationError(_("The file is not a PIA export: the “pia” object is missing."))
    name = _text(pia.get("name"))
    if not name:
        raise ValidationError(_("The PIA has no name (“pia.name”)."))
    answers = [_answer(row, i) for i, row in enumerate(_rows(data, "answers", required=True))]
    measures = [
        PiaMeasure(title=plain_text(row.get("title")), content=plain_text(row.get("content")))
        for row in _rows(data, "measures", required=False)
    ]
    evaluations = [_evaluation(row, i) for i, row in enumerate(_rows(data, "evaluations", required=False))]
    comments = []
    for i, row in enumerate(_rows(data, "comments", required=False)):
        reference = _reference(row, "comments", i)
        comments.append(PiaComment(reference, reference_title(reference), plain_text(row.get("description"))))
    # Answers in the structure's order (111, 112, …), unknown references after, by id.
    answers.sort(key=lambda a: (a.reference not in QUESTIONS, a.reference))
    return PiaExport(
        name=name[:200],
        author_name=_text(pia.get("author_name")),
        evaluator_name=_text(pia.get("evaluator_name")),
        validator_name=_text(pia.get("validator_name")),
        status=_int_or_none(pia.get("status")),
        dpo_names=_text(pia.get("dpos_names")),
        dpo_status=_int_or_none(pia.get("dpo_status")),
        dpo_opinion=plain_text(pia.get("dpo_opinion")),
        people_names=_text(pia.get("people_names")),
        concerned_people_status=_int_or_none(pia.get("concerned_people_status")),
        concerned_people_opinion=plain_text(pia.get("concerned_people_opinion")),
        created_at=_text(pia.get("created_at")),
        updated_at=_text(pia.get("updated_at")),
        answers=answers,
        measures=measures,
        evaluations=evaluations,
        comments=comments,
    )
