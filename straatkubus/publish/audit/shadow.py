"""A build's shadow marts audited as the readers would see them once published."""

from __future__ import annotations

from psycopg2 import sql

from straatkubus.publish.audit.queries import compose, query


def stand_in_for_marts(cur, schema: str, reader: str) -> None:
    """Inside the caller's transaction, which must be rolled back: `schema` takes the place
    of `marts` and the reader's USAGE; the live marts move aside, out of the reader's reach,
    so that the audit sees the shadow alone."""
    cur.execute(query("schema_exists"), {"schema": "marts"})
    if cur.fetchone():
        cur.execute(compose("live_marts_aside", live=sql.Identifier(f"{schema}_live"),
                            reader_role=sql.Identifier(reader)))
    cur.execute(compose("shadow_as_marts", shadow=sql.Identifier(schema),
                        reader_role=sql.Identifier(reader)))
