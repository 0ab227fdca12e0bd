"""Run Apache Superset for the demo and deploy the dashboards, roles and row-level security.

Superset lives in its own virtualenv (`.venv-superset`, its pins clash with dbt's), so it runs
as a subprocess: the `superset` CLI for the metadata database and gunicorn for the web server.
Everything else talks to it over its REST API, as an admin:

- `superset/assets/` is an unzipped Superset export (the database URI a Jinja placeholder
  filled from Settings), imported through `POST /api/v1/assets/import/`, which overwrites
  database, datasets, charts and dashboards by UUID (the dashboard import endpoint would leave
  changed charts untouched);
- `superset/roles.yaml` and `superset/rls.yaml` are applied by name: roles get exactly their
  permissions, RLS rules not in the file are deleted; `superset/demo_users.yaml` is created
  or updated by username. Nothing is ever duplicated;
- `export` writes a running Superset back in that layout (the round trip test uses it).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import psycopg2
import requests
import yaml
from psycopg2 import sql

from straatkubus.settings import REPO, SYSTEM_ENV, Settings
from straatkubus.warehouse import access

SUPERSET_DIR = REPO / "superset"
ASSETS_DIR = SUPERSET_DIR / "assets"
CONFIG_PATH = SUPERSET_DIR / "superset_config.py"
VENV_BIN = REPO / ".venv-superset" / "bin"
ADMIN_USER = "admin"
DATABASE_FILE = "databases/straatkubus_warehouse.yaml"
BUNDLE_ROOT = "straatkubus_assets"


class SupersetError(RuntimeError):
    """Superset could not be started, reached or configured."""


# Values that must never protect a running Superset: Superset's own documented defaults and
# this project's former demo values.
KNOWN_DEFAULT_SECRETS = {
    "CHANGE_ME_TO_A_COMPLEX_RANDOM_SECRET", "YOUR_OWN_RANDOM_GENERATED_SECRET_KEY",
    "thisismyscretkey", "superset", "admin", "password", "changeme",
    "admin-demo", "reader-demo", "straatkubus-demo",
}  # fmt: skip
MIN_SECRET_KEY_LENGTH = 32
MIN_PASSWORD_LENGTH = 12


def refuse_weak_secrets(settings: Settings) -> None:
    """Refuse to run Superset with a known default or short SECRET_KEY or password."""
    checks = {
        "SUPERSET_SECRET_KEY": (settings.superset_secret_key, MIN_SECRET_KEY_LENGTH),
        "STRAATKUBUS_SUPERSET_ADMIN_PASSWORD": (settings.superset_admin_password, MIN_PASSWORD_LENGTH),
        "STRAATKUBUS_READER_PASSWORD": (settings.reader_password, MIN_PASSWORD_LENGTH),
    }
    for name, (value, length) in checks.items():
        if value in KNOWN_DEFAULT_SECRETS or len(value) < length:
            raise SupersetError(
                f"{name} is a known default or shorter than {length} characters; unset it to have one "
                f"generated in {settings.state_dir / 'secrets'}, or set a long random value"
            )


# --- process ------------------------------------------------------------------------------------
def _pid_file(settings: Settings) -> Path:
    return settings.superset_home / "gunicorn.pid"


def _log_file(settings: Settings) -> Path:
    return settings.superset_home / "superset.log"


def _redis_socket(settings: Settings) -> Path:
    return settings.superset_home / "redis.sock"


def superset_env(settings: Settings) -> dict[str, str]:
    """Environment for every Superset process (CLI and web server): an allowlist."""
    env = {name: os.environ[name] for name in SYSTEM_ENV if name in os.environ}
    env.update(
        {
            "SUPERSET_CONFIG_PATH": str(CONFIG_PATH),
            "SUPERSET_SECRET_KEY": settings.superset_secret_key,
            "SUPERSET_METADATA_URI": settings.dsn(database=settings.superset_database,
                                                  user=settings.superset_meta_user,
                                                  password=settings.superset_meta_password),
            "SUPERSET_RATELIMIT_STORAGE_URI": f"redis+unix://{_redis_socket(settings)}",
            "SUPERSET_HOME": str(settings.superset_home),
            "STRAATKUBUS_READER_USER": settings.reader_user,
            "STRAATKUBUS_READER_PASSWORD": settings.reader_password,
            "FLASK_APP": "superset.app:create_app()",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _start_redis(settings: Settings) -> None:
    """The login rate limiter's shared counter store: Redis on a Unix socket, no disk."""
    socket = _redis_socket(settings)
    pid_file = settings.superset_home / "redis.pid"
    if socket.exists() and pid_file.exists() and Path(f"/proc/{pid_file.read_text().strip()}").exists():
        return
    socket.unlink(missing_ok=True)
    subprocess.run(
        ["redis-server", "--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700",
         "--save", "", "--appendonly", "no", "--daemonize", "yes", "--pidfile", str(pid_file),
         "--logfile", str(settings.superset_home / "redis.log")],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while not socket.exists():
        if time.monotonic() > deadline:
            raise SupersetError(f"Redis did not start; see {settings.superset_home / 'redis.log'}")
        time.sleep(0.1)


def _stop_redis(settings: Settings) -> None:
    pid_file = settings.superset_home / "redis.pid"
    try:
        pid = int(pid_file.read_text().strip())
        if b"redis-server" in Path(f"/proc/{pid}/cmdline").read_bytes():
            os.kill(pid, signal.SIGTERM)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        pass
    pid_file.unlink(missing_ok=True)


def _superset_cli(settings: Settings, *args: str, stdin: str | None = None) -> None:
    with open(_log_file(settings), "a") as log:
        log.write(f"\n=== superset {' '.join(args)}\n")
        log.flush()
        result = subprocess.run(
            [str(VENV_BIN / "superset"), *args],
            env=superset_env(settings),
            input=stdin,
            text=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    if result.returncode != 0:
        raise SupersetError(f"`superset {args[0]}` failed; see {_log_file(settings)}")


def _admin_exists(settings: Settings) -> bool:
    conn = psycopg2.connect(settings.dsn(database=settings.superset_database))
    try:
        with conn.cursor() as cur:
            cur.execute("select 1 from ab_user where username = %s", (ADMIN_USER,))
            return cur.fetchone() is not None
    finally:
        conn.close()


def is_healthy(settings: Settings) -> bool:
    """True when the Superset web server answers its health check."""
    try:
        response = requests.get(f"{settings.superset_url}/health", timeout=2)
    except requests.RequestException:
        return False
    return response.status_code == 200 and response.text.strip() == "OK"


def _gunicorn_command(settings: Settings) -> list[str]:
    return [
        str(VENV_BIN / "python"), "-m", "gunicorn",
        "--bind", f"127.0.0.1:{settings.superset_port}",
        "--workers", "2", "--worker-class", "gthread", "--threads", "4", "--timeout", "120",
        "--limit-request-line", "0", "--limit-request-field_size", "0",
        "--no-control-socket",
        "superset.app:create_app()",
    ]  # fmt: skip


def _running_pid(settings: Settings) -> int | None:
    """The pid in the pid file, if that process is still our gunicorn (not a reused pid)."""
    try:
        pid = int(_pid_file(settings).read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None
    expected = [part.encode() for part in _gunicorn_command(settings)]
    return pid if cmdline[: len(expected)] == expected else None


def start(settings: Settings, timeout: float = 120.0) -> None:
    """Prepare the metadata database and start Superset on 127.0.0.1 (no-op when healthy).

    Runs `superset db upgrade`, creates the admin user when it is missing, `superset init`,
    then gunicorn in the background (its own process group, pid file in superset_home).
    """
    refuse_weak_secrets(settings)
    if is_healthy(settings):
        print(f"Superset already runs at {settings.superset_url}")
        return
    if _running_pid(settings) is not None:
        stop(settings)
    settings.superset_home.mkdir(parents=True, exist_ok=True)
    _start_redis(settings)
    print("Superset: upgrading the metadata database ...")
    _superset_cli(settings, "db", "upgrade")
    if not _admin_exists(settings):
        print(f"Superset: creating admin user '{ADMIN_USER}' ...")
        password = settings.superset_admin_password
        _superset_cli(  # the password goes in on stdin (the prompt), not on the command line
            settings, "fab", "create-admin", "--username", ADMIN_USER,
            "--firstname", "Straatkubus", "--lastname", "Beheer",
            "--email", "admin@straatkubus.invalid",
            stdin=f"{password}\n{password}\n",
        )  # fmt: skip
        if not _admin_exists(settings):
            raise SupersetError(f"creating the admin user failed; see {_log_file(settings)}")
    print("Superset: initialising roles and permissions ...")
    _superset_cli(settings, "init")

    print(f"Superset: starting the web server on {settings.superset_url} ...")
    with open(_log_file(settings), "a") as log:
        process = subprocess.Popen(
            _gunicorn_command(settings),
            env=superset_env(settings),
            cwd=settings.superset_home,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    _pid_file(settings).write_text(f"{process.pid}\n")
    deadline = time.monotonic() + timeout
    while not is_healthy(settings):
        if process.poll() is not None:
            raise SupersetError(f"gunicorn exited ({process.returncode}); see {_log_file(settings)}")
        if time.monotonic() > deadline:
            stop(settings)
            raise SupersetError(f"Superset not healthy after {timeout:.0f} s; see {_log_file(settings)}")
        time.sleep(0.5)
    if not _password_works(settings.superset_url, ADMIN_USER, settings.superset_admin_password):
        print(f"Superset: setting the admin password from {settings.state_dir / 'secrets'} ...")
        _superset_cli(  # the setting was rotated (or came from an older state folder)
            settings, "fab", "reset-password", "--username", ADMIN_USER,
            stdin=f"{settings.superset_admin_password}\n{settings.superset_admin_password}\n",
        )  # fmt: skip
    print(f"Superset runs at {settings.superset_url} (pid {process.pid})")


def stop(settings: Settings, timeout: float = 20.0) -> bool:
    """Stop the web server started by `start` (its whole process group); True if it ran."""
    pid = _running_pid(settings)
    _stop_redis(settings)
    if pid is None:
        _pid_file(settings).unlink(missing_ok=True)
        return False
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):  # reap it when this process started it
            os.waitpid(pid, os.WNOHANG)
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        os.killpg(pid, signal.SIGKILL)
    _pid_file(settings).unlink(missing_ok=True)
    print(f"Superset stopped (pid {pid})")
    return True


def clear_result_cache(settings: Settings) -> None:
    """Empty the chart result cache (DATA_CACHE_CONFIG in superset_config.py), e.g. after a build."""
    cache = settings.superset_home / "cache" / "data"
    for entry in cache.glob("*") if cache.is_dir() else []:
        entry.unlink(missing_ok=True)


# --- REST client --------------------------------------------------------------------------
class Client:
    """A logged-in Superset REST session (JWT bearer token plus CSRF token)."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        response = self.session.post(
            f"{self.base_url}/api/v1/security/login",
            json={"username": username, "password": password, "provider": "db", "refresh": False},
            timeout=30,
        )
        if response.status_code != 200:
            raise SupersetError(f"login as {username!r} failed ({response.status_code})")
        self.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        csrf = self.request("GET", "/api/v1/security/csrf_token/")["result"]
        self.session.headers.update({"X-CSRFToken": csrf, "Referer": self.base_url})

    def request(self, method: str, path: str, expect: tuple[int, ...] = (200, 201), **kwargs: Any) -> dict[str, Any]:
        response = self.session.request(method, f"{self.base_url}{path}", timeout=120, **kwargs)
        if response.status_code not in expect:
            raise SupersetError(f"{method} {path} -> {response.status_code}: {response.text[:800]}")
        return response.json() if response.content else {}

    def list(
        self, path: str, filters: list[tuple[str, str, Any]] | None = None, order: str = "id"
    ) -> Iterator[dict[str, Any]]:
        """All rows of a list endpoint, page by page (Rison `q`, filters as col/opr/value).

        Always ordered (by id unless the endpoint cannot): without an order, pages of FAB
        list endpoints overlap and skip rows.
        """
        page = 0
        while True:
            query: dict[str, Any] = {"page": page, "page_size": 100, "order_column": order, "order_direction": "asc"}
            if filters:
                query["filters"] = [{"col": c, "opr": o, "value": v} for c, o, v in filters]
            body = self.request("GET", path, params={"q": _rison(query)})
            rows = body.get("result", [])
            yield from rows
            if len(rows) < 100:
                return
            page += 1


def _rison(value: Any) -> str:
    """Encode the small subset of Rison that Superset list queries use."""
    if isinstance(value, bool):
        return "!t" if value else "!f"
    if value is None:
        return "!n"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("!", "!!").replace("'", "!'") + "'"
    if isinstance(value, list):
        return "!(" + ",".join(_rison(v) for v in value) + ")"
    if isinstance(value, dict):
        return "(" + ",".join(f"{k}:{_rison(v)}" for k, v in value.items()) + ")"
    raise TypeError(f"cannot encode {value!r} as Rison")


def admin_client(settings: Settings) -> Client:
    """A REST session as the admin user."""
    return Client(settings.superset_url, ADMIN_USER, settings.superset_admin_password)


# --- assets -------------------------------------------------------------------------------
def render_assets(settings: Settings, source: Path = SUPERSET_DIR) -> dict[str, str]:
    """The asset YAML files ready for import: {path inside the bundle: text}.

    `{{ reader_uri }}` in the database files becomes the warehouse URI of the read-only reader
    (only those are templates: charts may hold Handlebars); dashboards get placeholder chart
    ids and their "first item" filter defaults pinned (see below).
    """
    context = {
        "reader_uri": (
            f"postgresql+psycopg2://{settings.reader_user}:{settings.reader_password}"
            f"@{settings.pg_host}:{settings.pg_port}/{settings.pg_database}"
        ),
    }
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    files = {
        path.relative_to(source / "assets").as_posix(): path.read_text()
        for path in sorted((source / "assets").rglob("*.yaml"))
    }
    for name, text in files.items():  # only the database files are templates (charts hold Handlebars)
        if name.startswith("databases/"):
            files[name] = env.from_string(text).render(context)
    if "metadata.yaml" not in files:
        raise SupersetError(f"{source / 'assets'}/metadata.yaml is missing")
    tables = {
        config["uuid"]: (config["schema"], config["table_name"])
        for name, text in files.items()
        if name.startswith("datasets/")
        for config in [yaml.safe_load(text)]
    }
    for name, text in files.items():
        if name.startswith("dashboards/"):
            config = yaml.safe_load(text)
            _add_chart_ids(config)
            _pin_first_item_defaults(config, tables, settings)
            files[name] = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
    return files


def _add_chart_ids(config: dict[str, Any]) -> None:
    """Give every chart in a dashboard's layout a placeholder `chartId`.

    Superset's importer maps old chart ids to new ones and needs one per chart; the files in
    git carry only UUIDs, so the placeholders (1, 2, ...) are added here.
    """
    charts = [node for node in config["position"].values() if isinstance(node, dict) and node.get("type") == "CHART"]
    for number, node in enumerate(charts, start=1):
        node["meta"].setdefault("chartId", number)


def _pin_first_item_defaults(config: dict[str, Any], tables: dict[str, tuple[str, str]], settings: Settings) -> None:
    """Turn "select first filter value by default" into an explicit default value.

    Superset 6.1 shows the first value in the filter bar but loads the charts unfiltered
    until the user clicks Apply. So the deploy looks the first value up in the warehouse
    (in the filter's sort order, e.g. the newest year) and stores it as the default. A year
    (`period_year`) is the first one whose register deliveries are complete in all of
    Parkstad (dbt's int_register_years), not a year of early event deliveries only.
    """
    for native in config.get("metadata", {}).get("native_filter_configuration", []):
        controls = native.get("controlValues", {})
        if native.get("filterType") != "filter_select" or not controls.get("defaultToFirstItem"):
            continue
        target = native["targets"][0]
        column = target["column"]["name"]
        schema, table = tables[target["datasetUuid"]]
        query = sql.SQL("select {col} from {tbl} where {col} is not null {complete} order by 1 {dir} limit 1")
        conn = psycopg2.connect(settings.dsn())
        try:
            with conn.cursor() as cur:
                cur.execute("select to_regclass('intermediate.int_register_years') is not null")
                complete = sql.SQL(
                    "and {col} not in (select period_year from intermediate.int_register_years "
                    "where not is_complete_in_parkstad)"
                    if column == "period_year" and cur.fetchone()[0] else ""
                ).format(col=sql.Identifier(column))
                cur.execute(query.format(
                    col=sql.Identifier(column),
                    tbl=sql.Identifier(schema, table),
                    complete=complete,
                    dir=sql.SQL("asc" if controls.get("sortAscending", True) else "desc"),
                ))
                row = cur.fetchone()
        except psycopg2.Error as error:
            raise SupersetError(
                f"cannot read {schema}.{table} for the filter '{native['name']}'; build the warehouse first"
            ) from error
        finally:
            conn.close()
        if row is None:
            raise SupersetError(f"{schema}.{table} has no {column}; build the warehouse first")
        value = row[0]
        controls["defaultToFirstItem"] = False
        native["defaultDataMask"] = {
            "extraFormData": {"filters": [{"col": column, "op": "IN", "val": [value]}]},
            "filterState": {"value": [value], "label": str(value)},
            "ownState": {},
        }


def _bundle(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(f"{BUNDLE_ROOT}/{name}", text)
    return buffer.getvalue()


def import_assets(settings: Settings, client: Client, source: Path = SUPERSET_DIR) -> None:
    """Import database, datasets, charts and dashboards, overwriting by UUID."""
    files = render_assets(settings, source)
    client.request(
        "POST",
        "/api/v1/assets/import/",
        files={"bundle": ("straatkubus_assets.zip", _bundle(files), "application/zip")},
        data={"passwords": json.dumps({DATABASE_FILE: settings.reader_password})},
    )
    kinds = sorted({name.split("/")[0] for name in files if "/" in name})
    print(f"Superset: imported {len(files) - 1} asset files ({', '.join(kinds)})")


# --- roles, row-level security, users -----------------------------------------------------------
def _load_yaml(source: Path, name: str) -> Any:
    return yaml.safe_load((source / name).read_text()) or []


def _dataset(client: Client, schema_table: str) -> dict[str, Any]:
    schema, table = schema_table.split(".", 1)
    rows = [
        row
        for row in client.list("/api/v1/dataset/", [("table_name", "eq", table)], order="table_name")
        if row.get("schema") == schema
    ]
    if len(rows) != 1:
        raise SupersetError(f"expected one dataset {schema_table}, found {len(rows)}")
    return rows[0]


def _permission_ids(client: Client) -> dict[str, int]:
    """Every permission on every resource, keyed as 'can read on Chart'."""
    return {
        f"{row['permission']['name'].replace('_', ' ')} on {row['view_menu']['name']}": row["id"]
        for row in client.list("/api/v1/security/permissions-resources/")
    }


def _resolve_permission(client: Client, name: str, cache: dict[str, dict[str, Any]]) -> str:
    """'datasource access on schema.table' -> the dataset's own permission name."""
    prefix = "datasource access on "
    target = name[len(prefix) :] if name.startswith(prefix) else ""
    if not target or target.startswith("["):
        return name
    if target not in cache:
        cache[target] = _dataset(client, target)
    dataset = cache[target]
    return f"{prefix}[{dataset['database']['database_name']}].[{dataset['table_name']}](id:{dataset['id']})"


def flatten_permissions(items: list[Any]) -> Iterator[str]:
    """Permission names; a nested list (a YAML alias of another role's list) is spliced in."""
    for item in items:
        if isinstance(item, list):
            yield from flatten_permissions(item)
        else:
            yield item


def _roles(client: Client) -> dict[str, int]:
    return {row["name"]: row["id"] for row in client.list("/api/v1/security/roles/")}


def apply_roles(client: Client, source: Path = SUPERSET_DIR) -> dict[str, int]:
    """Create the roles of roles.yaml and set exactly their permissions; returns name -> id."""
    wanted = _load_yaml(source, "roles.yaml")
    roles = _roles(client)
    permissions = _permission_ids(client)
    datasets: dict[str, dict[str, Any]] = {}
    for role in wanted:
        name = role["name"]
        if name not in roles:
            roles[name] = client.request("POST", "/api/v1/security/roles/", json={"name": name})["id"]
            print(f"Superset: created role '{name}'")
        ids = set()
        for permission in flatten_permissions(role.get("permissions") or []):
            resolved = _resolve_permission(client, permission, datasets)
            if resolved not in permissions:
                raise SupersetError(f"role {name!r}: unknown permission {resolved!r}")
            ids.add(permissions[resolved])
        current = {
            row["id"] for row in client.request("GET", f"/api/v1/security/roles/{roles[name]}/permissions/")["result"]
        }
        if current != ids:
            # This endpoint replaces the role's permissions with exactly this list.
            client.request(
                "POST",
                f"/api/v1/security/roles/{roles[name]}/permissions",
                json={"permission_view_menu_ids": sorted(ids)},
            )
            print(f"Superset: set {len(ids)} permissions on role '{name}'")
    return roles


def apply_rls(client: Client, roles: dict[str, int], source: Path = SUPERSET_DIR) -> None:
    """Make the row-level security rules exactly those of rls.yaml (matched by name)."""
    existing = {row["name"]: row for row in client.list("/api/v1/rowlevelsecurity/", order="name")}
    datasets: dict[str, int] = {}
    rules = _load_yaml(source, "rls.yaml")
    for name in existing.keys() - {rule["name"] for rule in rules}:
        client.request("DELETE", f"/api/v1/rowlevelsecurity/{existing[name]['id']}")
        print(f"Superset: deleted RLS rule '{name}' (not in rls.yaml)")
    for rule in rules:
        for table in rule["tables"]:
            if table not in datasets:
                datasets[table] = _dataset(client, table)["id"]
        body = {
            "name": rule["name"],
            "description": rule.get("description") or "",
            "filter_type": rule["filter_type"],
            "tables": sorted(datasets[table] for table in rule["tables"]),
            "roles": sorted(roles[role] for role in rule["roles"]),
            "group_key": rule.get("group_key") or "",
            "clause": str(rule["clause"]),
        }
        current = existing.get(rule["name"])
        if current is None:
            client.request("POST", "/api/v1/rowlevelsecurity/", json=body)
            print(f"Superset: created RLS rule '{rule['name']}'")
            continue
        now = {
            "name": current["name"],
            "description": current.get("description") or "",
            "filter_type": current["filter_type"],
            "tables": sorted(table["id"] for table in current["tables"]),
            "roles": sorted(role["id"] for role in current["roles"]),
            "group_key": current.get("group_key") or "",
            "clause": current["clause"],
        }
        if now != body:
            client.request("PUT", f"/api/v1/rowlevelsecurity/{current['id']}", json=body)
            print(f"Superset: updated RLS rule '{rule['name']}'")


def _password_works(base_url: str, username: str, password: str) -> bool:
    response = requests.post(
        f"{base_url}/api/v1/security/login",
        json={"username": username, "password": password, "provider": "db"},
        timeout=30,
    )
    return response.status_code == 200


def apply_users(client: Client, roles: dict[str, int]) -> None:
    """Create or update the demo users of demo_users.yaml, matched by username."""
    for user in _load_yaml(SUPERSET_DIR, "demo_users.yaml")["users"]:
        body = {
            "username": user["username"],
            "first_name": user["first_name"],
            "last_name": user["last_name"],
            "email": user["email"],
            "active": True,
            "roles": sorted(roles[role] for role in user["roles"]),
        }
        found = list(client.list("/api/v1/security/users/", [("username", "eq", user["username"])]))
        if not found:
            client.request("POST", "/api/v1/security/users/", json={**body, "password": user["password"]})
            print(f"Superset: created user '{user['username']}'")
            continue
        current = found[0]
        now = {
            "username": current["username"],
            "first_name": current["first_name"],
            "last_name": current["last_name"],
            "email": current["email"],
            "active": current["active"],
            "roles": sorted(role["id"] for role in current["roles"]),
        }
        changes = {key: value for key, value in body.items() if now[key] != value}
        if not _password_works(client.base_url, user["username"], user["password"]):
            changes["password"] = user["password"]
        if changes:
            client.request("PUT", f"/api/v1/security/users/{current['id']}", json=changes)
            print(f"Superset: updated user '{user['username']}' ({', '.join(sorted(changes))})")


def apply_database_access(settings: Settings, client: Client, source: Path = SUPERSET_DIR) -> None:
    """One warehouse login per scope of Superset's users, and the policies of rls.yaml on the
    published marts (straatkubus.warehouse.access), in one transaction. A user added later in
    Superset's UI reads nothing until the next deploy creates the login of their scope."""
    users = [[role["name"] for role in user["roles"]] for user in client.list("/api/v1/security/users/")]
    conn = psycopg2.connect(settings.dsn())
    try:
        with conn, conn.cursor() as cur:
            logins = access.sync_logins(cur, settings.pg_database, settings.reader_password, users,
                                        settings.reader_statement_timeout, source)
            access.apply_policies(cur, "marts", settings.reader_user, source)
    finally:
        conn.close()
    print(f"Superset: {len(logins)} warehouse logins, one per scope of {len(users)} users")


def dashboard_urls(settings: Settings, source: Path = SUPERSET_DIR) -> dict[str, str]:
    """Every dashboard's title and address (by slug)."""
    paths = sorted((source / "assets" / "dashboards").glob("*.yaml"))
    dashboards = [yaml.safe_load(path.read_text()) for path in paths]
    return {
        dashboard["dashboard_title"]: f"{settings.superset_url}/superset/dashboard/{dashboard['slug']}/"
        for dashboard in dashboards
    }


def deploy(settings: Settings, source: Path = SUPERSET_DIR) -> None:
    """Import the assets and apply roles and row-level security (idempotent); then the demo
    users of superset/demo_users.yaml unless `settings.demo_users` is off."""
    refuse_weak_secrets(settings)
    if not is_healthy(settings):
        raise SupersetError(f"Superset does not run at {settings.superset_url}; start it first")
    client = admin_client(settings)
    import_assets(settings, client, source)
    roles = apply_roles(client, source)
    apply_rls(client, roles, source)
    if settings.demo_users:
        apply_users(client, roles)
    apply_database_access(settings, client, source)
    for title, url in dashboard_urls(settings, source).items():
        print(f"Superset: dashboard {title}: {url}")


# --- export ----------------------------------------------------------------------------------
BUILTIN_ROLES = {"Admin", "Alpha", "Gamma", "Public", "sql_lab"}
DATASET_PERMISSION = re.compile(r"^datasource access on \[[^\]]+\]\.\[([^\]]+)\]\(id:(\d+)\)$")


def export(settings: Settings, target: Path) -> None:
    """Write the running Superset's assets, roles and row-level security to `target`, in the
    layout `deploy(settings, source=target)` reads (demo users are not exported).

    Dataset permissions and RLS tables are written as schema.table, and the database URI as
    the `{{ reader_uri }}` placeholder, so the export deploys onto any installation.
    """
    client = admin_client(settings)
    response = client.session.get(f"{client.base_url}/api/v1/assets/export/", timeout=120)
    if response.status_code != 200:
        raise SupersetError(f"asset export failed ({response.status_code}): {response.text[:300]}")
    shutil.rmtree(target / "assets", ignore_errors=True)
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        for name in archive.namelist():
            inner = name.split("/", 1)[1]
            text = archive.read(name).decode()
            if inner.startswith("databases/"):
                config = yaml.safe_load(text)
                config["sqlalchemy_uri"] = "{{ reader_uri }}"
                text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
            path = target / "assets" / inner
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)

    datasets = {
        str(row["id"]): f"{row['schema']}.{row['table_name']}"
        for row in client.list("/api/v1/dataset/", order="table_name")
    }
    roles = []
    for role in client.list("/api/v1/security/roles/", order="name"):
        if role["name"] in BUILTIN_ROLES:
            continue
        granted = client.request("GET", f"/api/v1/security/roles/{role['id']}/permissions/")["result"]
        names = []
        for row in granted:
            name = f"{row['permission_name'].replace('_', ' ')} on {row['view_menu_name']}"
            if match := DATASET_PERMISSION.match(name):
                name = f"datasource access on {datasets[match.group(2)]}"
            names.append(name)
        roles.append({"name": role["name"], "permissions": sorted(names)})
    rules = [
        {
            "name": rule["name"],
            "description": rule.get("description") or "",
            "filter_type": rule["filter_type"],
            "tables": sorted(f"{table['schema']}.{table['table_name']}" for table in rule["tables"]),
            "roles": sorted(role["name"] for role in rule["roles"]),
            "group_key": rule.get("group_key") or None,
            "clause": rule["clause"],
        }
        for rule in client.list("/api/v1/rowlevelsecurity/", order="name")
    ]
    for name, content in (("roles.yaml", roles), ("rls.yaml", rules)):
        (target / name).write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False))
    print(f"Superset: exported assets, {len(roles)} roles and {len(rules)} RLS rules to {target}")
