"""A server crash empties the unlogged intermediate tables (as when the kernel killed a
backend that ran out of memory): the next build notices, builds in full, and publishes
exactly the marts a clean full build gives, which pass the disclosure audit."""

from __future__ import annotations

import os
import signal
import time

import psycopg2
import pytest
from conftest import TEST_SCALE, TEST_SEED
from conftest import run_cli as straatkubus

from straatkubus.publish.audit import audit
from straatkubus.settings import REPO, Settings
from straatkubus.warehouse import cluster

MARTS = ("fct_area_indicators", "fct_area_signals", "fct_border_zone_pc6", "dim_areas", "dim_indicators")


@pytest.fixture(scope="module")
def crash_settings(postgres: Settings, tmp_path_factory) -> Settings:
    """A cluster of its own (the crash must not hit the session's Superset), one year loaded."""
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("STRAATKUBUS_STATE_DIR", str(REPO / ".local" / "test-crash"))
        environment.setenv("STRAATKUBUS_PG_PORT", str(postgres.pg_port + 1))
        settings = Settings.from_env()
        cluster.start(settings)
        try:
            cluster.drop_database(settings, settings.pg_database)
            cluster.ensure_databases(settings)
            folder = tmp_path_factory.mktemp("crash-deliveries")
            straatkubus("generate", "--scale", str(TEST_SCALE), "--seed", str(TEST_SEED), "--years", "2024",
                        "--out", str(folder))
            straatkubus("load", str(folder))
            yield settings
        finally:
            cluster.stop(settings)


def marts_checksums(settings: Settings) -> dict[str, str]:
    conn = psycopg2.connect(settings.dsn())
    try:
        with conn.cursor() as cur:
            sums = {}
            for mart in MARTS:
                cur.execute(f"select count(*) || ':' || md5(string_agg(t::text, ',' order by t::text)) "
                            f"from marts.{mart} as t")
                sums[mart] = cur.fetchone()[0]
            return sums
    finally:
        conn.close()


def crash(settings: Settings) -> None:
    """SIGKILL one backend: the postmaster resets every session and runs crash recovery."""
    conn = psycopg2.connect(settings.dsn())
    with conn.cursor() as cur:
        cur.execute("select pg_backend_pid()")
        pid = cur.fetchone()[0]
    os.kill(pid, signal.SIGKILL)
    conn.close()
    deadline = time.monotonic() + 60
    while True:
        try:
            psycopg2.connect(settings.dsn()).close()
            return
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_a_build_after_a_crash_is_full_and_equals_a_clean_one(crash_settings):
    assert straatkubus("build").startswith("full build (no earlier build)")
    clean = marts_checksums(crash_settings)

    crash(crash_settings)
    conn = psycopg2.connect(crash_settings.dsn())
    with conn.cursor() as cur:
        cur.execute("select count(*) from intermediate.int_address_quantities")
        assert cur.fetchone()[0] == 0, "crash recovery should have emptied the unlogged intermediates"
    conn.close()

    output = straatkubus("build")
    assert output.startswith("full build (") and "unlogged intermediate" in output, output[:300]
    assert marts_checksums(crash_settings) == clean
    assert audit(crash_settings).passed
