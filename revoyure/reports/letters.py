"""The delegate's formal alert to the vendor (AI Act art. 26(5)), generated as a PDF letter.

The letter gives the tool, the vendor and the facts *established by the expertise* (sandbox, steps,
evidence, similar cases, reproduction, the committee's reasons): never the reporter's identity, nor the
reporter's own words, which could identify them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from revoyure.core.pdf import render_pdf
from revoyure.registry.models import Vendor
from revoyure.reports.models import Expertise, Report

ARTICLE_26_5 = (
    "« Les déployeurs surveillent le fonctionnement du système d'IA à haut risque sur la base de la notice "
    "d'utilisation [...]. Lorsque les déployeurs ont des raisons de considérer que l'utilisation "
    "conformément à la notice d'utilisation peut conduire à ce que le système d'IA présente un risque [...], "
    "ils en informent sans retard injustifié le fournisseur ou le distributeur [...]. »"
)
CITATION = "Règlement (UE) 2024/1689 (AI Act), article 26(5)"


def letter_context(
    report: Report, vendor: Vendor | None, sender: Any, on: dt.date, recipient_email: str
) -> dict[str, Any]:
    expertise = Expertise.objects.filter(report=report).first()
    return {
        "report": report,
        "organisation": report.organisation,
        "tool": report.tool,
        "vendor": vendor,
        "recipient_email": recipient_email,
        "expertise": expertise,
        "sender_name": getattr(sender, "full_name", "") or getattr(sender, "email", ""),
        "sender_email": getattr(sender, "email", ""),
        "date": on,
        "article": ARTICLE_26_5,
        "citation": CITATION,
    }


def render_letter(
    report: Report, vendor: Vendor | None, sender: Any, on: dt.date, recipient_email: str = ""
) -> bytes:
    """The letter as PDF bytes (French, the language of the organisation's correspondence)."""
    return render_pdf(
        "reports/letter_vendor_alert.html",
        letter_context(report, vendor, sender, on, recipient_email),
        language="fr",
    )


def letter_filename(report: Report) -> str:
    return f"alerte-fournisseur-{report.reference}.pdf".replace("/", "-")
