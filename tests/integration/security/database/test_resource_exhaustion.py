"""The heaviest query through Superset ends with a Dutch error and the server stays up."""

from __future__ import annotations

import re

import pytest

from ..client import REJECTED, dataset_query
from .connections import scalar

pytestmark = pytest.mark.stack


EXHAUSTION = {
    "memory": "length(repeat('x', 900000000 + {n}))",  # eight of them: 7 GB for one row
    "time": "length(pg_sleep(600)::text) + {n}",
}


@pytest.mark.parametrize("kind", sorted(EXHAUSTION))
def test_exhausting_queries_end_with_a_dutch_error_and_the_server_stays_up(
    kind, superset_stack, viewer_sessions, datasets
):
    started = scalar(superset_stack, "select pg_postmaster_start_time()")
    metrics = [{"expressionType": "SQL", "sqlExpression": f"max({EXHAUSTION[kind].format(n=n)})", "label": f"m{n}"}
               for n in range(8)]
    query = {"columns": [], "metrics": metrics, "row_limit": 10, "extras": {"where": "", "having": ""}}
    body = dataset_query(datasets["fct_area_signals"], query, force=True)
    response = viewer_sessions["heerlen-wijkteam"].post(f"{superset_stack.superset_url}/api/v1/chart/data",
                                                        json=body, timeout=300)
    assert response.status_code in REJECTED, response.text[:300]
    assert re.search("te lang|te veel geheugen", response.json()["message"]), response.text[:300]
    assert scalar(superset_stack, "select pg_postmaster_start_time()") == started
