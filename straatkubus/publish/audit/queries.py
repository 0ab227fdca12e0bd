"""The audit's SQL: one file per statement (or script) in `sql/`, linted by sqlfluff.

A file holds two kinds of placeholders, both linted as parameters (`sql/.sqlfluff`):

- `%(name)s`: a query parameter, bound by psycopg2 when the statement runs; a file run
  with parameters writes a literal percent sign as `%%`, also in its comments;
- `{name}`: an identifier, literal or SQL fragment composed in Python with psycopg2.sql
  (`compose`); only files read through `compose` have them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from psycopg2 import sql

SQL_DIR = Path(__file__).parent / "sql"


@cache
def query(name: str) -> str:
    """The text of `sql/<name>.sql`, read once."""
    return (SQL_DIR / f"{name}.sql").read_text()


def compose(name: str, **parts: sql.Composable) -> sql.Composed:
    """`sql/<name>.sql` with its `{name}` placeholders filled in."""
    return sql.SQL(query(name)).format(**parts)
