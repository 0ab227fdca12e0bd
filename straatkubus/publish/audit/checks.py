"""The checks in their order: classify what the reader can read, then check each kind."""

from __future__ import annotations

from straatkubus.publish.audit.cells import check_cell_tables, prepare_cells
from straatkubus.publish.audit.columns import check_attributes
from straatkubus.publish.audit.queries import compose
from straatkubus.publish.audit.reference import prepare_reference
from straatkubus.publish.audit.relations import (
    AREAS,
    CATALOGUE,
    DIMENSION_ATTRIBUTES,
    PUBLISHED_CELLS,
    Relation,
    classify,
    definer_functions,
    readable_relations,
)
from straatkubus.publish.audit.report import Finding, RelationSummary
from straatkubus.publish.audit.session import Session
from straatkubus.publish.audit.values import check_value_table


def run_checks(session: Session) -> None:
    report, reader = session.report, session.reader
    relations = readable_relations(session.cur, reader)
    functions = definer_functions(session.cur, reader)
    report.add("unaudited_function", len(functions), [
        Finding("unaudited_function", name, "", "", f"executable by {reader}")
        for name in functions])

    kinds = {relation.key: classify(relation) for relation in relations}
    summaries = {r.key: RelationSummary(r.label, kinds[r.key]) for r in relations}
    report.relations = list(summaries.values())
    for relation in relations:
        if kinds[relation.key] == "extension":
            summaries[relation.key].note = f"extension {relation.extension}: not audited"
        if kinds[relation.key] == "unaudited":
            report.add("unaudited_relation", 1, [Finding(
                "unaudited_relation", relation.label, "", "",
                f"readable by {reader}; columns: {', '.join(sorted(relation.columns))}")])
        if kinds[relation.key] == "dimension":
            check_dimension(session, relation, summaries[relation.key])
    cells = [r for r in relations if kinds[r.key] == "cell table"]
    values = [r for r in relations if kinds[r.key] == "value table"]

    missing = [".".join(name) for name in (CATALOGUE, AREAS) if not session.exists(*name)]
    if values and PUBLISHED_CELLS not in {r.key for r in cells}:
        missing.append(".".join(PUBLISHED_CELLS))
    report.add("missing_reference", len(missing), [
        Finding("missing_reference", name, "", "",
                f"missing or not readable by {reader} as a cell table: the relations "
                "that depend on it cannot be checked") for name in missing])
    if missing:
        return

    prepare_reference(session)
    prepare_cells(session, cells)
    check_cell_tables(session, cells, summaries)
    for relation in values:
        check_value_table(session, relation, summaries[relation.key])
        check_attributes(session, relation)


def check_dimension(session: Session, relation: Relation, summary: RelationSummary) -> None:
    """A known dimension: numbers and booleans only in its descriptive attributes."""
    summary.rows = session.rows(compose("row_count", table=relation.ident))[0][0]
    extra = relation.measures(DIMENSION_ATTRIBUTES[relation.key])
    session.report.add("unaudited_column", len(extra), [
        Finding("unaudited_column", relation.label, "", "",
                f"column {name} is not a known attribute of this dimension")
        for name in extra])
