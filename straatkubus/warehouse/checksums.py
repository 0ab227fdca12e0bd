"""Checksums of the warehouse's relations: proof that a refactoring changed no result.

Per table or view of the given schemas: its row count and an md5 over its rows that does
not depend on their order (the md5 of the sorted md5s of the rows as text). Record them
before a change, rebuild in full after it, and compare.
"""

from __future__ import annotations

import psycopg2
from psycopg2 import sql

from straatkubus.settings import Settings

RELATIONS = """
select n.nspname, c.relname
from pg_class as c
inner join pg_namespace as n on c.relnamespace = n.oid
where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm')
order by n.nspname, c.relname
"""
CHECKSUM = """
select count(*), coalesce(md5(string_agg(row_md5, '' order by row_md5)), '')
from (select md5(t::text) as row_md5 from {} as t) as rows
"""


def checksums(settings: Settings, schemas: list[str]) -> dict[str, tuple[int, str]]:
    """`schema.relation` → (row count, md5 of its rows), as the cluster superuser (row-level
    security does not hide rows from it)."""
    conn = psycopg2.connect(settings.dsn(), application_name="straatkubus checksum")
    try:
        with conn.cursor() as cur:
            cur.execute(RELATIONS, (schemas,))
            result = {}
            for schema, name in cur.fetchall():
                cur.execute(sql.SQL(CHECKSUM).format(sql.Identifier(schema, name)))
                rows, digest = cur.fetchone()
                result[f"{schema}.{name}"] = (rows, digest)
            return result
    finally:
        conn.close()


def render(sums: dict[str, tuple[int, str]]) -> str:
    """One line per relation: `schema.relation rows md5`."""
    return "".join(f"{name} {rows} {digest}\n" for name, (rows, digest) in sums.items())


def parse(text: str) -> dict[str, tuple[int, str]]:
    """The inverse of render."""
    sums = {}
    for line in text.splitlines():
        if line.strip():
            name, rows, digest = line.split()
            sums[name] = (int(rows), digest)
    return sums


def differences(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    """What differs between two sets of checksums, one line per relation; empty if nothing."""
    lines = []
    for name in sorted(before.keys() | after.keys()):
        if name not in after:
            lines.append(f"{name}: gone")
        elif name not in before:
            lines.append(f"{name}: new ({after[name][0]} rows)")
        elif before[name] != after[name]:
            lines.append(f"{name}: {before[name][0]} rows {before[name][1]} → "
                         f"{after[name][0]} rows {after[name][1]}")
    return lines
