"""The project-local PostgreSQL 15 + PostGIS cluster (demo and tests).

`initdb` and `pg_ctl` refuse to run as root, so as root they run as the `postgres`
system user through `runuser`. The cluster listens on 127.0.0.1 only (no Unix socket).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import psycopg2
from psycopg2 import sql

from straatkubus.settings import Settings
from straatkubus.warehouse import access

PG_BIN = Path("/usr/lib/postgresql/15/bin")

# Tuned for a 2-core, 24 GiB machine that also runs Superset (BENCHMARKS.md has the
# figures). Written to `straatkubus.conf` in the data folder on every start, so a changed
# setting reaches an existing cluster at its next start.
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",
    "shared_buffers": "'2GB'",
    # dbt's suppression rounds hash millions of rows; two build threads and a few
    # dashboard queries at once stay far below the machine's memory
    "work_mem": "'256MB'",
    "maintenance_work_mem": "'1GB'",
    "effective_cache_size": "'12GB'",
    "max_parallel_workers_per_gather": "2",
    "random_page_cost": "1.1",
    "jit": "off",
    # a single local server without replicas: dbt's `create table as` and index builds
    # skip the write-ahead log; a crash loses at most the last commits of a rebuildable
    # warehouse (deliveries stay atomic: a transaction is still all or nothing)
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "synchronous_commit": "off",
    "max_wal_size": "'4GB'",
    "checkpoint_timeout": "'15min'",
    "log_min_messages": "warning",
}
SETTINGS_FILE = "straatkubus.conf"
# The warehouse compares text bytewise: the same order as glibc's C.UTF-8 (code points),
# but PostgreSQL sorts and indexes "C" text several times faster (no strcoll, abbreviated
# keys), which dbt's sorts, window functions and text indexes feel.
WAREHOUSE_COLLATION = " template template0 encoding 'UTF8' lc_collate 'C' lc_ctype 'C.UTF-8'"


class ClusterError(RuntimeError):
    """The local cluster could not be created, started or reached."""


def _as_cluster_owner(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def _run(args: list[str]) -> None:
    result = subprocess.run(_as_cluster_owner(args), capture_output=True, text=True)
    if result.returncode != 0:
        raise ClusterError(f"{' '.join(args[:2])} failed:\n{result.stdout}{result.stderr}")


def _prepare_data_dir(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(data_dir, "postgres", "postgres")
        data_dir.chmod(0o700)
        probe = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-w", str(data_dir)])
        if probe.returncode != 0:
            raise ClusterError(
                f"the postgres system user cannot reach {data_dir}; "
                "set STRAATKUBUS_STATE_DIR to a folder whose parents it can traverse"
            )


def is_running(settings: Settings) -> bool:
    return (settings.pg_data_dir / "postmaster.pid").exists() and _status_ok(settings)


def _status_ok(settings: Settings) -> bool:
    args = _as_cluster_owner([str(PG_BIN / "pg_ctl"), "status", "-D", str(settings.pg_data_dir)])
    return subprocess.run(args, capture_output=True).returncode == 0


def init(settings: Settings) -> bool:
    """Create the cluster if it does not exist; returns True when it was created."""
    data_dir = settings.pg_data_dir
    if (data_dir / "PG_VERSION").exists():
        return False
    _prepare_data_dir(data_dir)
    pwfile = data_dir.parent / ".initdb-password"
    pwfile.write_text(settings.pg_password + "\n")
    if os.geteuid() == 0:
        shutil.chown(pwfile, "postgres", "postgres")
    try:
        _run([
            str(PG_BIN / "initdb"), "-D", str(data_dir), "--username", settings.pg_user,
            "--pwfile", str(pwfile), "--auth", "scram-sha-256", "--encoding", "UTF8",
            "--locale", "C.UTF-8",
        ])
    finally:
        pwfile.unlink(missing_ok=True)
    write_server_settings(settings)
    (data_dir / "pg_hba.conf").write_text(
        "# straatkubus: TCP on loopback only, passwords required\n"
        "host all all 127.0.0.1/32 scram-sha-256\n"
    )
    return True


def write_server_settings(settings: Settings) -> None:
    """Write SERVER_SETTINGS to straatkubus.conf, included last by postgresql.conf."""
    data_dir = settings.pg_data_dir
    conf = "\n".join(f"{key} = {value}" for key, value in SERVER_SETTINGS.items())
    (data_dir / SETTINGS_FILE).write_text(
        f"# straatkubus (rewritten on every start)\nport = {settings.pg_port}\n{conf}\n")
    main_conf = data_dir / "postgresql.conf"
    include = f"include_if_exists = '{SETTINGS_FILE}'"
    if include not in main_conf.read_text():
        with open(main_conf, "a") as handle:
            handle.write(f"\n{include}\n")


def start(settings: Settings, timeout: float = 30.0) -> None:
    """Create (if needed) and start the cluster, then wait until it accepts connections.

    Every server process gets an address-space limit (`settings.backend_memory_gb`, shared
    buffers included): a query that wants more fails with "out of memory" instead of
    making the kernel kill a backend, which would restart the whole server.
    """
    init(settings)
    if not _status_ok(settings):
        write_server_settings(settings)
        log = settings.pg_data_dir / "server.log"
        limit = settings.backend_memory_gb * 1024**3
        _run(["prlimit", f"--as={limit}:{limit}", "--",
              str(PG_BIN / "pg_ctl"), "start", "-D", str(settings.pg_data_dir), "-l", str(log),
              "-w", "-t", str(int(timeout)), "-o", f"-p {settings.pg_port}"])
    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg2.connect(settings.dsn(database="postgres")).close()
            return
        except psycopg2.OperationalError as error:
            if time.monotonic() > deadline:
                raise ClusterError(f"cluster on port {settings.pg_port} not reachable: {error}") from error
            time.sleep(0.3)


def stop(settings: Settings) -> bool:
    """Stop the cluster if it runs; returns True when it was running."""
    if not (settings.pg_data_dir / "PG_VERSION").exists() or not _status_ok(settings):
        return False
    _run([str(PG_BIN / "pg_ctl"), "stop", "-D", str(settings.pg_data_dir), "-m", "fast", "-w"])
    return True


def ensure_databases(settings: Settings) -> None:
    """Warehouse and Superset metadata databases, PostGIS, the logins, and the lockdown.

    - Superset's metadata database is owned by its own login (not a superuser);
    - the base reader (`settings.reader_user`) may connect to the warehouse only (PUBLIC's
      default CONNECT is revoked on every database of the cluster); what it may read is
      granted by dbt and the publish step (`straatkubus.warehouse.access`);
    - in the warehouse, functions that run SQL given as text are closed to PUBLIC.
    """
    conn = psycopg2.connect(settings.dsn(database="postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        _login(cur, settings.superset_meta_user, settings.superset_meta_password)
        _login(cur, settings.reader_user, settings.reader_password)
        access.limit_login(cur, settings.reader_user, settings.reader_statement_timeout)
        for database in (settings.pg_database, settings.superset_database):
            cur.execute("select 1 from pg_database where datname = %s", (database,))
            if cur.fetchone() is None:
                cur.execute(sql.SQL("create database {}{}").format(
                    sql.Identifier(database),
                    sql.SQL(WAREHOUSE_COLLATION if database == settings.pg_database else "")))
            cur.execute(sql.SQL("revoke all on database {} from public").format(
                sql.Identifier(database)))
        for database in ("postgres", "template1"):
            cur.execute(sql.SQL("revoke connect on database {} from public").format(
                sql.Identifier(database)))
        cur.execute(sql.SQL("alter database {} owner to {}").format(
            sql.Identifier(settings.superset_database), sql.Identifier(settings.superset_meta_user)))
        cur.execute(sql.SQL("grant connect on database {} to {}").format(
            sql.Identifier(settings.pg_database), sql.Identifier(settings.reader_user)))
    conn.close()
    conn = psycopg2.connect(settings.dsn(database=settings.superset_database))
    conn.autocommit = True
    with conn.cursor() as cur:  # metadata made by an earlier superuser-owned Superset
        cur.execute(sql.SQL("alter schema public owner to {}").format(
            sql.Identifier(settings.superset_meta_user)))
        cur.execute("select format('alter %%s %%I.%%I owner to %%I', case c.relkind when 'S' then "
                    "'sequence' when 'v' then 'view' else 'table' end, n.nspname, c.relname, %s) "
                    "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                    "where n.nspname = 'public' and c.relkind in ('r', 'S', 'v', 'p') "
                    "and c.relowner <> (select oid from pg_roles where rolname = %s)",
                    (settings.superset_meta_user, settings.superset_meta_user))
        for (statement,) in cur.fetchall():
            cur.execute(statement)
    conn.close()
    conn = psycopg2.connect(settings.dsn())
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("create extension if not exists postgis")
        cur.execute("revoke create on schema public from public")
        access.ensure_access_schema(cur)
        access.lock_down_functions(cur)
    conn.close()


def _login(cur, name: str, password: str) -> None:
    """Create or update a plain login (no superuser, no role creation, member of nothing)."""
    cur.execute("select 1 from pg_roles where rolname = %s", (name,))
    verb = "alter" if cur.fetchone() else "create"
    cur.execute(sql.SQL(verb + " role {} login nosuperuser nocreatedb nocreaterole "
                        "nobypassrls password %s").format(sql.Identifier(name)), (password,))


def drop_database(settings: Settings, database: str) -> None:
    conn = psycopg2.connect(settings.dsn(database="postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql.SQL("drop database if exists {} with (force)").format(
            sql.Identifier(database)))
    conn.close()
