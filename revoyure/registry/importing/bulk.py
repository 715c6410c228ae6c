"""Inserting imported tools and their first history entry in bulk.

`simple_history.utils.bulk_create_with_history` (Django's `bulk_create` underneath) sends every value of
every row through the field API; with some 80 columns per tool and per history row that was three quarters
of an import's time, and held the import under 1,100 rows/s where the target is 2,000 (PRODUCT.md §4).
Here the columns and one converter per column are worked out once, tools go in with multi-row
`INSERT … RETURNING id` (their ids are needed for the history) and history rows with `executemany`.

django-simple-history still owns the history table: its columns are read from the `HistoricalTool` model,
and the four columns it adds (date, user, reason, type "+") are filled exactly as `bulk_history_create`
does. On a database that cannot return ids from a multi-row insert, the library's function is used.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from typing import Any

from django.db import connection, models
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from revoyure.registry.models import Tool

BATCH_SIZE = 500
# Values of these column types go to the database driver as they are.
_PLAIN_TYPES = frozenset({
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "ForeignKey", "IntegerField",
    "PositiveBigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField", "SmallIntegerField",
    "TextField",
})  # fmt: skip
Adapter = Callable[[Any], Any] | None


def _adapter(field: models.Field) -> Adapter:
    kind = field.get_internal_type()
    if kind in _PLAIN_TYPES:
        return None
    ops = connection.ops
    if kind == "DateField":
        return ops.adapt_datefield_value
    if kind == "DateTimeField":
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DecimalField):
        digits, places = field.max_digits, field.decimal_places
        return lambda value: ops.adapt_decimalfield_value(value, digits, places)
    return lambda value: field.get_db_prep_save(value, connection)


def _max_params() -> int:
    """Parameters one statement may carry. Django assumes SQLite's old limit of 999; the library in use
    says its own (32,766 since SQLite 3.32), and fewer, larger statements are faster."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        try:
            return int(connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
        except AttributeError:  # Python < 3.11
            return 999
    return int(connection.features.max_query_params or 65535)


class _Table:
    def __init__(self, model: type[models.Model], skip: str) -> None:
        self.fields = [f for f in model._meta.concrete_fields if f.attname != skip]
        self.attnames = [f.attname for f in self.fields]
        self.adapters = [_adapter(f) for f in self.fields]
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.columns = ", ".join(quote(f.column) for f in self.fields)
        self.placeholders = "(" + ", ".join(["%s"] * len(self.fields)) + ")"

    def insert_sql(self, rows: int, returning: str = "") -> str:
        values = ", ".join([self.placeholders] * rows)
        sql = f"INSERT INTO {self.table} ({self.columns}) VALUES {values}"  # noqa: S608 - names from the model
        return f"{sql} RETURNING {connection.ops.quote_name(returning)}" if returning else sql

    def params(self, obj: Any, fixed: dict[str, Any] | None = None) -> list[Any]:
        values = []
        for attname, adapt in zip(self.attnames, self.adapters, strict=True):
            value = fixed[attname] if fixed and attname in fixed else getattr(obj, attname)
            values.append(value if adapt is None or value is None else adapt(value))
        return values


class ToolWriter:
    """Collects unsaved tools and writes them with their "+" history entry, batch by batch."""

    def __init__(self, actor: Any, reason: str) -> None:
        self.actor = actor
        self.reason = reason
        self.count = 0
        self.batch: list[Tool] = []
        self.fast = bool(connection.features.can_return_rows_from_bulk_insert)
        if self.fast:
            self.tools = _Table(Tool, skip="id")
            self.history = _Table(Tool.history.model, skip="history_id")
            self.rows_per_insert = max(1, min(BATCH_SIZE, _max_params() // len(self.tools.fields)))

    def add(self, tool: Tool) -> None:
        self.batch.append(tool)
        if len(self.batch) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        if self.fast:
            self._insert(self.batch, timezone.now())
        else:
            bulk_create_with_history(
                self.batch,
                Tool,
                batch_size=BATCH_SIZE,
                default_user=self.actor,
                default_change_reason=self.reason,
            )
        self.count += len(self.batch)
        self.batch = []

    def _insert(self, tools: list[Tool], now: dt.datetime) -> None:
        fixed = {
            "history_date": now,
            "history_change_reason": self.reason,
            "history_type": "+",
            "history_user_id": getattr(self.actor, "pk", None),
        }
        with connection.cursor() as cursor:
            for start in range(0, len(tools), self.rows_per_insert):
                chunk = tools[start : start + self.rows_per_insert]
                params: list[Any] = []
                for tool in chunk:
                    tool.created_at = tool.updated_at = now  # what auto_now(_add) would set
                    params.extend(self.tools.params(tool))
                cursor.execute(self.tools.insert_sql(len(chunk), returning="id"), params)
                for tool, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                    tool.pk = pk
                    tool._state.adding = False
                    tool._state.db = connection.alias
            cursor.executemany(
                self.history.insert_sql(1), [self.history.params(tool, fixed) for tool in tools]
            )
