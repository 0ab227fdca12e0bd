"""Cell tables (like marts.fct_area_indicators): the primary rules per cell, one value per
quantity, and differencing between areas, between a year and its months, and of the
complements of shares."""

from __future__ import annotations

from psycopg2 import sql

from straatkubus.publish.audit.columns import check_attributes, check_measures
from straatkubus.publish.audit.queries import compose, query
from straatkubus.publish.audit.relations import Relation
from straatkubus.publish.audit.report import RelationSummary
from straatkubus.publish.audit.session import Session

# A recomputed value may differ by the rounding of the published value: one decimal, or
# whole euros for an average amount.
VALUE_TOLERANCE = {"euro": 0.5}
DEFAULT_VALUE_TOLERANCE = 0.05


def prepare_cells(session: Session, cells: list[Relation]) -> None:
    """`audit_cells`: every cell table in one shape; `audit_cell_rows`: the same with
    integer keys, materialised once."""
    parts = []
    for relation_id, relation in enumerate(cells, start=1):
        session.cell_ids[relation.key] = relation_id
        columns = relation.columns

        def column(name: str, cast: str, columns=columns) -> sql.Composable:
            if name in columns:
                return sql.SQL("{}::{}").format(sql.Identifier(name), sql.SQL(cast))
            return sql.SQL("null::{}").format(sql.SQL(cast))

        if "is_suppressed" in columns:
            published = sql.SQL("is_suppressed is not true")
        else:
            shown = [sql.Identifier(name) for name in ("numerator", "denominator", "value")
                     if name in columns]
            published = sql.SQL("num_nonnulls({}) > 0").format(sql.SQL(", ").join(shown))
        session.published[relation.key] = published
        parts.append(compose(
            "cell_table", relation_id=sql.Literal(relation_id),
            numerator=column("numerator", "numeric"), denominator=column("denominator", "numeric"),
            value=column("value", "numeric"), published=published,
            reason=column("suppression_reason", "text"), table=relation.ident))
    if not parts:
        parts.append(sql.SQL(query("no_cell_tables")))
    session.execute(compose("cells", cell_tables=sql.SQL(" union all ").join(parts)))
    session.execute(query("cell_relations"), {
        "relation_ids": [session.cell_ids[relation.key] for relation in cells],
        "relation_names": [relation.label for relation in cells]})
    session.execute(query("cell_rows"))


def check_cell_tables(session: Session, cells: list[Relation],
                      summaries: dict[tuple[str, str], RelationSummary]) -> None:
    """Every rule on the cells, one query each over all cell tables; then each table's
    other columns."""
    for relation in cells:
        summaries[relation.key].rows, summaries[relation.key].checked = session.rows(
            query("cell_counts"), {"relation_id": session.cell_ids[relation.key]})[0]
    tolerance = sql.SQL("case i.unit {} else {} end").format(
        sql.SQL(" ").join(sql.SQL("when {} then {}").format(sql.Literal(unit), sql.Literal(value))
                          for unit, value in VALUE_TOLERANCE.items()),
        sql.Literal(DEFAULT_VALUE_TOLERANCE))
    session.examples(compose("cell_checks", tolerance=tolerance))
    session.execute(query("known"))
    session.examples(query("known_checks"))
    session.examples(query("differencing"))
    session.examples(query("reasons"))
    for relation in cells:
        published = session.published[relation.key]
        state = compose("cell_table_state", published=published, table=relation.ident)

        def labelled(column: sql.Composable, published=published, table=relation.ident):
            return compose("cell_table_labels", column=column, published=published, table=table)

        check_measures(session, relation, state, labelled)
        check_attributes(session, relation)
