"""PostgreSQL ``COPY`` for the bulk loader: values in COPY text format, column lists that fill
fields the generator does not know, and ids, change sequence numbers and references reserved
inside the batch's transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.management.base import CommandError
from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED


class SeedError(CommandError):
    pass


NULL = r"\N"


def copy_text(value: Any) -> str:
    """A value in COPY text format (for constants; generated values are kept free of special characters)."""
    value = getattr(value, "obj", value)  # psycopg Jsonb
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        text = value.isoformat()
    elif isinstance(value, dict):
        text = json.dumps(value)
    elif isinstance(value, list | tuple):
        text = "{" + ",".join('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in value) + "}"
    else:
        text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


@dataclass(frozen=True)
class CopySpec:
    """Columns for COPY: the generated ones, then constants for any field the generator does not know.

    Other features add fields to these models; a NOT NULL field with a Python default gets that default,
    a field with a database default is left to the database, and anything else stops the load clearly.
    """

    table: str
    columns: tuple[str, ...]
    suffix: str

    @classmethod
    def for_model(cls, model: type[models.Model], generated: Sequence[str], now: datetime) -> CopySpec:
        by_column = {str(f.column): f for f in model._meta.concrete_fields}
        unknown = [c for c in generated if c not in by_column]
        if unknown:
            raise SeedError(f"{model._meta.label} has no column(s) {unknown}; seed_scale is out of date.")
        extra_columns: list[str] = []
        extra_values: list[str] = []
        for column, field in by_column.items():
            if column in generated or field.primary_key:
                continue
            if getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value: Any = now
            elif field.has_default() or field.null or field.empty_strings_allowed:
                value = field.get_db_prep_save(field.get_default(), connection)
            else:
                raise SeedError(f"seed_scale does not know how to fill {model._meta.label}.{field.name}.")
            if value is None and not field.null:
                raise SeedError(f"seed_scale does not know how to fill {model._meta.label}.{field.name}.")
            extra_columns.append(column)
            extra_values.append(copy_text(value))
        suffix = "".join("\t" + v for v in extra_values)
        return cls(model._meta.db_table, (*generated, *extra_columns), suffix)

    @property
    def sql(self) -> str:
        cols = ", ".join(f'"{c}"' for c in self.columns)
        return f'COPY "{self.table}" ({cols}) FROM STDIN'


def copy_rows(spec: CopySpec, lines: list[str], chunk: int = 5000) -> None:
    """Stream the lines in chunks so the server works while the next chunk is joined."""
    raw = connection.connection  # psycopg 3
    with raw.cursor() as cursor, cursor.copy(spec.sql) as copy:
        suffix = spec.suffix
        for start in range(0, len(lines), chunk):
            part = lines[start : start + chunk]
            if suffix:
                copy.write("".join(line + suffix + "\n" for line in part))
            else:
                copy.write("\n".join(part) + "\n")


def nextvals(sequence_sql: str, count: int) -> list[int]:
    """``count`` values from a sequence, ascending (safe next to other writers)."""
    if count == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT nextval({sequence_sql}) FROM generate_series(1, %s)", [count])  # noqa: S608
        values = [row[0] for row in cursor.fetchall()]
    values.sort()
    return values


def identity_sequence(model: type[models.Model]) -> str:
    return f"pg_get_serial_sequence('{model._meta.db_table}', '{model._meta.pk.column}')"


def reserve_references(counts: dict[int, int]) -> dict[int, int]:
    """Advance each year's reference counter by the batch's count; the first number of the block per year.

    Runs inside the batch's transaction: the counter row stays locked until the batch commits, and a
    failed batch gives its numbers back.
    """
    first: dict[int, int] = {}
    with connection.cursor() as cursor:
        for year, count in sorted(counts.items()):
            cursor.execute(
                """
                INSERT INTO referrals_referralsequence (year, last_number) VALUES (%s, %s)
                ON CONFLICT (year) DO UPDATE
                  SET last_number = referrals_referralsequence.last_number + EXCLUDED.last_number
                RETURNING last_number
                """,
                [year, count],
            )
            first[year] = cursor.fetchone()[0] - count + 1
    return first
