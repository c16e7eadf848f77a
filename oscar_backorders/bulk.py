"""Append many rows with one parametrised ``INSERT`` per batch (``executemany``).

For the audit trail of bulk operations (thousands of ``BackorderEvent`` rows in one restock or
recompute): the ORM's ``bulk_create`` spends most of such a run building SQL in Python, and on
SQLite splits it into batches of ~100 rows. Values are adapted with the backend's own
operations, exactly as the ORM would. Only the named fields are written: a fork that adds a
required field without a database default must give it one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, router

_BATCH = 10_000


def insert_rows(model: Any, fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (values in ``fields`` order, already Python values) into ``model``."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    model_fields = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in model_fields)
    placeholders = ", ".join(["%s"] * len(model_fields))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"
    memo: dict[tuple[int, Any], Any] = {}

    def prep(index: int, value: Any) -> Any:
        if value is None:
            return None
        key = (index, value)
        try:
            return memo[key]
        except KeyError:
            memo[key] = model_fields[index].get_db_prep_save(value, connection)
            return memo[key]
        except TypeError:  # unhashable: not memoised
            return model_fields[index].get_db_prep_save(value, connection)

    # Ids and free text are passed as they are; other values are adapted once per distinct value.
    plain = {i for i, f in enumerate(model_fields) if f.get_internal_type() in _AS_IS}
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _BATCH):
            cursor.executemany(
                sql,
                [
                    tuple(v if i in plain else prep(i, v) for i, v in enumerate(row))
                    for row in rows[start : start + _BATCH]
                ],
            )


_AS_IS = {
    "ForeignKey",
    "CharField",
    "TextField",
    "IntegerField",
    "PositiveIntegerField",
    "BigIntegerField",
}
