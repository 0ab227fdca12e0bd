"""What `straatkubus build` builds: after new event deliveries only the years they
concern, leaving exactly what a full build would (in a warehouse database of its own);
after a register delivery everything; before any load, nothing."""

from __future__ import annotations

import psycopg2
from conftest import TEST_SCALE, TEST_SEED, deliver_month
from conftest import run_cli as straatkubus
from typer.testing import CliRunner

from straatkubus.cli import app
from straatkubus.warehouse import cluster

# Every model partitioned by year (macros/incremental/rebuilt_years.sql).
YEAR_PARTITIONED = (
    "intermediate.int_area_quantities",
    "intermediate.int_area_indicator_cells",
    "intermediate.int_area_quantities_protected",
    "marts.fct_area_indicators",
    "marts.fct_area_signals",
    "marts.fct_border_zone_pc6",
)


def mart_indexes_and_constraints(cur) -> list[tuple[str, str]]:
    """(table, definition without the index's name) of every index of the live marts, and
    the unique and primary key constraints among them."""
    cur.execute("select c.relname, regexp_replace(pg_get_indexdef(i.indexrelid), 'INDEX \\S+ ON ', "
                "'INDEX ON ') || coalesce(' constraint ' || k.contype::text, '') "
                "from pg_index i join pg_class c on c.oid = i.indrelid "
                "left join pg_constraint k on k.conindid = i.indexrelid "
                "where c.relnamespace = 'marts'::regnamespace order by 1, 2")
    return cur.fetchall()


def test_new_event_months_rebuild_their_years_as_a_full_build_would(own_warehouse):
    deliver_month(own_warehouse, "2025-01")
    assert straatkubus("build").startswith("incremental build of 2025 ")
    # a month of a year already built changes that year, and the next year's signals
    deliver_month(own_warehouse, "2024-12")
    assert straatkubus("build").startswith("incremental build of 2024 ")
    assert straatkubus("build").startswith("no build (no new deliveries")

    conn = psycopg2.connect(own_warehouse.dsn())
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("drop schema if exists incremental cascade; create schema incremental")
            for table in YEAR_PARTITIONED:
                cur.execute(f"create table incremental.{table.split('.')[1]} as table {table}")
            cur.execute("select count(distinct period_year) from marts.fct_area_signals "
                        "where period_year in (2024, 2025)")
            assert cur.fetchone()[0] == 2
            after_incremental = mart_indexes_and_constraints(cur)
        assert straatkubus("build", "--full").startswith("full build (asked for)")
        with conn.cursor() as cur:
            # the incremental builds' copies of the live marts kept every index and constraint
            assert mart_indexes_and_constraints(cur) == after_incremental
            assert any(" UNIQUE " in definition for _, definition in after_incremental)
            for table in YEAR_PARTITIONED:
                incremental = f"incremental.{table.split('.')[1]}"
                cur.execute(f"select (select count(*) from {table}), "
                            f"(select count(*) from (table {table} except all "
                            f"table {incremental}) as only_full), "
                            f"(select count(*) from (table {incremental} except all "
                            f"table {table}) as only_incremental)")
                rows, only_full, only_incremental = cur.fetchone()
                assert rows > 0 and (only_full, only_incremental) == (0, 0), (
                    f"{table}: {only_full} rows only after the full build, "
                    f"{only_incremental} only after the incremental ones")
    finally:
        conn.close()


def test_a_register_delivery_plans_a_full_build(own_warehouse, tmp_path):
    """(After the test above: the same warehouse.)"""
    from straatkubus.warehouse import builds

    straatkubus("generate", "--scale", str(TEST_SCALE), "--seed", str(TEST_SEED + 1),
                "--years", "2024", "--out", str(tmp_path))
    woz = sorted(tmp_path.glob("woz_values__*__2024.csv"))[0]
    assert "replaced" in straatkubus("load", str(woz))
    plan = builds.plan(own_warehouse)
    assert (plan.scope, plan.reason) == ("full", "new deliveries of woz_values")


def test_a_stale_register_stops_the_build_unless_forced(own_warehouse, monkeypatch):
    """(After the tests above: their builds passed the freshness check, since freshness is
    the load time of a register's newest delivery, not the past period it describes.) One
    municipality's BRP last loaded 500 days ago stops the build, although the table as a
    whole (what dbt's freshness measures) was loaded recently; --force builds anyway; the
    limit is a setting."""
    conn = psycopg2.connect(own_warehouse.dsn())
    try:
        with conn, conn.cursor() as cur:
            cur.execute("update raw.brp_persons set delivery_loaded_at = "
                        "delivery_loaded_at - interval '500 days' where delivery_sender = 'GM0917'")
    finally:
        conn.close()
    select = ("build", "--select", "stg_brp__persons")

    refused = CliRunner().invoke(app, list(select))
    assert refused.exit_code != 0, refused.output
    assert "stale source brp.brp_persons" not in refused.output  # dbt: the table is fresh
    assert ("refused: brp_persons of GM0917 last loaded more than 400 days ago "
            "(STRAATKUBUS_MAX_REGISTER_AGE_DAYS)") in refused.output
    assert "published" not in refused.output

    forced = straatkubus(*select, "--force")
    assert "building anyway (--force): brp_persons of GM0917 last loaded more than 400 days" in forced
    assert "published" in forced

    monkeypatch.setenv("STRAATKUBUS_MAX_REGISTER_AGE_DAYS", "600")
    allowed = straatkubus(*select)
    assert "published" in allowed
    assert "refused" not in allowed and "--force" not in allowed


def test_a_build_before_any_load_asks_for_one(warehouse, monkeypatch):
    from straatkubus.settings import Settings

    monkeypatch.setenv("STRAATKUBUS_PG_DATABASE", f"{warehouse.pg_database}_empty")
    settings = Settings.from_env()
    cluster.ensure_databases(settings)
    try:
        result = CliRunner().invoke(app, ["build"])
        assert result.exit_code != 0
        assert "run `straatkubus load <folder>` first" in str(result.exception)
    finally:
        cluster.drop_database(settings, settings.pg_database)
