"""Value tables (like marts.fct_area_signals): values only where marts.fct_area_indicators
publishes the cell, and the same value."""

from __future__ import annotations

from psycopg2 import sql

from straatkubus.publish.audit.columns import check_measures, other_measures
from straatkubus.publish.audit.queries import compose, query
from straatkubus.publish.audit.relations import PUBLISHED_CELLS, Relation
from straatkubus.publish.audit.report import RelationSummary
from straatkubus.publish.audit.session import Session


def check_value_table(session: Session, relation: Relation, summary: RelationSummary) -> None:
    measures = sql.SQL("").join(sql.SQL("t.{}, ").format(sql.Identifier(name))
                                for name in other_measures(relation))
    session.execute(compose("value_state", measures=measures, table=relation.ident,
                            fct=sql.Literal(session.cell_ids[PUBLISHED_CELLS])))
    summary.rows, summary.checked = session.rows(query("value_counts"))[0]
    session.examples(compose("value_checks", label=sql.Literal(relation.label)))
    check_measures(session, relation, sql.SQL(query("value_state_rows")),
                   lambda column: compose("value_state_labels", column=column))
