"""Import of SurveyJS JSON (https://surveyjs.io/form-library/documentation/design-survey/create-a-simple-survey)
into a Revoyure questionnaire definition.

Pages become sections; elements become questions (panels are flattened, their `visibleIf` combined with
their elements'); choices, localized titles, `isRequired` and simple `visibleIf` expressions are translated.
Anything else is listed in `problems` with its name and path, never silently dropped: the question is kept
without the unsupported part when it can be, and left out (and listed) when it cannot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from revoyure.assessments.loading import CHOICE_TYPES

YES_NO = [
    {"value": "yes", "label": {"fr": "Oui", "en": "Yes"}},
    {"value": "no", "label": {"fr": "Non", "en": "No"}},
]
UNSUPPORTED_ELEMENTS = {
    "matrix", "matrixdropdown", "matrixdynamic", "multipletext", "expression", "html", "image",
    "imagepicker", "signaturepad", "ranking",
}  # fmt: skip
# Element properties that change behaviour and have no equivalent in a definition.
UNSUPPORTED_PROPERTIES = (
    "validators", "requiredIf", "enableIf", "choicesVisibleIf", "choicesEnableIf", "choicesByUrl",
    "choicesFromQuestion", "hasOther", "showOtherItem", "hasNone", "showNoneItem", "hasComment",
    "showCommentArea", "defaultValue", "defaultValueExpression", "setValueIf", "setValueExpression",
    "resetValueIf", "correctAnswer", "readOnly",
)  # fmt: skip
SURVEY_PROPERTIES = ("calculatedValues", "triggers", "completedHtmlOnCondition", "navigateToUrlOnCondition")
TEXT_INPUT_TYPES = {"text", "email", "tel", "url", "password", ""}


@dataclass(frozen=True)
class Problem:
    path: str  # e.g. "pages[2].elements[4]"
    name: str  # the SurveyJS element's name (or property)
    construct: str  # what is not supported, e.g. "matrixdynamic", "validators", "visibleIf"
    message: str

    def __str__(self) -> str:
        return f"{self.path} ({self.name}): {self.construct}: {self.message}"


def localized(value: Any, fallback: str) -> dict[str, str]:
    """A SurveyJS string ("text" or {"default"/"en": ..., "fr": ...}) as our {"fr", "en"} pair."""
    if isinstance(value, dict):
        en = value.get("en") or value.get("default") or value.get("fr")
        fr = value.get("fr") or value.get("default") or value.get("en")
        if isinstance(en, str) and isinstance(fr, str) and en and fr:
            return {"fr": fr, "en": en}
        texts = [v for v in value.values() if isinstance(v, str) and v]
        if texts:
            return {"fr": texts[0], "en": texts[0]}
    if isinstance(value, str) and value.strip():
        return {"fr": value, "en": value}
    return {"fr": fallback, "en": fallback}


def _ident(name: str, used: set[str]) -> str:
    base = re.sub(r"[^a-z0-9_]+", "_", name.strip().lower()).strip("_") or "question"
    if not base[0].isalpha():
        base = f"q_{base}"
    base = base[:55]
    ident, n = base, 2
    while ident in used:
        ident, n = f"{base}_{n}", n + 1
    used.add(ident)
    return ident


# visibleIf -------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<var>\{[^}]+\})|(?P<str>'[^']*'|\"[^\"]*\")|(?P<num>-?\d+(?:\.\d+)?)"
    r"|(?P<op>\|\||&&|<>|!=|==|>=|<=|=|>|<|!)|(?P<lb>\[)|(?P<rb>\])|(?P<comma>,)|(?P<lp>\()|(?P<rp>\))"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"
)
_OPS = {"=": "==", "==": "==", "!=": "!=", "<>": "!=", ">": ">", "<": "<", ">=": ">=", "<=": "<="}


class ConditionError(ValueError):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ConditionError(f"cannot read {text[pos:]!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _literal(kind: str, value: str) -> Any:
    if kind == "str":
        return value[1:-1]
    if kind == "num":
        return float(value) if "." in value else int(value)
    if kind == "word" and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    raise ConditionError(f"expected a value, found {value!r}")


class _Parser:
    """Recursive descent over SurveyJS's simple expressions, producing our expression text."""

    def __init__(self, text: str, questions: dict[str, dict[str, Any]], names: dict[str, str]) -> None:
        self.tokens = _tokens(text)
        self.i = 0
        self.questions = questions  # our id -> question dict (earlier questions only)
        self.names = names  # SurveyJS name -> our id

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.i += 1
        return token

    def word(self, *words: str) -> bool:
        kind, value = self.peek()
        if kind == "word" and value.lower() in words:
            self.i += 1
            return True
        return False

    def _symbol(self, symbol: str) -> bool:
        if self.peek() == ("op", symbol):
            self.i += 1
            return True
        return False

    def parse(self) -> str:
        result = self.disjunction()
        if self.peek()[0] != "end":
            raise ConditionError(f"unexpected {self.peek()[1]!r}")
        return result

    def disjunction(self) -> str:
        parts = [self.conjunction()]
        while self.word("or") or self._symbol("||"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"

    def conjunction(self) -> str:
        parts = [self.negation()]
        while self.word("and") or self._symbol("&&"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else "(" + " and ".join(parts) + ")"

    def negation(self) -> str:
        if self.word("not") or self._symbol("!"):
            return f"not is_true({self.negation()})"
        if self.peek()[0] == "lp":
            self.take()
            inner = self.disjunction()
            if self.take()[0] != "rp":
                raise ConditionError("missing )")
            return inner
        return self.comparison()

    def variable(self) -> tuple[str, dict[str, Any]]:
        kind, value = self.take()
        if kind != "var":
            raise ConditionError(f"expected a {{question}}, found {value!r}")
        name = value[1:-1].strip()
        qid = self.names.get(name)
        if qid is None or qid not in self.questions:
            raise ConditionError(f"{{{name}}} is not an earlier question")
        return qid, self.questions[qid]

    def value_for(self, question: dict[str, Any], kind: str, raw: str) -> Any:
        value = _literal(kind, raw)
        if question.get("surveyjs_boolean") and isinstance(value, bool):
            return "yes" if value else "no"
        if question["type"] in CHOICE_TYPES:
            value = str(value)
            if value not in {c["value"] for c in question["choices"]}:
                raise ConditionError(f"{value!r} is not a choice of {question['id']}")
        return value

    def comparison(self) -> str:
        qid, question = self.variable()
        ref = f"q.{qid}"
        multiple = question["type"] == "multiple_choice"
        if self.word("notempty"):
            return f"known({ref})"
        if self.word("empty"):
            return f"not known({ref})"
        if self.word("contains", "notcontains", "anyof", "allof", "noneof"):
            op = self.tokens[self.i - 1][1].lower()
            if op in {"contains", "notcontains"}:
                kind, raw = self.take()
                values = [self.value_for(question, kind, raw)]
            else:
                values = self.array(question)
            if not multiple and op in {"anyof", "noneof"}:
                inner = f"{ref} in {{{', '.join(map(_quote, values))}}}"
            elif not multiple:
                raise ConditionError(f"{op} on a single-answer question")
            else:
                joiner = " and " if op == "allof" else " or "
                inner = "(" + joiner.join(f"{_quote(v)} in {ref}" for v in values) + ")"
            return f"not is_true({inner})" if op in {"notcontains", "noneof"} else inner
        kind, raw = self.take()
        if kind != "op" or raw not in _OPS:
            raise ConditionError(f"unsupported operator {raw!r}")
        if multiple:
            raise ConditionError("comparison of a multiple-choice answer (use contains)")
        vkind, vraw = self.take()
        value = _quote(self.value_for(question, vkind, vraw))
        if _OPS[raw] == "!=":  # SurveyJS: an empty answer is "not equal"; ours would be unknown
            return f"not is_true({ref} == {value})"
        return f"{ref} {_OPS[raw]} {value}"

    def array(self, question: dict[str, Any]) -> list[Any]:
        if self.take()[0] != "lb":
            raise ConditionError("expected [")
        values = []
        while True:
            kind, raw = self.take()
            values.append(self.value_for(question, kind, raw))
            sep = self.take()[0]
            if sep == "rb":
                return values
            if sep != "comma":
                raise ConditionError("expected , or ]")


def _quote(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def translate_condition(text: str, questions: dict[str, dict[str, Any]], names: dict[str, str]) -> str:
    """Our `when` for a SurveyJS `visibleIf`, or ConditionError naming what is not supported."""
    if not isinstance(text, str) or not text.strip():
        raise ConditionError("empty expression")
    return _Parser(text, questions, names).parse()


# Elements ---------------------------------------------------------------------------------------------


class _Importer:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.questions: dict[str, dict[str, Any]] = {}
        self.names: dict[str, str] = {}
        self.used: set[str] = set()

    def problem(self, path: str, name: str, construct: str, message: str) -> None:
        self.problems.append(Problem(path, name, construct, message))

    def choices(self, raw: Any, path: str, name: str) -> list[dict[str, Any]]:
        out, seen = [], set()
        for i, item in enumerate(raw or []):
            if isinstance(item, dict):
                value, text = item.get("value"), item.get("text")
                if "visibleIf" in item or "enableIf" in item:
                    self.problem(
                        f"{path}.choices[{i}]", name, "choice visibleIf/enableIf", "not supported, ignored"
                    )
            else:
                value, text = item, None
            if value is None or isinstance(value, dict | list) or str(value) in seen:
                self.problem(
                    f"{path}.choices[{i}]", name, "choice", f"unusable or duplicate value {value!r}, left out"
                )
                continue
            seen.add(str(value))
            out.append({"value": str(value), "label": localized(text, str(value))})
        return out

    def element(self, el: Any, path: str, section: list[dict[str, Any]], inherited: list[str]) -> None:
        if not isinstance(el, dict):
            self.problem(path, "?", "element", "not an object, left out")
            return
        kind, name = el.get("type", ""), str(el.get("name") or "")
        conditions = list(inherited)
        if "visibleIf" in el:
            try:
                conditions.append(translate_condition(el["visibleIf"], self.questions, self.names))
            except ConditionError as exc:
                self.problem(
                    path, name, "visibleIf", f"{el['visibleIf']!r} not translated ({exc}); shown always"
                )
        if kind in {"panel", "paneldynamic"}:
            if kind == "paneldynamic":
                self.problem(
                    path,
                    name,
                    "paneldynamic",
                    "repeated panels are not supported; its elements are imported once",
                )
            for i, child in enumerate(el.get("elements") or el.get("templateElements") or []):
                self.element(child, f"{path}.elements[{i}]", section, conditions)
            return
        if kind in UNSUPPORTED_ELEMENTS or kind not in {
            "radiogroup", "dropdown", "checkbox", "tagbox", "rating", "text", "comment", "file", "boolean",
        }:  # fmt: skip
            self.problem(path, name, kind or "element", "element type not supported, left out")
            return
        for prop in UNSUPPORTED_PROPERTIES:
            if el.get(prop):
                self.problem(path, name, prop, "not supported, ignored")
        qid = _ident(name or f"question_{len(self.questions) + 1}", self.used)
        question: dict[str, Any] = {
            "id": qid,
            "type": "text",
            "text": localized(el.get("title"), name or qid),
        }
        if kind in {"radiogroup", "dropdown", "checkbox", "tagbox"}:
            question["type"] = "single_choice" if kind in {"radiogroup", "dropdown"} else "multiple_choice"
            question["choices"] = self.choices(el.get("choices"), path, name)
            if not question["choices"]:
                self.problem(path, name, "choices", "no usable choices, question left out")
                return
        elif kind == "boolean":
            question["type"], question["choices"] = "single_choice", [dict(c) for c in YES_NO]
            question["surveyjs_boolean"] = True
        elif kind == "rating":
            self.rating(el, question, path, name)
        elif kind == "text":
            input_type = str(el.get("inputType", "text") or "text")
            if input_type in {"number", "range"}:
                question["type"] = "number"
                for key in ("min", "max"):
                    if isinstance(el.get(key), int | float) and not isinstance(el.get(key), bool):
                        question[key] = el[key]
            elif input_type == "date":
                question["type"] = "date"
            elif input_type not in TEXT_INPUT_TYPES:
                self.problem(path, name, f"inputType {input_type}", "imported as free text")
        elif kind == "file":
            question["type"] = "file"
        if el.get("description"):
            question["help"] = localized(el["description"], "")
        if el.get("isRequired"):
            question["required"] = True
        if conditions:
            question["when"] = conditions[0] if len(conditions) == 1 else " and ".join(conditions)
        self.questions[qid] = question
        if name:
            self.names[name] = qid
        section.append(question)

    def rating(self, el: dict[str, Any], question: dict[str, Any], path: str, name: str) -> None:
        question["type"] = "scale"
        values = el.get("rateValues")
        if values:
            nums: list[Any] = [v.get("value") if isinstance(v, dict) else v for v in values]
            if not all(isinstance(n, int) and not isinstance(n, bool) for n in nums):
                self.problem(
                    path,
                    name,
                    "rateValues",
                    "non-integer rating values; imported as a scale on their positions",
                )
                nums = list(range(1, len(values) + 1))
            question["min"], question["max"] = min(nums), max(nums)
            question["labels"] = [
                {"value": n, "label": localized(v.get("text"), str(n))}
                for n, v in zip(nums, values, strict=True)
                if isinstance(v, dict) and v.get("text")
            ]
        else:
            question["min"] = int(el.get("rateMin", 1))
            question["max"] = int(el.get("rateMax", 5))
            labels = []
            for key, at in (("minRateDescription", question["min"]), ("maxRateDescription", question["max"])):
                if el.get(key):
                    labels.append({"value": at, "label": localized(el[key], str(at))})
            question["labels"] = labels
        if not question["labels"]:
            del question["labels"]


def import_surveyjs(
    data: Any, slug: str = "imported", version: int = 1
) -> tuple[dict[str, Any], list[Problem]]:
    """Translate a SurveyJS survey into a definition dict (not yet validated) and the list of problems."""
    importer = _Importer()
    if not isinstance(data, dict):
        raise ValueError("a SurveyJS survey is a JSON object")
    for prop in SURVEY_PROPERTIES:
        if data.get(prop):
            importer.problem(prop, prop, prop, "survey-level logic is not supported, ignored")
    pages = data.get("pages")
    if not pages and data.get("elements"):
        pages = [{"name": "page1", "elements": data["elements"]}]
    sections = []
    used_sections: set[str] = set()
    for p, page in enumerate(pages or []):
        if not isinstance(page, dict):
            importer.problem(f"pages[{p}]", "?", "page", "not an object, left out")
            continue
        name = str(page.get("name") or f"page{p + 1}")
        inherited = []
        if "visibleIf" in page:
            try:
                inherited.append(translate_condition(page["visibleIf"], importer.questions, importer.names))
            except ConditionError as exc:
                importer.problem(
                    f"pages[{p}]", name, "visibleIf", f"{page['visibleIf']!r} not translated ({exc})"
                )
        questions: list[dict[str, Any]] = []
        for i, el in enumerate(page.get("elements") or []):
            importer.element(el, f"pages[{p}].elements[{i}]", questions, inherited)
        if not questions:
            importer.problem(f"pages[{p}]", name, "page", "no importable question, page left out")
            continue
        sections.append(
            {
                "id": _ident(name, used_sections),
                "title": localized(page.get("title"), name),
                "owner": "any",
                "questions": questions,
            }
        )
    for question in importer.questions.values():
        question.pop("surveyjs_boolean", None)
    definition = {
        "id": slug,
        "version": version,
        "title": localized(data.get("title"), slug),
        "sections": sections,
    }
    if data.get("description"):
        definition["description"] = localized(data["description"], "")
    return definition, importer.problems
