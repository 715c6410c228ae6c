"""Writes surveyjs_large.json: a bilingual SurveyJS survey of 120 questions over 6 pages, with panels,
visibleIf conditions and several unsupported constructs (run: python make_surveyjs_large.py)."""

import json
from pathlib import Path

TOPICS = ["charge", "outils", "competences", "donnees", "sante", "organisation"]


def title(fr: str, en: str) -> dict[str, str]:
    return {"default": en, "fr": fr}


def page(n: int, topic: str) -> dict:
    elements: list[dict] = []
    # 1 gate question, then 15 plain questions of rotating types, 4 in a panel shown when the gate is yes
    elements.append(
        {
            "type": "boolean",
            "name": f"p{n}_gate",
            "title": title(f"Thème {topic} concerné ?", f"Topic {topic} concerned?"),
            "isRequired": True,
        }
    )
    for i in range(15):
        name = f"p{n}_q{i}"
        kind = i % 6
        if kind == 0:
            el = {
                "type": "radiogroup",
                "name": name,
                "choices": [
                    {"value": "a", "text": title("Aucun", "None")},
                    {"value": "b", "text": title("Un peu", "Some")},
                    {"value": "c", "text": title("Beaucoup", "A lot")},
                ],
            }
        elif kind == 1:
            el = {
                "type": "checkbox",
                "name": name,
                "choices": ["x", "y", {"value": "z", "text": title("Zède", "Zed")}],
            }
        elif kind == 2:
            el = {
                "type": "rating",
                "name": name,
                "rateMin": 1,
                "rateMax": 5,
                "minRateDescription": title("Faible", "Low"),
                "maxRateDescription": title("Fort", "High"),
            }
        elif kind == 3:
            el = {"type": "text", "name": name, "inputType": "number", "min": 0, "max": 100}
        elif kind == 4:
            el = {"type": "text", "name": name, "inputType": "date"}
        else:
            el = {"type": "comment", "name": name}
        el["title"] = title(f"Question {n}.{i} ({topic})", f"Question {n}.{i} ({topic})")
        # conditions on the previous question of the right kind
        if kind == 1:
            el["visibleIf"] = f"{{p{n}_q{i - 1}}} = 'c'"
        elif kind == 3:
            el["visibleIf"] = f"{{p{n}_q{i - 1}}} >= 3 or {{p{n}_gate}} = true"
        elif kind == 4:
            el["visibleIf"] = f"{{p{n}_q{i - 1}}} notempty"
        elif kind == 5:
            el["visibleIf"] = f"{{p{n}_q{i - 4}}} contains 'y' and {{p{n}_q{i - 5}}} <> 'a'"
        if i == 0:
            el["isRequired"] = True
        elements.append(el)
    elements.append(
        {
            "type": "panel",
            "name": f"p{n}_panel",
            "visibleIf": f"{{p{n}_gate}} = true",
            "elements": [
                {
                    "type": "dropdown",
                    "name": f"p{n}_d{j}",
                    "title": title(f"Détail {j}", f"Detail {j}"),
                    "choices": ["1", "2", "3"],
                }
                for j in range(4)
            ],
        }
    )
    return {"name": f"page_{topic}", "title": title(f"Page {topic}", f"Page {topic}"), "elements": elements}


def survey() -> dict:
    pages = [page(n, topic) for n, topic in enumerate(TOPICS)]
    # Unsupported constructs, each must be reported by name.
    pages[0]["elements"].append(
        {"type": "matrix", "name": "satisfaction_matrix", "columns": ["1", "2"], "rows": ["a"]}
    )
    pages[1]["elements"].append({"type": "html", "name": "intro_html", "html": "<p>Bonjour</p>"})
    pages[2]["elements"].append(
        {"type": "matrixdynamic", "name": "tools_table", "columns": [{"name": "tool"}]}
    )
    pages[3]["elements"].append({"type": "expression", "name": "total_expr", "expression": "{p3_q2} * 2"})
    pages[4]["elements"].append({"type": "signaturepad", "name": "signature"})
    pages[5]["elements"].append({"type": "ranking", "name": "priorities", "choices": ["a", "b"]})
    pages[5]["elements"].append(
        {"type": "text", "name": "email_contact", "title": "E-mail", "validators": [{"type": "email"}]}
    )
    pages[5]["elements"].append(
        {"type": "text", "name": "complex_cond", "title": "Complex", "visibleIf": "age({p0_q4}) > 18"}
    )
    return {
        "title": title(
            "Enquête numérique et conditions de travail", "Digital tools and working conditions survey"
        ),
        "calculatedValues": [{"name": "score", "expression": "{p0_q2} + {p1_q2}"}],
        "triggers": [{"type": "complete", "expression": "{p0_gate} = false"}],
        "pages": pages,
    }


if __name__ == "__main__":
    out = Path(__file__).with_name("surveyjs_large.json")
    out.write_text(json.dumps(survey(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
