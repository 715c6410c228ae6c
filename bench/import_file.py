"""The CSV register the import benchmark reads: realistic French rows, as an organisation would export
them from a spreadsheet (register field names as headers, codes for choices, ISO dates).

Needs Django set up (it reuses the scale-data vocabulary)."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

COLUMNS = (
    "name",
    "status",
    "in_service_on",
    "vendor",
    "vendor_version",
    "owner_department",
    "owner_name",
    "affected_public",
    "affected_workers_count",
    "function",
    "purpose",
    "specific_modalities",
    "domain_category",
    "techniques",
    "is_ai_system",
    "risk_fundamental_rights",
    "risk_fundamental_rights_justification",
    "personal_data",
    "personal_data_categories",
    "data_retention",
    "can_monitor_activity",
    "monitoring_details",
    "decision_role",
    "annex3_point",
    "human_oversight_persons",
    "documents_provided",
    "staff_impact",
    "staff_contact",
)


def write_register_csv(path: Path, rows: int, seed: int) -> None:
    from revoyure.registry import scale

    rng = random.Random(seed)
    vendors = [
        f"{rng.choice(scale.VENDOR_STEMS)}{rng.choice(scale.VENDOR_ENDINGS)} Import" for _ in range(200)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for number in range(1, rows + 1):
            kind = rng.choices(scale.ARCHETYPES, weights=scale.ARCHETYPE_WEIGHTS)[0]
            status = rng.choice(("project", "pilot", "in_service", "in_service", "in_service"))
            level = rng.randint(1, 4)
            personal = "no" if "Aucune" in kind.data else "yes"
            writer.writerow(
                (
                    f"{rng.choice(kind.products)} — {rng.choice(scale.QUALIFIERS)} n° {number}",
                    status,
                    (dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(2000))).isoformat()
                    if status == "in_service"
                    else "",
                    rng.choice(vendors),
                    f"{rng.randint(1, 9)}.{rng.randint(0, 9)}",
                    rng.choice(scale.DEPARTMENTS),
                    f"{rng.choice(scale.FIRST_NAMES)} {rng.choice(scale.LAST_NAMES)}",
                    ", ".join(kind.publics),
                    rng.randint(5, 3000),
                    kind.function,
                    rng.choice(kind.purposes),
                    rng.choice(kind.modalities),
                    kind.category,
                    ", ".join(kind.techniques),
                    kind.is_ai,
                    level,
                    rng.choice(scale.RISK_JUSTIFICATIONS[level]),
                    personal,
                    kind.data if personal == "yes" else "",
                    rng.choice(scale.RETENTION) if personal == "yes" else "",
                    kind.monitors,
                    "Les données permettent de connaître l'activité des personnes au travail."
                    if kind.monitors == "yes"
                    else "",
                    kind.decision,
                    kind.annex3,
                    rng.choice(scale.OVERSIGHT),
                    rng.choice(scale.DOCUMENTS),
                    rng.choice(kind.impacts),
                    rng.choice(scale.CONTACTS),
                )
            )
    partial.replace(path)
