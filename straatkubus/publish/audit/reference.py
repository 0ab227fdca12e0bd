"""What the other checks compare against: periods, indicators, quantities and areas from
marts.dim_indicators and marts.dim_areas, with integer keys, and the areas' relations."""

from __future__ import annotations

from straatkubus.publish.audit.queries import query
from straatkubus.publish.audit.session import Session


def prepare_reference(session: Session) -> None:
    session.execute(query("helpers"))
    session.execute(query("reference"))
    regions = session.rows(query("region_count"))[0][0]
    if regions != 1:
        session.report.notes.append(f"{regions} regio areas in marts.dim_areas: the relations "
                                    "to regio are not checked")
    session.execute(query("edges"), {"one_region": regions == 1})
    session.examples(query("unknown_pc4"))
