"""Session fixtures: a real PostgreSQL cluster, warehouse and Superset of the tests' own.

The tests use their own ports and state folder (never the demo's), build the warehouse in
a freshly created database, and stop every process they start.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from straatkubus.settings import REPO

# The caller's own settings (a sourced demo or benchmark environment, STRAATKUBUS_TILES,
# libpq's PGPORT and the like, which the settings fall back on) must not change what the
# tests build or where. Two test runs at once (e.g. in two worktrees) pick other ports
# through STRAATKUBUS_TEST_*.
for name in [name for name in os.environ if name.startswith(("STRAATKUBUS_", "PG"))]:
    if not name.startswith("STRAATKUBUS_TEST_"):
        del os.environ[name]
TEST_ENV = {
    "STRAATKUBUS_STATE_DIR": os.environ.get("STRAATKUBUS_TEST_STATE_DIR", str(REPO / ".local" / "test")),
    "STRAATKUBUS_PG_PORT": os.environ.get("STRAATKUBUS_TEST_PG_PORT", "55432"),
    "STRAATKUBUS_SUPERSET_PORT": os.environ.get("STRAATKUBUS_TEST_SUPERSET_PORT", "18088"),
    # the exhaustion tests wait for it
    "STRAATKUBUS_READER_STATEMENT_TIMEOUT": "10s",
    # copies of Parkstad beyond Parkstad, for STRAATKUBUS_TEST_SCALE above 1
    "STRAATKUBUS_TILES": os.environ.get("STRAATKUBUS_TEST_TILES", "0"),
}
os.environ.update(TEST_ENV)  # before any Settings is read

from straatkubus.settings import Settings  # noqa: E402
from straatkubus.warehouse import cluster  # noqa: E402

# About 38 thousand inhabitants: every municipality, quick to build. `straatkubus bench`
# runs the security tests at its own scales with STRAATKUBUS_TEST_SCALE.
TEST_SCALE = float(os.environ.get("STRAATKUBUS_TEST_SCALE", "0.15"))
TEST_SEED = 7


def run_cli(*args: str) -> str:
    """Run the real command line in-process; fail the test on a non-zero exit. Its output."""
    from typer.testing import CliRunner

    from straatkubus.cli import app

    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, f"straatkubus {' '.join(args)}:\n{result.output}"
    return result.output


def query(settings: Settings, sql: str, params=(), **connect) -> list[tuple]:
    """The rows of one statement, as the warehouse's owner (or the login in `connect`)."""
    conn = psycopg2.connect(settings.dsn(**connect))
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    finally:
        conn.close()


def deliver_month(settings: Settings, month: str) -> None:
    """A month of event deliveries for the session's synthetic Parkstad, loaded (its own
    events: for a month already delivered within a year, other events than the year's)."""
    folder = settings.state_dir / f"{settings.pg_database}-month-{month}"
    run_cli("generate", "--scale", str(TEST_SCALE), "--seed", str(TEST_SEED), "--month", month, "--out",
            str(folder))
    run_cli("load", str(folder))


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings.from_env()


@pytest.fixture(scope="session")
def postgres(settings: Settings):
    """The test cluster, started for the session and stopped after it."""
    cluster.start(settings)
    yield settings
    cluster.stop(settings)


@pytest.fixture(scope="session")
def warehouse(postgres: Settings) -> Settings:
    """A freshly created warehouse database: generated, validated, loaded and dbt-built."""
    cluster.drop_database(postgres, postgres.pg_database)
    cluster.ensure_databases(postgres)
    deliveries = postgres.state_dir / "deliveries"
    run_cli("generate", "--scale", str(TEST_SCALE), "--seed", str(TEST_SEED), "--out",
            str(deliveries))
    run_cli("load", str(deliveries))
    run_cli("build")
    return postgres


@pytest.fixture(scope="session")
def superset_stack(warehouse: Settings):
    """A real Superset on 127.0.0.1 with dashboards, roles, RLS and demo users deployed."""
    from straatkubus.publish import superset

    cluster.drop_database(warehouse, warehouse.superset_database)
    cluster.ensure_databases(warehouse)
    superset.start(warehouse)
    try:
        superset.deploy(warehouse)
        yield warehouse
    finally:
        superset.stop(warehouse)


@pytest.fixture(scope="module")
def own_warehouse(warehouse: Settings, request: pytest.FixtureRequest) -> Iterator[Settings]:
    """A warehouse database of the test module's own (`<database>_<module>`), loaded with the
    session's deliveries and fully built, read by a base reader of its own (the audit of every
    build fails when its reader may read another warehouse of the cluster, such as the
    session's); dropped afterwards."""
    suffix = request.module.__name__.rpartition(".")[2].removeprefix("test_")
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("STRAATKUBUS_PG_DATABASE", f"{warehouse.pg_database}_{suffix}")
        environment.setenv("STRAATKUBUS_READER_USER", f"{warehouse.reader_user}_{suffix}")
        settings = Settings.from_env()
        cluster.drop_database(settings, settings.pg_database)
        cluster.ensure_databases(settings)
        run_cli("load", str(warehouse.deliveries_dir))
        assert run_cli("build").startswith("full build (no earlier build)")
        yield settings
        cluster.drop_database(settings, settings.pg_database)


@pytest.fixture(scope="module")
def intake_db(postgres: Settings):
    """A database of its own (per test module) for hand-made deliveries."""
    settings = dataclasses.replace(postgres, pg_database="straatkubus_intake_tests")
    cluster.drop_database(settings, settings.pg_database)
    cluster.ensure_databases(settings)
    yield settings
    cluster.drop_database(settings, settings.pg_database)


@pytest.fixture()
def tmp_deliveries(tmp_path: Path) -> Path:
    folder = tmp_path / "deliveries"
    folder.mkdir()
    return folder
