"""Metadata stripping of attachments, follow-up codes and references (revoyure.reports.anonymity)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, StreamObject

from revoyure.reports import anonymity
from revoyure.reports.anonymity import (
    hash_code,
    new_followup_code,
    new_reference,
    normalise_code,
    strip_metadata,
)

SECRET = "Jane Reporter"
ARTIST, GPS_IFD, IMAGE_DESCRIPTION = 0x013B, 0x8825, 0x010E


def _exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ARTIST] = SECRET
    exif[IMAGE_DESCRIPTION] = "taken at the warehouse"
    exif[0x0112] = 6  # orientation: rotated
    return exif


def _image(fmt: str) -> bytes:
    img = Image.new("RGB", (30, 20), (200, 10, 10))
    out = io.BytesIO()
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Author", SECRET)
        info.add_itxt("XML:com.adobe.xmp", f"<x:xmpmeta>{SECRET}</x:xmpmeta>")
        img.save(out, format="PNG", pnginfo=info, exif=_exif())
    elif fmt == "WEBP":
        img.save(out, format="WEBP", exif=_exif(), xmp=f"<x:xmpmeta>{SECRET}</x:xmpmeta>".encode())
    else:
        img.save(out, format="JPEG", exif=_exif(), icc_profile=b"ICC " + SECRET.encode())
    return out.getvalue()


def _upload(content: bytes, name: str = "IMG_2024_jane.bin") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize(
    ("fmt", "mime"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")]
)
def test_images_are_reencoded_without_exif_xmp_icc_or_text(fmt: str, mime: str) -> None:
    original = _image(fmt)
    assert SECRET.encode() in original
    clean = strip_metadata(_upload(original))
    assert clean.content_type == mime
    assert SECRET.encode() not in clean.content
    assert b"warehouse" not in clean.content
    with Image.open(io.BytesIO(clean.content)) as img:
        assert img.format == fmt
        assert not img.getexif()
        assert "icc_profile" not in img.info
        assert "xmp" not in img.info and "XML:com.adobe.xmp" not in img.info
        assert "Author" not in img.info
        # The EXIF orientation was applied to the pixels before it was dropped: the picture stays upright.
        assert img.size == (20, 30)


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": SECRET, "/Creator": "Word for Jane", "/CreationDate": "D:20240102030405"})
    xmp = StreamObject()
    xmp.set_data(f"<x:xmpmeta><dc:creator>{SECRET}</dc:creator></x:xmpmeta>".encode())
    xmp.update({NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")})
    writer.root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_is_rewritten_without_document_information_or_xmp() -> None:
    original = _pdf()
    assert SECRET.encode() in original
    clean = strip_metadata(_upload(original, "report.pdf"))
    assert clean.content_type == "application/pdf"
    assert SECRET.encode() not in clean.content
    assert b"Word for Jane" not in clean.content
    reader = PdfReader(io.BytesIO(clean.content))
    assert len(reader.pages) == 1
    assert "/Metadata" not in reader.trailer["/Root"]
    info = reader.metadata or {}
    assert "/Author" not in info and "/CreationDate" not in info


def _office(kind: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        if kind == "odt":
            z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
            z.writestr("content.xml", "<office:document-content>Text</office:document-content>")
            z.writestr(
                "meta.xml",
                f"<office:document-meta><office:meta><meta:initial-creator>{SECRET}</meta:initial-creator>"
                "<dc:date>2024-01-02T03:04:05</dc:date></office:meta></office:document-meta>",
            )
            z.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
        else:
            z.writestr(
                "[Content_Types].xml",
                '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.wordprocessingml.document.main+xml"/></Types>',
            )
            z.writestr("_rels/.rels", "<Relationships/>")
            z.writestr("word/document.xml", "<w:document>Body text</w:document>")
            z.writestr(
                "docProps/core.xml",
                f"<cp:coreProperties><dc:creator>{SECRET}</dc:creator><cp:lastModifiedBy>{SECRET}"
                "</cp:lastModifiedBy><dcterms:created>2024-01-02T03:04:05Z</dcterms:created></cp:coreProperties>",
            )
            z.writestr("docProps/app.xml", "<Properties><Company>Acme warehouse 3</Company></Properties>")
            z.writestr("docProps/custom.xml", f"<Properties><property>{SECRET}</property></Properties>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("kind", "mime", "meta"),
    [
        (
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docProps/core.xml",
        ),
        ("odt", "application/vnd.oasis.opendocument.text", "meta.xml"),
    ],
)
def test_office_documents_lose_their_properties_and_entry_times(kind: str, mime: str, meta: str) -> None:
    original = _office(kind)
    clean = strip_metadata(_upload(original, f"jane.{kind}"))
    assert clean.content_type == mime
    with zipfile.ZipFile(io.BytesIO(clean.content)) as z:
        names = z.namelist()
        assert SECRET.encode() not in z.read(meta)
        for name in names:
            assert SECRET.encode() not in z.read(name)
            assert z.getinfo(name).date_time == (1980, 1, 1, 0, 0, 0)
        if kind == "docx":
            assert b"Acme warehouse" not in z.read("docProps/app.xml")
            assert z.read("word/document.xml") == b"<w:document>Body text</w:document>"
        else:
            assert names[0] == "mimetype"
            assert z.getinfo("mimetype").compress_type == zipfile.ZIP_STORED


@pytest.mark.parametrize(
    "content",
    [
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",  # a GIF: not an accepted type
        b"PK\x03\x04" + b"\x00" * 40,  # a bare zip
        b"\x7fELF\x02\x01\x01" + b"\x00" * 60,  # an executable
    ],
)
def test_other_types_are_refused(content: bytes) -> None:
    with pytest.raises(ValidationError):
        strip_metadata(_upload(content))


def test_damaged_files_are_refused_not_crashing() -> None:
    broken_pdf = b"%PDF-1.7\n" + b"garbage" * 50
    with pytest.raises(ValidationError):
        strip_metadata(_upload(broken_pdf))
    broken_png = _image("PNG")[:60]
    with pytest.raises(ValidationError):
        strip_metadata(_upload(broken_png))


def test_plain_text_is_kept_as_sent() -> None:
    clean = strip_metadata(_upload(b"log line 1\nlog line 2\n", "log.txt"))
    assert clean.content_type == "text/plain" and clean.content == b"log line 1\nlog line 2\n"


def test_followup_code_has_160_random_bits_in_groups_of_four() -> None:
    codes = {new_followup_code() for _ in range(200)}
    assert len(codes) == 200
    code = codes.pop()
    groups = code.split("-")
    assert len(groups) == 8 and all(len(g) == 4 for g in groups)
    assert len(normalise_code(code)) * 5 >= 160
    # Typed back in lower case, with spaces instead of dashes, the code still matches.
    assert hash_code(code.lower().replace("-", " ")) == hash_code(code)
    assert len(hash_code(code)) == 64 and code not in hash_code(code)


def test_reference_is_random_and_short() -> None:
    refs = {new_reference() for _ in range(200)}
    assert len(refs) > 195
    assert all(r.startswith("S-") and len(r) == 8 for r in refs)


def test_anonymity_module_has_a_process_secret() -> None:
    assert len(anonymity._SECRET) == 32
