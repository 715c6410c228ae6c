"""PDF documents from HTML templates, with WeasyPrint (ENGINEERING.md: "PDF with WeasyPrint from HTML
templates").

Templates extend `core/pdf_base.html` (print stylesheet, page numbers, French by default). The text of the
PDF stays extractable (WeasyPrint embeds real text with the fonts' glyph maps), so a staff body can search
and quote the dossier, and tests read it back with pypdf."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


def render_pdf(template: str, context: dict[str, Any], *, language: str | None = None) -> bytes:
    """Render `template` with `context` and return the PDF bytes. No request: documents are also made by
    the task worker. Nothing is fetched from the network (no external `url()`: WeasyPrint would try)."""
    from weasyprint import HTML  # imported here: loading Pango takes a moment and most requests need none

    with translation.override(language or settings.LANGUAGE_CODE):
        html = render_to_string(template, context)
    pdf: bytes = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    return pdf
