"""The DuckDB reference: the project's models, staging to marts, built on DuckDB from the
warehouse's raw rows (the PostGIS models handed over) give marts identical to
PostgreSQL's, and the compact keys that decide secondary suppression are the same."""

from __future__ import annotations

import duckdb
from conftest import query

from straatkubus.bench.reference import duckdb_reference

# grep ST_ in models/: every model that needs PostGIS is computed in PostgreSQL
POSTGIS_MODELS = ("dim_areas", "int_addresses_assigned_to_wijken", "int_pc6_areas_derived",
                  "int_pc6_border_neighbours", "stg_bag__addresses",
                  "stg_cbs__municipality_areas", "stg_cbs__pc4_areas", "stg_cbs__wijken")
COMPACT_KEYS = ("select distinct area_id, quantity_id "
                "from intermediate.int_area_quantities_protected")


def test_duckdb_builds_marts_identical_to_postgresql(warehouse):
    reference = duckdb_reference(warehouse, lambda message: None)

    published = query(warehouse, "select table_name from information_schema.tables "
                                 "where table_schema = 'marts'")
    assert sorted(mart.name for mart in reference.marts) == sorted(name for (name,) in published)
    assert reference.handed_over == POSTGIS_MODELS
    different = {mart.name: (mart.postgres, mart.duckdb) for mart in reference.marts
                 if not mart.equal}
    assert not different, different
    assert all(mart.postgres[0] > 0 for mart in reference.marts)
    assert reference.identical == len(reference.marts) >= 5
    assert reference.raw_rows > 0 and reference.build_seconds > 0

    # the hashes of the area keys and quantity codes, computed by each engine itself
    db = duckdb.connect(str(warehouse.duckdb_folder / "warehouse.duckdb"), read_only=True)
    try:
        in_duckdb = set(db.execute(COMPACT_KEYS).fetchall())
    finally:
        db.close()
    in_postgresql = set(query(warehouse, COMPACT_KEYS))
    assert len(in_postgresql) > 1000
    assert in_duckdb == in_postgresql
