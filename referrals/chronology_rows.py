"""The chronology laid out for pages: formatting done once per entry here, not in template loops."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.dateformat import format as date_format

from core.web import url_for_id
from referrals.selectors import Chronology, ChronologyItem


@dataclass
class EntryRow:
    """One chronology item, laid out for the page (formatting done once here, not in template loops)."""

    item: ChronologyItem
    level: str
    when: str
    type: str
    author: str
    documents: list[Any]
    significance_url: str


def entry_rows(chronology: Chronology, levels: dict[int, str]) -> list[EntryRow]:
    significance_url = url_for_id("cases:entry_significance")
    rows = []
    for item in chronology.items:
        entry = item.entry
        rows.append(
            EntryRow(
                item=item,
                level=levels.get(entry.classification, str(entry.classification)),
                when=date_format(timezone.localtime(entry.occurred_at), "j F Y H:i"),
                type=entry.get_entry_type_display(),
                author=author_name(entry, system="recorded by Convene"),
                documents=list(entry.documents.all()) if item.full else [],
                significance_url=significance_url(entry.pk),
            )
        )
    return rows


def author_name(entry: Any, system: str = "Convene (automatic)") -> str:
    user = entry.created_by
    return (user.get_full_name() or user.username) if user else system
