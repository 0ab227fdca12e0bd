"""The command line's habits: --version, the environment in --help, one line when PostgreSQL
is down, dbt's exit code, `docs`. No database here (dbt and the warehouse are stood in for)."""

from __future__ import annotations

import contextlib
import importlib.metadata
import socket
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from straatkubus import cli
from straatkubus.settings import VARIABLES
from straatkubus.warehouse import builds


def invoke(*args: str):
    return CliRunner().invoke(cli.app, list(args), terminal_width=200)


def test_version_is_the_package_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"straatkubus {importlib.metadata.version('straatkubus')}"


def test_help_lists_the_environment_with_libpq_fallbacks() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for variable in VARIABLES:
        assert variable.name in result.output
    for name in ("STRAATKUBUS_PG_PORT", "STRAATKUBUS_PSEUDONYM_KEY", "STRAATKUBUS_RETENTION_DAYS"):
        assert name in result.output
    assert "STRAATKUBUS_PG_PORT: PostgreSQL port (else PGPORT, default 5433)" in result.output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_postgres_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    monkeypatch.setenv("STRAATKUBUS_PG_PORT", str(port))
    monkeypatch.setenv("STRAATKUBUS_STATE_DIR", str(tmp_path))
    monkeypatch.setattr(sys, "argv", ["straatkubus", "prune"])
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"straatkubus: cannot reach PostgreSQL at 127.0.0.1:{port} (")
    assert "straatkubus db up" in lines[0] and "Traceback" not in lines[0]


@pytest.fixture()
def fake_build(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """`straatkubus build` without a warehouse: no lock, no freshness check (tested on a real
    warehouse in test_incremental_build), a full plan, no shadow to prepare; the test records
    dbt's calls in the returned list."""
    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr(cli, "one_at_a_time", lambda settings, command: contextlib.nullcontext())
    monkeypatch.setattr(builds, "check_freshness", lambda settings, run_dbt, env, force: [])
    monkeypatch.setattr(builds, "plan", lambda settings, full: builds.BuildPlan("full", "test", 0, ""))
    monkeypatch.setattr(builds, "prepare_shadow", lambda settings, copy_live: None)
    return calls


@pytest.mark.parametrize("code", [1, 2])
def test_build_exits_with_dbts_code(monkeypatch: pytest.MonkeyPatch, fake_build, code: int) -> None:
    def dbt(settings, *args, env=None) -> int:
        fake_build.append(args)
        return code

    monkeypatch.setattr(cli, "run_dbt", dbt)
    result = invoke("build")
    assert fake_build == [("build", "--full-refresh")]
    assert result.exit_code == code
    assert "nothing was published" in result.output


def test_docs_generates_then_serves_on_localhost(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, ...]] = []

    def dbt(settings, *args, env=None) -> int:
        calls.append(args)
        return 0

    monkeypatch.setattr(cli, "run_dbt", dbt)
    result = invoke("docs", "--port", "8123")
    assert result.exit_code == 0, result.output
    assert [call[:2] for call in calls] == [("docs", "generate"), ("docs", "serve")]
    served = calls[1]
    assert served[served.index("--host") + 1] == "127.0.0.1"
    assert served[served.index("--port") + 1] == "8123" and "--no-browser" in served
    assert len({call[call.index("--target-path") + 1] for call in calls}) == 1, \
        "the docs are served from where they were generated"


def test_docs_stops_with_dbts_code_when_generating_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, ...]] = []

    def dbt(settings, *args, env=None) -> int:
        calls.append(args)
        return 2

    monkeypatch.setattr(cli, "run_dbt", dbt)
    result = invoke("docs")
    assert result.exit_code == 2
    assert [call[:2] for call in calls] == [("docs", "generate")], "nothing is served after a failed generate"


def test_the_docs_port_is_none_of_the_demos() -> None:
    defaults = {variable.field: variable.default for variable in VARIABLES}
    assert defaults["docs_port"] not in {defaults["pg_port"], defaults["superset_port"]}


def test_progress_yields_every_result_in_order(tmp_path: Path) -> None:
    files = [tmp_path / f"delivery_{number}.csv" for number in range(3)]
    assert list(cli._progress(iter(["a", "b", "c"]), files)) == ["a", "b", "c"]
