"""The `straatkubus` command line: database, generate, validate, load, prune, build, docs, audit,
superset, demo."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import psycopg2
import typer
import yaml

from straatkubus.settings import REPO, SYSTEM_ENV, VARIABLES, Settings, local_cluster_only
from straatkubus.warehouse import cluster


def _environment_help() -> str:
    """The variables of straatkubus/settings.py, for the epilog of `straatkubus --help`."""
    lines = []
    for variable in VARIABLES:
        fallback = f"else {variable.libpq}, " if variable.libpq else ""
        default = ("generated once per state folder" if variable.default is None
                   else f"default {variable.default}")
        lines.append(f"{variable.name}: {variable.help} ({fallback}{default})")
    return ("Environment (STRAATKUBUS_* wins over libpq's PG*, which wins over the default):\n\n"
            + "\n".join(lines))


app = typer.Typer(help="Straatkubus Parkstad: deliveries → warehouse → dbt → Superset.",
                  epilog=_environment_help(), no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="The project-local PostgreSQL + PostGIS cluster.", no_args_is_help=True)
superset_app = typer.Typer(help="The Superset server and its assets.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(superset_app, name="superset")


def _step(message: str) -> None:
    typer.secho(f"==> {message}", fg=typer.colors.CYAN, err=True)


def _fail(message: str, code: int = 1) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _version(shown: bool) -> None:
    if shown:
        typer.echo(f"straatkubus {importlib.metadata.version('straatkubus')}")
        raise typer.Exit()


@app.callback()
def _options(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                          help="Print the version and exit")) -> None:
    """Options of the command itself (the help is the app's)."""


# Session-level advisory lock held by `load` and `build` on the warehouse: one at a time.
PIPELINE_LOCK = 0x5354524B  # "STRK"


@contextmanager
def one_at_a_time(settings: Settings, command: str) -> Iterator[None]:
    """Hold the pipeline lock for the duration; wait (saying so) while another load or build
    holds it. A crashed holder's lock goes with its connection."""
    import psycopg2

    conn = psycopg2.connect(settings.dsn(), application_name=f"straatkubus {command}")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("select pg_try_advisory_lock(%s)", (PIPELINE_LOCK,))
            if not cur.fetchone()[0]:
                cur.execute("select a.application_name, a.pid from pg_locks l join "
                            "pg_stat_activity a using (pid) where l.locktype = 'advisory' "
                            "and l.objid = %s and l.granted", (PIPELINE_LOCK,))
                holder = cur.fetchone()
                typer.secho(f"waiting for another straatkubus load or build on this warehouse to "
                            f"finish ({holder[0] or 'unknown'}, backend pid {holder[1]})"
                            if holder else "waiting for another straatkubus load or build on "
                            "this warehouse to finish", fg=typer.colors.YELLOW, err=True)
                cur.execute("select pg_advisory_lock(%s)", (PIPELINE_LOCK,))
        yield
    finally:
        conn.close()


# --- database ----------------------------------------------------------------------------
@db_app.command("up")
def db_up() -> None:
    """Create (first time) and start the cluster, with databases, PostGIS and the reader user."""
    settings = Settings.from_env()
    created = cluster.init(settings)
    cluster.start(settings)
    cluster.ensure_databases(settings)
    typer.echo(f"PostgreSQL {'created and ' if created else ''}running on "
               f"{settings.pg_host}:{settings.pg_port} (data: {settings.pg_data_dir})")


@db_app.command("down")
def db_down() -> None:
    """Stop the cluster (data is kept)."""
    stopped = cluster.stop(Settings.from_env())
    typer.echo("PostgreSQL stopped" if stopped else "PostgreSQL was not running")


@db_app.command("url")
def db_url() -> None:
    """Print the warehouse connection URL for other tools."""
    typer.echo(Settings.from_env().dsn())


# --- data --------------------------------------------------------------------------------
@app.command()
def generate(
    out: Path = typer.Option(None, help="Folder for the delivery files (default: state folder)"),
    scale: float = typer.Option(1.0, help="Fraction of the real Parkstad population (above 1: "
                                "synthetic copies of Parkstad)"),
    seed: int = typer.Option(42, help="Random seed: the same seed gives the same files"),
    years: str = typer.Option("2022-2024", help="Years to deliver: 2024, 2022-2024 or 2022,2024"),
    month: str = typer.Option(None, help="Only the monthly event sources of this month, e.g. 2025-01"),
) -> None:
    """Generate synthetic deliveries of every source for all municipalities and partners."""
    from straatkubus.synth.generate import generate as run

    try:
        if "-" in years:
            first, last = (int(part) for part in years.split("-"))
            chosen = tuple(range(first, last + 1))
        else:
            chosen = tuple(int(part) for part in years.split(","))
    except ValueError:
        raise typer.BadParameter(f"{years!r}: use 2024, 2022-2024 or 2022,2024", param_hint="--years") from None
    if not chosen:
        raise typer.BadParameter(f"{years!r} holds no year", param_hint="--years")
    settings = Settings.from_env()
    out = out or settings.deliveries_dir
    started = time.monotonic()
    with _progress_bar("generating") as progress:
        result = run(settings.reference_data_dir, out, scale=scale, seed=seed, years=chosen, month=month,
                     progress=progress)
    seconds = time.monotonic() - started
    typer.echo(f"generated {result.inhabitants} inhabitants at {result.addresses} addresses: "
               f"{len(result.files)} files, {result.rows} rows in {out} "
               f"({seconds:.1f} s, {result.rows / max(seconds, 1e-9):,.0f} rows/s)")


@app.command()
def contracts(write: bool = typer.Option(
        False, help="Write docs/deliveries.md and the dbt sources (models/staging/*/_*__sources.yml)"),
) -> None:
    """Print the delivery contracts (Markdown), or write them to docs/deliveries.md and the
    dbt sources they describe."""
    from straatkubus.ingest.contracts import markdown
    from straatkubus.ingest.dbt_sources import rendered

    if write:
        (REPO / "docs").mkdir(exist_ok=True)
        (REPO / "docs" / "deliveries.md").write_text(markdown())
        typer.echo("wrote docs/deliveries.md")
        for path, text in rendered().items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            typer.echo(f"wrote {path.relative_to(REPO)}")
    else:
        typer.echo(markdown(), nl=False)


@app.command()
def validate(path: Path = typer.Argument(..., help="A delivery file or a folder of them")) -> None:
    """Check deliveries without loading them: contract rules per row, then the Great
    Expectations suites; exit 1 if any delivery would be refused."""
    from straatkubus.ingest.bsn import check_key
    from straatkubus.ingest.intake import DeliveryRefused, read_delivery, scope
    from straatkubus.ingest.load import delivery_files, limits
    from straatkubus.ingest.validate import ValidationFailed, build_data_docs, validate_intake

    settings = Settings.from_env()
    check_key(settings.pseudonym_key)
    allowed = scope(settings.reference_data_dir, settings.tiles)
    started = datetime.now(UTC)
    refused = 0
    for file in delivery_files(path):
        try:
            intake = read_delivery(file, allowed, key=settings.pseudonym_key,
                                   limits=limits(settings))
            validate_intake(intake, file)
            typer.echo(f"{file.name}: valid; {intake.summary}")
            for line, reason, _ in intake.quarantined[:3]:
                typer.echo(f"  line {line}: {reason}")
        except (DeliveryRefused, ValidationFailed, ValueError) as error:
            typer.secho(str(error), fg=typer.colors.RED, err=True)
            refused += 1
    typer.echo(f"Data Docs: {build_data_docs(started)}")
    if refused:
        _fail(f"{refused} delivery file(s) would be refused")


@app.command()
def load(path: Path = typer.Argument(..., help="A delivery file or a folder of them"),
         accept_volume_change: bool = typer.Option(
             False, "--accept-volume-change",
             help="Load deliveries held because their row count changed too much")) -> None:
    """Check, validate and load deliveries into the raw schema, each in one transaction.

    Every row is loaded or quarantined with its reason; a refused delivery loads nothing, a
    delivery whose row count is far from the one it replaces (or the previous period's) is
    held. Exit 1 if any delivery was refused or held (the others are still loaded). Then
    removes quarantined rows and validation results older than the retention period."""
    from straatkubus.ingest.load import delivery_files, load_files, load_reference

    settings = Settings.from_env()
    files = delivery_files(path)
    with one_at_a_time(settings, "load"):
        typer.echo(f"reference: {load_reference(settings)} CBS PC4 areas")
        started = datetime.now(UTC)
        refused = 0
        totals = [0, 0, 0]
        results = load_files(settings, files, accept_volume_change=accept_volume_change)
        for number, result in enumerate(_progress(results, files), start=1):
            if isinstance(result, Exception):
                typer.secho(f"[{number}/{len(files)}] {result}", fg=typer.colors.RED, err=True)
                refused += 1
                continue
            typer.echo(f"[{number}/{len(files)}] {result.summary()}")
            totals = [t + n for t, n in zip(totals, (result.rows_in, result.rows_loaded,
                                                      result.rows_quarantined), strict=True)]
        typer.echo(f"{len(files) - refused} of {len(files)} deliveries in; rows in {totals[0]} "
                   f"= loaded {totals[1]} + quarantined {totals[2]}")
        _retain(settings, started)
    if refused:
        _fail(f"{refused} delivery file(s) refused or held: nothing of them was loaded")


@contextmanager
def _progress_bar(description: str) -> Iterator[Callable[[int, int, str], None]]:
    """A progress bar on stderr while it is a terminal (nothing otherwise), and the
    function that moves it: (steps done, steps in all, what is being done)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    console = Console(stderr=True)
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task(description, total=None)
        yield lambda done, total, what: bar.update(task, completed=done, total=total,
                                                   description=f"{description} {what}".rstrip())


Loaded = TypeVar("Loaded")


def _progress(results: Iterator[Loaded], files: list[Path]) -> Iterator[Loaded]:
    """`results`, one per file, with a progress bar on the terminal (on stderr, below the
    lines printed meanwhile; nothing when stderr is not a terminal)."""
    with _progress_bar("loading") as advance:
        advance(0, len(files), files[0].name if files else "")
        for number, result in enumerate(results, start=1):
            advance(number, len(files), files[number].name if number < len(files) else "")
            yield result


def _retain(settings: Settings, started: datetime) -> None:
    """Apply the retention period, then render this run's validation results."""
    from straatkubus.ingest.load import prune_quarantine
    from straatkubus.ingest.validate import build_data_docs, prune_validation_results

    days = settings.retention_days
    rows = prune_quarantine(settings, days)
    results = prune_validation_results(datetime.now(UTC) - timedelta(days=days))
    if rows or results:
        typer.echo(f"retention ({days} days): removed {rows} quarantined row(s) and {results} "
                   "validation result(s)")
    typer.echo(f"Data Docs: {build_data_docs(started)}")


@app.command()
def prune(days: int = typer.Option(None, help="Keep this many days (default: "
                                   "STRAATKUBUS_RETENTION_DAYS, 90)")) -> None:
    """Remove quarantined rows and stored validation results (with their Data Docs pages)
    older than the retention period."""
    settings = Settings.from_env()
    if days is not None:
        settings = dataclasses.replace(settings, retention_days=days)
    with one_at_a_time(settings, "prune"):
        _retain(settings, datetime.now(UTC))


@app.command()
def build(full: bool = typer.Option(False, "--full", help="Rebuild everything"),
          select: str = typer.Option(None, help="Only this dbt selector, e.g. 'marts' "
                                     "(not recorded as a build)"),
          force: bool = typer.Option(False, "--force", help="Build even when a municipal "
                                     "register is older than STRAATKUBUS_MAX_REGISTER_AGE_DAYS"),
          ) -> None:
    """Run `dbt build` (seeds, models, unit and data tests) in full or, when only event
    deliveries are new, for the years they concern; the marts are built out of Superset's
    sight, audited, and only then published. First `dbt source freshness`: report stale
    sources, and refuse a register loaded too long ago unless --force. Then empty Superset's result cache, and say
    which register deliveries a year waits for before it is built for a municipality."""
    from straatkubus.publish import superset
    from straatkubus.warehouse import builds

    settings = Settings.from_env()
    with one_at_a_time(settings, "build"):
        if select:
            plan = builds.BuildPlan("select", "asked for", 0, "", selector=select)
        else:
            plan = builds.plan(settings, full=full)
        typer.echo(plan.describe())
        if plan.scope != "none":
            def dbt_step(args: list[str], env: dict[str, str]) -> None:
                _dbt_build(settings, args, env)

            try:
                seconds = builds.build(settings, plan, dbt_step, force=force, echo=typer.echo)
            except builds.BuildRefused as error:
                _fail(str(error), error.exit_code)
            typer.echo("published: the new marts replaced the old ones (dbt tests and disclosure audit passed; "
                       + ", ".join(f"{step} {value:.1f} s" for step, value in seconds.items()) + ")")
            superset.clear_result_cache(settings)
        for line in builds.waiting_for(settings):
            typer.echo(line)


@app.command()
def audit(examples: int = typer.Option(10, help="Examples shown per broken rule")) -> None:
    """Disclosure audit of everything Superset's database user can read: published counts
    below their thresholds, small numbers derivable by differencing, relations it cannot
    check. Exit 1 on any finding."""
    from straatkubus.publish.audit import AuditError
    from straatkubus.publish.audit import audit as run

    try:
        report = run(Settings.from_env(), max_examples=examples)
    except AuditError as error:
        _fail(f"the audit could not run: {error}")
    typer.echo(report.render())
    if not report.passed:
        _fail(f"disclosure audit failed: {report.finding_count} finding(s)")


@app.command()
def checksum(schema: list[str] = typer.Option(["marts"], help="Schema to checksum (repeatable)"),
             compare: Path = typer.Option(None, help="Earlier output to compare with: exit 1 "
                                          "when a relation differs")) -> None:
    """Print per table and view of the schemas its row count and an md5 of its rows (in
    any order): record them before a refactoring, rebuild with --full, compare after."""
    from straatkubus.warehouse.checksums import checksums, differences, parse, render

    sums = checksums(Settings.from_env(), schema)
    typer.echo(render(sums), nl=False)
    if compare is not None:
        found = differences(parse(compare.read_text()), sums)
        for line in found:
            typer.secho(line, fg=typer.colors.RED, err=True)
        if found:
            _fail(f"{len(found)} relation(s) differ from {compare}")
        typer.echo(f"identical to {compare}", err=True)


def dbt_env(settings: Settings, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The allowlisted environment dbt runs with."""
    return {**{name: os.environ[name] for name in SYSTEM_ENV if name in os.environ},
            **settings.dbt_env(), **(extra or {}),
            "DBT_TARGET_PATH": str(settings.state_dir / "dbt-target"),
            "DBT_LOG_PATH": str(settings.state_dir / "dbt-logs")}


def run_dbt(settings: Settings, *args: str, env: dict[str, str] | None = None) -> int:
    """Run dbt on the project with the allowlisted environment; its exit code (1: a model or
    test failed, 2: dbt could not run)."""
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt), *args, "--project-dir", str(REPO), "--profiles-dir",
               str(REPO / "profiles")]
    return subprocess.run(command, env=dbt_env(settings, env), cwd=REPO).returncode


def _dbt_build(settings: Settings, args: list[str], env: dict[str, str]) -> None:
    """The dbt step of a build; a failure refuses the build with dbt's exit code."""
    from straatkubus.warehouse.builds import BuildRefused

    code = run_dbt(settings, *args, env=env)
    if code != 0:
        raise BuildRefused(f"dbt {args[0]} failed: nothing was published, Superset reads the marts "
                           "as they were", exit_code=code)


@app.command()
def docs(port: int = typer.Option(None, help="Port to serve on (default: STRAATKUBUS_DOCS_PORT)")) -> None:
    """Generate the dbt docs of the warehouse (models, sources, tests, lineage and the columns
    of its relations) and serve them on 127.0.0.1 until Ctrl-C."""
    settings = Settings.from_env()
    port = port or settings.docs_port
    target = ("--target-path", str(settings.state_dir / "dbt-docs"))  # not the builds' target
    code = run_dbt(settings, "docs", "generate", *target)
    if code != 0:
        _fail("dbt docs generate failed (it needs a built warehouse: `straatkubus build`)", code)
    _step(f"dbt docs on http://127.0.0.1:{port} (Ctrl-C stops them)")
    code = run_dbt(settings, "docs", "serve", *target, "--host", "127.0.0.1", "--port", str(port),
                   "--no-browser")
    if code != 0:
        _fail("dbt docs serve failed", code)


@app.command()
def bench(inhabitants: int = typer.Option(1_000_000, help="Inhabitants for the throughput run"),
          scales: str = typer.Option("256180,2500000,18000000",
                                     help="Inhabitants of each full build, comma-separated"),
          requests: int = typer.Option(20, help="Chart-data requests per concurrent user"),
          security_tests: bool = typer.Option(True, help="Run the security tests at every scale "
                                              "(each builds a warehouse of its own)"),
          seed: int = typer.Option(42)) -> None:
    """Measure throughput, full and incremental builds, a DuckDB reference and dashboard
    latency on a cluster and Superset of its own; print the figures and write them to
    BENCHMARKS.md."""
    from straatkubus.bench import run

    local_cluster_only()
    try:
        chosen = tuple(int(part.replace("_", "")) for part in scales.split(","))
    except ValueError:
        raise typer.BadParameter(f"{scales!r}: use e.g. 256180,2500000", param_hint="--scales") from None
    typer.echo(run(inhabitants, seed, _step, scales=chosen, requests_per_user=requests,
                   security=security_tests))


# --- superset ----------------------------------------------------------------------------
@superset_app.command("up")
def superset_up() -> None:
    """Start Superset (metadata database in the local cluster) on 127.0.0.1."""
    from straatkubus.publish import superset

    superset.start(Settings.from_env())


@superset_app.command("deploy")
def superset_deploy(
    source: Path = typer.Option(REPO / "superset", "--from", help="Folder with assets/, roles.yaml, rls.yaml"),
) -> None:
    """Import datasets, charts and dashboards; apply roles, row-level security and demo users."""
    from straatkubus.publish import superset

    superset.deploy(Settings.from_env(), source)


@superset_app.command("export")
def superset_export(target: Path = typer.Argument(..., help="Folder to write (deployable with --from)")) -> None:
    """Export the running Superset's assets, roles and row-level security as code."""
    from straatkubus.publish import superset

    superset.export(Settings.from_env(), target)


@superset_app.command("down")
def superset_down() -> None:
    """Stop Superset."""
    from straatkubus.publish import superset

    stopped = superset.stop(Settings.from_env())
    typer.echo("Superset stopped" if stopped else "Superset was not running")


# --- the whole demo ----------------------------------------------------------------------
@app.command()
def demo(scale: float = typer.Option(1.0, help="Fraction of the real Parkstad population"),
         seed: int = typer.Option(42)) -> None:
    """Bring up everything: cluster, data, validation, load, dbt build, Superset, deploy."""
    local_cluster_only()
    settings = Settings.from_env()
    _step(f"PostgreSQL + PostGIS on {settings.pg_host}:{settings.pg_port}")
    db_up()
    _step("generating synthetic Parkstad deliveries")
    generate(out=None, scale=scale, seed=seed, years="2022-2024", month=None)
    _step("validating (Great Expectations) and loading deliveries")
    load(settings.deliveries_dir, accept_volume_change=False)
    _step("dbt build")
    build(full=False, select=None, force=False)
    _step(f"Superset on {settings.superset_url}")
    superset_up()
    _step("deploying dashboards, roles, row-level security and demo users")
    superset_deploy(REPO / "superset")
    users = yaml.safe_load((REPO / "superset" / "demo_users.yaml").read_text())["users"] if settings.demo_users else []
    typer.echo(f"\nStraatkubus Parkstad is running: {settings.superset_url}\n")
    typer.echo(f"  {'admin':<24} {settings.superset_admin_password:<28} beheerder (Admin)")
    for user in users:
        typer.echo(f"  {user['username']:<24} {user['password']:<28} {', '.join(user['roles'])}")
    typer.echo(f"\nWarehouse: {settings.dsn(password='***')} (passwords in "
               f"{settings.state_dir / 'secrets'})\nStop everything with: make down")


@app.command()
def down() -> None:
    """Stop everything the demo started (Superset, then PostgreSQL); data is kept."""
    superset_down()
    db_down()


def main() -> None:
    """Entry point: known failures end with their message, not a traceback: exit 2 when
    PostgreSQL cannot be reached, 1 otherwise."""
    from straatkubus.ingest.intake import DeliveryRefused
    from straatkubus.publish.superset import SupersetError
    from straatkubus.warehouse.cluster import ClusterError

    try:
        app()
    except psycopg2.OperationalError as error:
        if error.pgcode is not None:  # a statement failed, on a connection that was made
            raise
        settings = Settings.from_env()
        reason = next(iter(str(error).strip().splitlines()), "no reason given")
        typer.secho(f"straatkubus: cannot reach PostgreSQL at {settings.pg_host}:{settings.pg_port} "
                    f"({reason}); is it running? start it with `straatkubus db up` or set "
                    "STRAATKUBUS_PG_*", fg=typer.colors.RED, err=True)
        sys.exit(2)
    except (ClusterError, DeliveryRefused, SupersetError, FileNotFoundError, ValueError) as error:
        typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
