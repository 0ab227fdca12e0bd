"""The warehouse built from generated deliveries, through the real command line and dbt."""

from __future__ import annotations

import csv
import subprocess
import sys

import psycopg2
import pytest

from straatkubus.load import DeliveryRefused, load_file
from straatkubus.settings import MUNICIPALITIES, REPO, Settings


def query(settings: Settings, sql: str, params=(), **connect):
    conn = psycopg2.connect(settings.dsn(**connect))
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    finally:
        conn.close()


def as_reader(settings: Settings, sql: str):
    return query(settings, sql, user=settings.reader_user, password=settings.reader_password)


def test_mart_counts_every_generated_inhabitant_per_municipality(warehouse):
    generated = {}
    for path in (warehouse.state_dir / "deliveries").glob("brp_persons__*.csv"):
        with open(path) as handle:
            generated[path.name.split("__")[1]] = sum(1 for _ in csv.reader(handle)) - 1
    counted = dict(query(warehouse, """
        select municipality_code, sum(numerator) from intermediate.int_pc6_indicator_counts
        where indicator_code = 'inwoners' group by 1"""))
    assert set(counted) == set(MUNICIPALITIES)
    assert counted == generated


def test_every_published_pc6_area_is_one_polygon_inside_its_pc4(warehouse):
    rows = query(warehouse, """
        select count(*),
               count(*) filter (where st_geometrytype(st_geomfromgeojson(area_geojson))
                                <> 'ST_Polygon'),
               count(*) filter (where not st_within(
                   st_pointonsurface(a.area), st_buffer(p.boundary, 1)))
        from intermediate.int_pc6_areas_derived a
        join staging.stg_cbs__pc4_areas p using (pc4_code)""")
    total, not_polygon, outside = rows[0]
    assert total > 500 and not_polygon == 0 and outside == 0


def test_superset_reader_sees_the_marts_and_nothing_else(warehouse):
    assert as_reader(warehouse, "select count(*) from marts.fct_pc6_indicators")[0][0] > 0
    for relation in ("raw.brp_persons", "staging.stg_brp__persons",
                     "intermediate.int_addresses_with_residents", "raw.deliveries"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            as_reader(warehouse, f"select 1 from {relation} limit 1")
    with pytest.raises(psycopg2.OperationalError):
        query(warehouse, "select 1", database=warehouse.superset_database,
              user=warehouse.reader_user, password=warehouse.reader_password)


def test_no_identifier_or_birth_date_column_is_readable_by_superset(warehouse):
    columns = as_reader(warehouse, """
        select table_schema, table_name, column_name from information_schema.columns
        where table_schema not in ('pg_catalog', 'information_schema')""")
    assert columns, "the reader should see the marts"
    assert {schema for schema, _, _ in columns} <= {"marts", "public"}
    leaking = [c for c in columns if any(word in c[2] for word in ("bsn", "birth", "person"))]
    assert leaking == []


def test_no_bsn_is_stored_anywhere(warehouse):
    with open(next((warehouse.state_dir / "deliveries").glob("brp_persons__*.csv"))) as handle:
        bsns = [row["bsn"] for _, row in zip(range(50), csv.DictReader(handle), strict=False)]
    hits = query(warehouse, "select count(*) from raw.brp_persons where bsn_pseudonym = any(%s)",
                 (bsns,))
    assert hits[0][0] == 0
    columns = query(warehouse, """select table_schema || '.' || table_name || '.' || column_name
        from information_schema.columns where column_name ilike '%%bsn%%'
        and column_name not ilike '%%pseudonym%%'""")
    assert columns == []


def test_loading_the_same_delivery_again_changes_nothing(warehouse):
    path = next((warehouse.state_dir / "deliveries").glob("bag_addresses__GM0965__*.csv"))
    before = query(warehouse, "select count(*), max(delivery_id) from raw.bag_addresses")
    result = load_file(warehouse, path)
    assert result.outcome == "unchanged"
    assert query(warehouse, "select count(*), max(delivery_id) from raw.bag_addresses") == before


def test_a_delivery_with_a_missing_column_is_refused_and_nothing_is_loaded(warehouse, tmp_path):
    bad = tmp_path / "bag_addresses__GM0965__2023.csv"
    bad.write_text("address_id,postcode,house_number,municipality_code,use,longitude\n"
                   "0965200000000000,6351AB,1,GM0965,woonfunctie,5.9\n")
    before = query(warehouse, "select count(*) from raw.deliveries")
    with pytest.raises(DeliveryRefused, match="missing column 'latitude'"):
        load_file(warehouse, bad)
    assert query(warehouse, "select count(*) from raw.deliveries") == before


def test_bad_rows_are_quarantined_with_their_reason_and_counted(warehouse, tmp_path):
    bad = tmp_path / "bag_addresses__GM0965__2022.csv"
    bad.write_text(
        "address_id,postcode,house_number,municipality_code,use,longitude,latitude\n"
        "0965209999999990,6351AB,1,GM0965,woonfunctie,5.95,50.83\n"
        "0965209999999991,0123AB,2,GM0965,woonfunctie,5.95,50.83\n"
        "0965209999999992,6351AB,x,GM0965,woonfunctie,5.95,50.83\n"
        "0965209999999993,6351AB,3,GM0917,woonfunctie,5.95,50.83\n")
    result = load_file(warehouse, bad)
    assert (result.rows_in, result.rows_loaded, result.rows_quarantined) == (4, 1, 3)
    reasons = [r[0] for r in query(warehouse, """select reason from raw.quarantine q
        join raw.deliveries d using (delivery_id) where d.file_name = %s
        order by line_number""", (bad.name,))]
    assert "postcode '0123AB'" in reasons[0]
    assert "house_number 'x'" in reasons[1]
    assert "does not belong to sender GM0965" in reasons[2]


def test_sqlfluff_lints_the_dbt_project_clean(warehouse):
    env = {**warehouse.dbt_env(), "DBT_TARGET_PATH": str(warehouse.state_dir / "sqlfluff-target"),
           "DBT_LOG_PATH": str(warehouse.state_dir / "dbt-logs"), "PATH": "/usr/bin:/bin"}
    sqlfluff = [sys.executable, "-m", "sqlfluff", "lint", "models", "tests/dbt"]
    result = subprocess.run(sqlfluff, cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
