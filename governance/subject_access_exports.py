"""A subject access bundle as JSON (machine-readable), as a PDF for the person, and as a ZIP of both
with the uploaded documents themselves.

Both say, for every item, the agency it came from and its classification, so information
governance can consult each originating controller before release."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import zipfile
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from core.pdf import PdfDocument
from governance.subject_access import Bundle, Item

CONSULT_NOTICE = (
    "Before release, consult the agency each item came from: every partner is a controller of what it holds. "
    "Classified items may need redaction."
)


def bundle_json(bundle: Bundle) -> bytes:
    document = {
        "subject_access": {
            "reference": bundle.reference,
            "case_reference": bundle.case_reference,
            "produced_at": bundle.produced_at,
            "produced_by": bundle.produced_by,
            "notice": CONSULT_NOTICE,
        },
        "counts": bundle.counts(),
        "items": [dataclasses.asdict(item) for item in bundle.items],
        "access_log": [dataclasses.asdict(line) for line in bundle.access_log],
    }
    return json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False).encode("utf-8")


def _value(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "-"
    return str(value)


def _item(document: PdfDocument, item: Item) -> None:
    document.heading(f"{item.kind} {item.id}", level=3)
    marking = f"From {item.originating_agency or 'an unknown agency'}; classification {item.classification['name']}"
    document.paragraph(f"{marking} (rank {item.classification['rank']}).", small=True)
    document.key_values((name.replace("_", " ").capitalize(), _value(value)) for name, value in item.fields.items())


def bundle_pdf(bundle: Bundle, *, reader: str) -> bytes:
    document = PdfDocument(title="Subject access bundle", reader=reader, generated_at=bundle.produced_at)
    document.heading("Subject access bundle")
    document.key_values(
        [
            ("Record", bundle.case_reference or bundle.reference),
            ("Referral", bundle.reference),
            ("Produced", timezone.localtime(bundle.produced_at).strftime("%d %b %Y %H:%M")),
            ("Produced by", bundle.produced_by),
        ]
    )
    document.inset(CONSULT_NOTICE)
    document.table(["What is held", "Items"], [(kind, n) for kind, n in bundle.counts().items() if n], widths=[120, 40])
    for item in bundle.items:
        document.keep_together(lambda item=item: _item(document, item))
    document.page_break()
    document.heading("Who accessed these records", level=2)
    document.table(
        ["When", "Who", "Agency", "What", "Record"],
        [
            (
                timezone.localtime(line.occurred_at).strftime("%d %b %Y %H:%M"),
                line.actor or "System",
                line.agency or "-",
                f"{line.action}{' (break-glass)' if line.break_glass else ''}",
                line.reference or line.record_type,
            )
            for line in bundle.access_log
        ],
        widths=[30, 30, 35, 45, 34],
    )
    return document.render()


def _document_name(model: str, pk: Any, original_name: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", original_name).strip("._") or "document"
    return f"documents/{model.replace('.', '-')}-{pk}-{safe}"


def bundle_zip(bundle: Bundle, *, reader: str) -> bytes:
    """``bundle.json``, ``bundle.pdf`` and each document under ``documents/`` (its item's model and id
    first, so the JSON's item can be found); a file missing from storage is listed in ``missing.txt``."""
    buffer = io.BytesIO()
    missing = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bundle.json", bundle_json(bundle))
        archive.writestr("bundle.pdf", bundle_pdf(bundle, reader=reader))
        for document in bundle.documents:
            name = _document_name(document.model, document.id, document.original_name)
            try:
                with document.file.open("rb") as handle:
                    archive.writestr(name, handle.read())
            except OSError:
                missing.append(f"{document.model} {document.id}: {document.original_name}")
        if missing:
            archive.writestr("missing.txt", "Documents missing from storage:\n" + "\n".join(missing) + "\n")
    return buffer.getvalue()
