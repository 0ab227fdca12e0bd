"""`audit()`: every check in one transaction as the warehouse owner, rolled back."""

from __future__ import annotations

import time

import psycopg2

from straatkubus.publish.audit.checks import run_checks
from straatkubus.publish.audit.queries import query
from straatkubus.publish.audit.relations import other_databases
from straatkubus.publish.audit.report import AuditError, AuditReport
from straatkubus.publish.audit.session import Session
from straatkubus.publish.audit.shadow import stand_in_for_marts
from straatkubus.settings import Settings


def audit(settings: Settings, *, max_examples: int = 10, schema: str = "marts") -> AuditReport:
    """Audit everything `settings.reader_user` can read in `settings.pg_database`.

    With another `schema` (a build's shadow marts), that schema is audited as the readers
    would see it once published: inside the audit's own transaction, which is rolled back,
    it takes the place of `marts` and the reader's USAGE.
    """
    started = time.monotonic()
    report = AuditReport(database=settings.pg_database, reader=settings.reader_user)
    try:
        conn = psycopg2.connect(settings.dsn())
    except psycopg2.Error as error:
        raise AuditError(f"cannot connect to {settings.pg_database}: {error}") from error
    try:
        with conn.cursor() as cur:
            cur.execute(query("reader_role"), {"reader": settings.reader_user})
            if cur.fetchone() is None:
                raise AuditError(f"role {settings.reader_user} does not exist")
            cur.execute(query("transaction_settings"))
            if schema != "marts":
                stand_in_for_marts(cur, schema, settings.reader_user)
            run_checks(Session(cur, settings.reader_user, report, max_examples))
        other_databases(conn, settings, report)
    except psycopg2.Error as error:
        raise AuditError(f"the audit failed on {settings.pg_database}: {error}") from error
    finally:
        conn.rollback()
        conn.close()
    report.seconds = time.monotonic() - started
    return report
