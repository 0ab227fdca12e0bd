"""Write, audit, publish: a small cell in new marts is never published; dbt gets an allowlisted
environment."""

from __future__ import annotations

import os

import pytest

from straatkubus.warehouse import builds

from .connections import connect, scalar

pytestmark = pytest.mark.stack


def test_a_small_cell_in_new_marts_is_never_published(superset_stack, logins):
    """New marts (a build's shadow) publishing one small count: the audit refuses them, the
    marts Superset reads stay as they were, and no reader login ever reads the small cell."""
    settings = superset_stack
    fingerprint = ("select md5(string_agg(t::text, ',' order by t::text)) from "
                   "(select area_code, period_code, indicator_code, value, is_suppressed from marts.{}) t")
    before = [scalar(settings, fingerprint.format(mart)) for mart in ("fct_area_indicators", "fct_area_signals")]
    builds.prepare_shadow(settings, copy_live=True)
    conn = connect(settings)
    with conn, conn.cursor() as cur:
        cur.execute("""
            select area_code, period_code, indicator_code from marts_build.fct_area_indicators
            where area_level = 'pc6' and is_suppressed and sensitivity_tier = 'openbaar' limit 1""")
        cell = cur.fetchone()
        cur.execute("""
            update marts_build.fct_area_indicators set numerator = 2, denominator = 40, value = 5,
                is_suppressed = false, suppression_reason = null
            where area_level = 'pc6' and (area_code, period_code, indicator_code) = %s""", (cell,))
        # the table behind the view fct_area_signals (each fact stored once)
        cur.execute("""
            update marts_build.fct_area_signal_values set value = 5, is_suppressed = false, suppression_rule = null
            where area_level = 'pc6' and (area_code, period_code, indicator_code) = %s""", (cell,))
        assert cur.rowcount == 1
    conn.close()
    try:
        with pytest.raises(builds.BuildRefused, match="nothing was published"):
            builds.audit_and_publish(settings)
    finally:
        conn = connect(settings)
        with conn, conn.cursor() as cur:
            cur.execute("drop schema marts_build cascade")
        conn.close()
    after = [scalar(settings, fingerprint.format(mart)) for mart in ("fct_area_indicators", "fct_area_signals")]
    assert after == before
    for login in logins:
        assert scalar(settings, "select count(*) from marts.fct_area_signals where area_level = 'pc6' and not "
                      f"is_suppressed and (area_code, period_code, indicator_code) = {cell!r}", login) == 0


def test_settings_in_the_environment_of_dbt_are_an_allowlist(superset_stack, monkeypatch):
    from straatkubus.cli import dbt_env

    monkeypatch.setenv("STRAATKUBUS_PSEUDONYM_KEY", "x" * 40)
    env = dbt_env(superset_stack)
    assert "STRAATKUBUS_PSEUDONYM_KEY" not in env and superset_stack.pseudonym_key not in env.values()
    assert env["STRAATKUBUS_PG_DATABASE"] == superset_stack.pg_database and "PATH" in env
    assert os.environ["STRAATKUBUS_PSEUDONYM_KEY"] == "x" * 40
