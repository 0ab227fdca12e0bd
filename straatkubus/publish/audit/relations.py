"""What the reader can read, and what kind of relation each is."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg2
from psycopg2 import sql

from straatkubus.publish.audit.queries import query
from straatkubus.publish.audit.report import AuditReport, Finding
from straatkubus.settings import Settings

KEY_COLUMNS = ("area_level", "area_code", "municipality_code", "period_code", "indicator_code")
# Columns of a cell or value table that are keys or checked by name, not "other measures".
KNOWN_COLUMNS = {*KEY_COLUMNS, "period_year", "period_month", "numerator", "denominator",
                 "value", "is_suppressed"}
CATALOGUE = ("marts", "dim_indicators")
AREAS = ("marts", "dim_areas")
PUBLISHED_CELLS = ("marts", "fct_area_indicators")
# The numeric and boolean columns the known dimensions may have: descriptive attributes,
# never counts. Another number in a dimension is a finding until it is added here.
DIMENSION_ATTRIBUTES = {
    CATALOGUE: {"min_cell_size", "min_denominator", "rounding_base", "is_higher_worse",
                "is_share", "is_event"},
    AREAS: {"area_id", "centroid_longitude", "centroid_latitude"},
}
# Numbers in a value table that describe the row's place, not its data (the border zone's
# distance to the viewing municipality): allowed on suppressed rows. Add here only numbers
# that cannot depend on any count.
DESCRIPTIVE_COLUMNS = {"distance_m"}


@dataclass
class Relation:
    schema: str
    name: str
    extension: str | None
    columns: dict[str, str]  # readable column -> pg type category (N numeric, B boolean, ...)

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def ident(self) -> sql.Composable:
        return sql.Identifier(self.schema, self.name)

    def measures(self, exclude: set[str]) -> list[str]:
        """Readable numeric and boolean columns not in `exclude`."""
        return sorted(name for name, category in self.columns.items()
                      if category in ("N", "B") and name not in exclude)


def readable_relations(cur, reader: str) -> list[Relation]:
    cur.execute(query("readable_relations"), {"reader": reader})
    found = cur.fetchall()
    columns: dict[int, dict[str, str]] = {oid: {} for oid, *_ in found}
    if found:
        cur.execute(query("readable_columns"), {"oids": list(columns), "reader": reader})
        for oid, name, category in cur.fetchall():
            columns[oid][name] = category
    return [Relation(schema, name, extension, columns[oid])
            for oid, schema, name, extension in found]


def definer_functions(cur, reader: str) -> list[str]:
    """SECURITY DEFINER functions (not an extension's) the reader may execute."""
    cur.execute(query("definer_functions"), {"reader": reader})
    return [name for (name,) in cur.fetchall()]


def classify(relation: Relation) -> str:
    if relation.extension:
        return "extension"
    if relation.key in DIMENSION_ATTRIBUTES:
        return "dimension"
    columns = set(relation.columns)
    if not set(KEY_COLUMNS) <= columns:
        return "unaudited"
    if "numerator" in columns:
        return "cell table"
    if "value" in columns and "denominator" not in columns:
        return "value table"
    return "unaudited"


def other_databases(conn, settings: Settings, report: AuditReport) -> None:
    """Relations the reader could read in another database it may connect to."""
    with conn.cursor() as cur:
        cur.execute(query("connectable_databases"), {"reader": settings.reader_user})
        databases = cur.fetchall()
    inspected, templates = [], []
    for database, is_template in databases:
        if is_template:
            # connecting to a template would block CREATE DATABASE elsewhere
            templates.append(database)
            continue
        try:
            other = psycopg2.connect(settings.dsn(database=database))
        except psycopg2.Error as error:
            report.notes.append(f"could not inspect database {database}: {error}".strip())
            continue
        try:
            with other.cursor() as cur:
                relations = readable_relations(cur, settings.reader_user)
        finally:
            other.close()
        inspected.append(database)
        unaudited = [r for r in relations if not r.extension]
        report.add("unaudited_relation", len(unaudited), [
            Finding("unaudited_relation", f"{database}:{r.label}", "", "",
                    f"readable by {settings.reader_user} in another database")
            for r in unaudited])
    if inspected:
        report.notes.append(f"{settings.reader_user} may also connect to {', '.join(inspected)} "
                            "(inspected for readable relations)")
    if templates:
        report.notes.append(f"{settings.reader_user} may connect to template database(s) "
                            f"{', '.join(templates)} (not inspected; revoke CONNECT from PUBLIC "
                            "to close this)")
