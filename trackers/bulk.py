"""Multi-row writes: one statement per table with one array per column (PostgreSQL ``unnest``).

Passing one array per column keeps the statement text constant, so the driver does not
parse a huge query and PostgreSQL plans it once.
"""

from __future__ import annotations


def unnest_source(columns: list[tuple[str, str]], rows: list[tuple]) -> tuple[str, list]:
    """``SELECT * FROM unnest(...) AS s(cols)`` and its params (PostgreSQL)."""
    arrays = [list(values) for values in zip(*rows, strict=True)] if rows else [[] for _ in columns]
    casts = ", ".join(f"%s::{pg_type}[]" for _name, pg_type in columns)
    names = ", ".join(name for name, _type in columns)
    return f"SELECT * FROM unnest({casts}) AS s({names})", arrays


def bulk_insert(
    cursor, table: str, columns: list[tuple[str, str]], rows: list[tuple], suffix: str = ""
) -> list:
    """INSERT many rows (``suffix``: ON CONFLICT / RETURNING); returns fetched rows when RETURNING."""
    if not rows:
        return []
    names = ", ".join(name for name, _type in columns)
    source, params = unnest_source(columns, rows)
    cursor.execute(f"INSERT INTO {table} ({names}) {source} {suffix}", params)
    return cursor.fetchall() if "RETURNING" in suffix else []
