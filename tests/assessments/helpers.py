"""A small definition built in code, shared by the engine and service tests."""

from typing import Any


def t(text: str) -> dict[str, str]:
    return {"fr": f"{text} (fr)", "en": text}


def yes_no(yes: float = 2, no: float = 0) -> list[dict[str, Any]]:
    return [{"value": "yes", "label": t("Yes"), "score": yes}, {"value": "no", "label": t("No"), "score": no}]


def small_definition(version: int = 1, **changes: Any) -> dict[str, Any]:
    content: dict[str, Any] = {
        "id": "small",
        "version": version,
        "title": t("Small"),
        "levels": [
            {"id": "low", "min": 0, "label": t("Low")},
            {"id": "high", "min": 6, "label": t("High")},
            {"id": "critical", "min": 10, "label": t("Critical")},
        ],
        "sections": [
            {
                "id": "first",
                "owner": "prevention",
                "title": t("First"),
                "levels": [
                    {"id": "low", "min": 0, "label": t("Low")},
                    {"id": "high", "min": 4, "label": t("High")},
                ],
                "questions": [
                    {
                        "id": "uses_ai",
                        "type": "single_choice",
                        "required": True,
                        "text": t("AI?"),
                        "choices": yes_no(),
                    },
                    {
                        "id": "ai_kind",
                        "type": "multiple_choice",
                        "when": 'q.uses_ai == "yes"',
                        "required": True,
                        "text": t("Which AI?"),
                        "choices": [
                            {"value": "genai", "label": t("Generative"), "score": 3},
                            {"value": "scoring", "label": t("Scoring"), "score": 1},
                        ],
                    },
                    {
                        "id": "genai_detail",
                        "type": "text",
                        "when": '"genai" in q.ai_kind',
                        "required": True,
                        "text": t("Detail"),
                    },
                    {"id": "stress", "type": "scale", "min": 0, "max": 4, "weight": 2, "text": t("Stress")},
                ],
            },
            {
                "id": "second",
                "owner": "hr",
                "title": t("Second"),
                "questions": [
                    {"id": "staff", "type": "number", "min": 0, "max": 1000, "text": t("Staff")},
                    {"id": "start", "type": "date", "text": t("Start")},
                    {
                        "id": "late",
                        "type": "single_choice",
                        "when": 'q.start >= date("2030-01-01")',
                        "text": t("Late"),
                        "choices": yes_no(1),
                    },
                    {"id": "doc", "type": "file", "text": t("Document")},
                ],
            },
        ],
    }
    content.update(changes)
    return content
