"""The chronology as a CSV and as a watermarked PDF, and either as a download: the reader's own view, nothing more."""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from core.pdf import PdfDocument
from partnership.models import User
from referrals.chronology_rows import author_name
from referrals.models import Referral
from referrals.selectors import Chronology

CSV_HEADER = (
    "When",
    "Type",
    "Source agency",
    "Author",
    "Classification",
    "Significant",
    "Title",
    "Text",
    "Released as a summary",
)


_FORMULA_START = frozenset("=+-@")
_ALWAYS_QUOTED_START = ("\t", "\r")


def _ignored_by_spreadsheets(char: str) -> bool:
    """Leading characters a spreadsheet skips before it decides a cell is a formula: whitespace, the byte
    order mark and other format characters (zero-width spaces, direction marks), and control characters."""
    return char.isspace() or unicodedata.category(char).startswith("C")


def csv_cell(value: Any) -> str:
    """Text as a spreadsheet shows it, never as a formula (CSV injection): quoted when it starts with a tab
    or carriage return, or when its first character after any ignorable lead is one of ``= + - @``."""
    text = "" if value is None else str(value)
    if text.startswith(_ALWAYS_QUOTED_START):
        return f"'{text}"
    first = next((char for char in text if not _ignored_by_spreadsheets(char)), "")
    return f"'{text}" if first in _FORMULA_START else text


_csv_cell = csv_cell  # the name governance.exports imports


def chronology_csv(chronology: Chronology, levels: dict[int, str]) -> str:
    """The reader's own view: visible entries only, summaries where that is all they may read."""
    buffer = io.StringIO()
    buffer.write("\ufeff")  # a byte order mark, so spreadsheets read the UTF-8 (names, arrows) correctly
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for item in chronology.items:
        entry = item.entry
        writer.writerow(
            [
                csv_cell(value)
                for value in (
                    timezone.localtime(entry.occurred_at).strftime("%Y-%m-%d %H:%M"),
                    entry.get_entry_type_display(),
                    entry.owning_agency.name,
                    author_name(entry),
                    levels.get(entry.classification, entry.classification),
                    "Yes" if entry.significant else "No",
                    entry.title,
                    item.text,
                    "No" if item.full else f"Yes: summary released at {levels.get(1, 'Baseline')}",
                )
            ]
        )
    return buffer.getvalue()


def chronology_pdf(
    chronology: Chronology,
    levels: dict[int, str],
    *,
    referral: Referral,
    reference: str,
    title: str,
    reader: User,
    now: dt.datetime,
) -> bytes:
    """The reader's own view as a PDF, watermarked with their name and the time."""
    name = reader.get_full_name() or reader.username
    document = PdfDocument(title="Chronology", reader=name, generated_at=now)
    document.heading(f"Chronology: {title}")
    document.key_values(
        [
            ("Person", referral.subject.full_name),
            ("Prepared for", name),
            ("Agency", reader.agency.name if reader.agency else ""),
            ("Generated", f"{timezone.localtime(now):%d %B %Y at %H:%M}"),
            ("Entries", str(len(chronology.items))),
        ]
    )
    document.paragraph(
        "This chronology holds only what you may read in Convene at your clearance. "
        "Do not copy or forward it. Its export is recorded in the audit trail.",
        small=True,
    )
    if chronology.withheld:
        document.inset(withheld_text(chronology.withheld))
    baseline = levels.get(1, "Baseline")
    rows = []
    for item in chronology.items:
        entry = item.entry
        text = f"{entry.title}\n{item.text}" if item.text else entry.title
        if not item.full:
            text += f"\n(Summary released at {baseline})"
        if entry.significant:
            text = f"[Significant] {text}"
        rows.append(
            [
                f"{timezone.localtime(entry.occurred_at):%d %b %Y %H:%M}",
                entry.get_entry_type_display(),
                f"{entry.owning_agency.name}\n{author_name(entry)}",
                levels.get(entry.classification, str(entry.classification)),
                text,
            ]
        )
    if rows:
        document.table(["When", "Type", "Agency and author", "Clearance", "Entry"], rows, widths=[24, 24, 32, 20, 74])
    else:
        document.paragraph("There are no entries you can read.")
    return document.render()


def withheld_text(count: int) -> str:
    return f"{count} entr{'ies are' if count != 1 else 'y is'} withheld at a higher classification."


def chronology_download(
    chronology: Chronology,
    levels: dict[int, str],
    *,
    fmt: str,
    referral: Referral,
    reference: str,
    title: str,
    reader: User,
) -> HttpResponse:
    """The export as a download named after the record and the day: never cached, never sniffed."""
    now = timezone.now()
    day = timezone.localdate(now).isoformat()
    if fmt == "csv":
        response = HttpResponse(chronology_csv(chronology, levels), content_type="text/csv; charset=utf-8")
    else:
        pdf = chronology_pdf(
            chronology, levels, referral=referral, reference=reference, title=title, reader=reader, now=now
        )
        response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="chronology-{reference}-{day}.{fmt}"'
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
