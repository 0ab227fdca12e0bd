"""Columns beside the checked ones: other numbers on suppressed rows, and columns named
after a dimension attribute."""

from __future__ import annotations

from collections.abc import Callable

from psycopg2 import sql

from straatkubus.publish.audit.queries import compose
from straatkubus.publish.audit.relations import (
    AREAS,
    CATALOGUE,
    DESCRIPTIVE_COLUMNS,
    DIMENSION_ATTRIBUTES,
    KNOWN_COLUMNS,
    Relation,
)
from straatkubus.publish.audit.report import Finding
from straatkubus.publish.audit.session import Session


def attribute_columns(relation: Relation) -> dict[str, str]:
    """Numeric or boolean columns named after a dimension attribute -> dimension alias."""
    found = {}
    for dimension, alias in ((AREAS, "a"), (CATALOGUE, "i")):
        for name in DIMENSION_ATTRIBUTES[dimension]:
            if relation.columns.get(name) in ("N", "B"):
                found.setdefault(name, alias)
    return found


def other_measures(relation: Relation) -> list[str]:
    """Numeric and boolean columns that are neither keys, nor checked by name, nor a
    description of the row's place, nor a dimension attribute."""
    return relation.measures(KNOWN_COLUMNS | DESCRIPTIVE_COLUMNS | set(attribute_columns(relation)))


def check_measures(session: Session, relation: Relation, state: sql.Composable,
                   labelled: Callable[[sql.Composable], sql.Composable]) -> None:
    """Other numbers (and booleans) on suppressed rows must be null, or one constant on
    all of them (no information): they may be computed from the withheld figure.
    `state` selects the relation's rows with is_published; `labelled(column)` selects
    (area, period, indicator, shown, is_published) for an example."""
    measures = other_measures(relation)
    if not measures:
        return
    aggregates = sql.SQL(", ").join(
        sql.SQL("count({c}) as {shown}, count(distinct {c}) as {distinct}").format(
            c=sql.Identifier(name), shown=sql.Identifier(f"shown_{name}"),
            distinct=sql.Identifier(f"distinct_{name}"))
        for name in measures)
    (suppressed, *counts), = session.rows(
        compose("suppressed_measures", aggregates=aggregates, state=state))
    for index, name in enumerate(measures):
        shown, distinct = counts[2 * index], counts[2 * index + 1]
        if shown == 0 or (shown == suppressed >= 2 and distinct == 1):
            continue
        area, period, indicator, example = session.rows(compose(
            "suppressed_measure_example", labelled=labelled(sql.Identifier(name))))[0]
        session.report.add("measure_in_suppressed_row", shown, [Finding(
            "measure_in_suppressed_row", relation.label, area, period,
            f"{indicator}: {name} = {example} on a suppressed row "
            f"({shown} of {suppressed} suppressed rows carry a {name})")])


def check_attributes(session: Session, relation: Relation) -> None:
    """Columns named after a dimension attribute must equal it (else they may hold
    anything under a harmless name)."""
    attributes = attribute_columns(relation)
    if not attributes:
        return
    differs = sql.SQL(", ").join(
        sql.SQL("case when t.{c} is distinct from {alias}.{c} then {name} end").format(
            c=sql.Identifier(name), alias=sql.Identifier(alias), name=sql.Literal(name))
        for name, alias in sorted(attributes.items()))
    session.examples(compose("attribute_mismatches", differs=differs, table=relation.ident,
                             label=sql.Literal(relation.label)))
