"""The settings read from the environment: STRAATKUBUS_* first, then libpq's PG*, then the default."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from straatkubus.settings import DEFAULTS, VARIABLES, Settings, local_cluster_only

# libpq's variable -> (our variable, the Settings field, a value for each)
LIBPQ = {
    "PGHOST": ("STRAATKUBUS_PG_HOST", "pg_host", "db.example.org", "10.0.0.9"),
    "PGPORT": ("STRAATKUBUS_PG_PORT", "pg_port", "6001", "6002"),
    "PGUSER": ("STRAATKUBUS_PG_USER", "pg_user", "alice", "bob"),
    "PGPASSWORD": ("STRAATKUBUS_PG_PASSWORD", "pg_password", "from-libpq", "from-straatkubus"),
    "PGDATABASE": ("STRAATKUBUS_PG_DATABASE", "pg_database", "other", "ours"),
}


@pytest.fixture()
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No setting from the caller; a state folder of the test's own for generated secrets."""
    for variable in VARIABLES:
        for name in (variable.name, variable.libpq):
            if name:
                monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STRAATKUBUS_STATE_DIR", str(tmp_path))
    return monkeypatch


def test_defaults_are_the_local_cluster(environment: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = Settings.from_env()
    assert (settings.pg_host, settings.pg_port, settings.pg_user, settings.pg_database) == \
        ("127.0.0.1", 5433, "straatkubus", "straatkubus")
    generated = (tmp_path / "secrets" / "STRAATKUBUS_PG_PASSWORD").read_text().strip()
    assert settings.pg_password == generated and len(generated) >= 32


@pytest.mark.parametrize("libpq", sorted(LIBPQ))
def test_libpq_variable_is_the_fallback(environment: pytest.MonkeyPatch, libpq: str) -> None:
    ours, field, libpq_value, our_value = LIBPQ[libpq]
    environment.setenv(libpq, libpq_value)
    assert str(getattr(Settings.from_env(), field)) == libpq_value
    environment.setenv(ours, our_value)
    assert str(getattr(Settings.from_env(), field)) == our_value, f"{ours} wins over {libpq}"
    environment.setenv(ours, "")
    assert str(getattr(Settings.from_env(), field)) == libpq_value, f"an empty {ours} is unset"


def test_libpq_variables_reach_the_connection_url(environment: pytest.MonkeyPatch) -> None:
    for libpq, (_, _, value, _) in LIBPQ.items():
        environment.setenv(libpq, value)
    assert Settings.from_env().dsn() == "postgresql://alice:from-libpq@db.example.org:6001/other"


def test_the_demo_and_the_benchmark_forget_libpq_variables(environment: pytest.MonkeyPatch) -> None:
    for libpq, (_, _, value, _) in LIBPQ.items():
        environment.setenv(libpq, value)
    environment.setenv("STRAATKUBUS_PG_PORT", "7777")
    local_cluster_only()
    settings = Settings.from_env()
    assert (settings.pg_host, settings.pg_port, settings.pg_user, settings.pg_database) == \
        ("127.0.0.1", 7777, "straatkubus", "straatkubus")


def test_every_setting_has_one_variable() -> None:
    fields = [field.name for field in dataclasses.fields(Settings)]
    assert sorted(variable.field for variable in VARIABLES) == sorted(fields)
    names = [variable.name for variable in VARIABLES]
    assert len(set(names)) == len(names)
    assert VARIABLES[0].field == "state_dir", "read first: the generated secrets live in it"


def test_defaults_are_parsed_like_the_environment(environment: pytest.MonkeyPatch) -> None:
    assert DEFAULTS["max_delivery_bytes"] == 4096 << 20
    assert DEFAULTS["demo_users"] is True
    environment.setenv("STRAATKUBUS_MAX_DELIVERY_MB", "1.5")
    environment.setenv("STRAATKUBUS_DEMO_USERS", "no")
    settings = Settings.from_env()
    assert settings.max_delivery_bytes == 3 << 19
    assert settings.demo_users is False
