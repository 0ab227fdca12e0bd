"""One place for every setting: paths, ports and credentials, read from the environment.

The demo and the tests differ only in these values (the tests use their own ports and
state folder so they never collide with a running demo).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# The only variables of the caller's environment that reach Superset and dbt: no pseudonym
# key, no warehouse owner password, nothing else a deployment happens to have set.
SYSTEM_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")
REFERENCE_DATA_DIR = REPO / "data" / "reference"  # CBS and PDOK figures and boundaries

# The seven Parkstad municipalities with their CBS codes.
MUNICIPALITIES: dict[str, str] = {
    "GM1954": "Beekdaelen",
    "GM0899": "Brunssum",
    "GM0917": "Heerlen",
    "GM0928": "Kerkrade",
    "GM0882": "Landgraaf",
    "GM0965": "Simpelveld",
    "GM0986": "Voerendaal",
}


@dataclass(frozen=True)
class Variable:
    """An environment variable that `Settings.from_env` reads into one field.

    Set and non-empty, it wins; else its libpq counterpart (`PGPORT`, ...), if it has one and
    that is set; else the default. A variable without a default is a key or password,
    generated once per state folder when unset (`.local/<state>/secrets/`, git-ignored)."""

    name: str
    field: str
    default: str | None
    help: str
    parse: Callable[[str], Any] = str
    libpq: str | None = None


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _megabytes(value: str) -> int:
    return int(float(value) * (1 << 20))


# Every variable the settings read: `Settings.from_env`, `straatkubus --help` and the
# intake limits in docs/deliveries.md come from this table.
VARIABLES: tuple[Variable, ...] = (
    Variable("STRAATKUBUS_STATE_DIR", "state_dir", str(REPO / ".local" / "demo"),
             "state folder: cluster data, deliveries, secrets, logs", Path),
    Variable("STRAATKUBUS_PG_HOST", "pg_host", "127.0.0.1", "PostgreSQL host",
             libpq="PGHOST"),
    Variable("STRAATKUBUS_PG_PORT", "pg_port", "5433", "PostgreSQL port", int, "PGPORT"),
    Variable("STRAATKUBUS_PG_DATABASE", "pg_database", "straatkubus", "warehouse database",
             libpq="PGDATABASE"),
    Variable("STRAATKUBUS_PG_USER", "pg_user", "straatkubus",
             "warehouse owner, the local cluster's superuser", libpq="PGUSER"),
    Variable("STRAATKUBUS_PG_PASSWORD", "pg_password", None, "its password",
             libpq="PGPASSWORD"),
    Variable("STRAATKUBUS_READER_USER", "reader_user", "superset_reader",
             "Superset's base reader login"),
    Variable("STRAATKUBUS_READER_PASSWORD", "reader_password", None,
             "its password, and the key of every scope login's password"),
    Variable("STRAATKUBUS_READER_STATEMENT_TIMEOUT", "reader_statement_timeout", "30s",
             "longest dashboard query"),
    Variable("STRAATKUBUS_PG_BACKEND_MEMORY_GB", "backend_memory_gb", "6",
             "address space of every PostgreSQL process, shared buffers included", int),
    Variable("STRAATKUBUS_SUPERSET_META_USER", "superset_meta_user", "superset_app",
             "owner of Superset's metadata database, not a superuser"),
    Variable("STRAATKUBUS_SUPERSET_META_PASSWORD", "superset_meta_password", None,
             "its password"),
    Variable("STRAATKUBUS_SUPERSET_PORT", "superset_port", "8088", "Superset port", int),
    Variable("STRAATKUBUS_SUPERSET_DATABASE", "superset_database", "superset_meta",
             "Superset's metadata database"),
    Variable("STRAATKUBUS_SUPERSET_ADMIN_PASSWORD", "superset_admin_password", None,
             "password of Superset's admin"),
    Variable("SUPERSET_SECRET_KEY", "superset_secret_key", None, "Superset's secret key"),
    Variable("STRAATKUBUS_PSEUDONYM_KEY", "pseudonym_key", None,
             "HMAC key of the BSN pseudonyms"),
    Variable("STRAATKUBUS_DOCS_PORT", "docs_port", "8089", "port of `straatkubus docs`", int),
    Variable("STRAATKUBUS_TILES", "tiles", "0",
             "synthetic copies of Parkstad beyond Parkstad itself, for benchmarks", int),
    Variable("STRAATKUBUS_DEMO_USERS", "demo_users", "true",
             "deploy superset/demo_users.yaml, whose passwords are public: the local demo only", _flag),
    Variable("STRAATKUBUS_MAX_DELIVERY_MB", "max_delivery_bytes", "4096",
             "a larger delivery file is refused", _megabytes),
    Variable("STRAATKUBUS_MAX_LINE_BYTES", "max_line_bytes", str(1 << 20),
             "a longer line is refused", int),
    Variable("STRAATKUBUS_MAX_FIELD_CHARS", "max_field_chars", str(1 << 16),
             "a longer field is refused", int),
    Variable("STRAATKUBUS_VOLUME_FACTOR", "volume_factor", "2",
             "a delivery this many times smaller or larger than the one before is held", float),
    Variable("STRAATKUBUS_VOLUME_MIN_ROWS", "volume_min_rows", "20",
             "... unless both row counts are below this", int),
    Variable("STRAATKUBUS_RETENTION_DAYS", "retention_days", "90",
             "days quarantined rows and validation results are kept", int),
    Variable("STRAATKUBUS_MAX_REGISTER_AGE_DAYS", "max_register_age_days", "400",
             "`build` refuses (unless --force) when a municipal register was last loaded "
             "longer ago", int),
    Variable("STRAATKUBUS_DUCKDB_DIR", "duckdb_dir", "duckdb",
             "folder (under the state folder unless absolute) of the DuckDB reference: its "
             "database and what PostgreSQL hands it as Parquet", Path),
)
# libpq's variables, read where the matching STRAATKUBUS_PG_* is unset
LIBPQ_VARIABLES = tuple(variable.libpq for variable in VARIABLES if variable.libpq)
# The parsed defaults of the settings that have one, by field (docs/deliveries.md shows them)
DEFAULTS: dict[str, Any] = {variable.field: variable.parse(variable.default)
                            for variable in VARIABLES if variable.default is not None}


def _read(variable: Variable) -> str | None:
    for name in (variable.name, variable.libpq):
        if name and os.environ.get(name):
            return os.environ[name]
    return variable.default


def _secret(name: str, state_dir: Path) -> str:
    """The key or password `name` generated once per state folder.

    The generated file lives in the git-ignored state folder, never in the warehouse.
    """
    path = state_dir / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def local_cluster_only() -> None:
    """Forget libpq's variables in this process: for the commands that run a cluster of their
    own (the demo, the benchmark), which a PGPORT meant for another server must not move."""
    for name in LIBPQ_VARIABLES:
        os.environ.pop(name, None)


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; `Settings.from_env()` is the only constructor used in code."""

    state_dir: Path
    pg_host: str
    pg_port: int
    pg_database: str
    pg_user: str
    pg_password: str
    reader_user: str
    reader_password: str  # also the key from which every scope login's password is derived
    reader_statement_timeout: str  # per reader login; a dashboard query runs at most this long
    backend_memory_gb: int  # address space of every PostgreSQL process (shared buffers included)
    superset_meta_user: str  # owns Superset's metadata database; not a superuser
    superset_meta_password: str
    superset_port: int
    superset_database: str
    superset_admin_password: str
    superset_secret_key: str
    pseudonym_key: str
    docs_port: int  # `straatkubus docs` serves the dbt docs here
    tiles: int  # synthetic copies of Parkstad in scope, beyond Parkstad itself (benchmarks)
    demo_users: bool  # deploy superset/demo_users.yaml (public passwords: the local demo only)
    # Intake limits and policy (docs/deliveries.md)
    max_delivery_bytes: int  # a larger file is refused
    max_line_bytes: int  # a longer physical line is refused
    max_field_chars: int  # a longer field is refused
    volume_factor: float  # a delivery this many times smaller or larger is held
    volume_min_rows: int  # ... unless both counts are below this
    retention_days: int  # quarantined rows and validation results are kept this long
    max_register_age_days: int  # `build` refuses an older municipal register (unless --force)
    duckdb_dir: Path  # the DuckDB reference's folder (relative: in the state folder)

    @classmethod
    def from_env(cls) -> Settings:
        values: dict[str, Any] = {}
        for variable in VARIABLES:  # the state folder first: generated secrets live in it
            value = _read(variable)
            if value is None:
                value = _secret(variable.name, values["state_dir"])
            values[variable.field] = variable.parse(value)
        return cls(**values)

    # --- derived paths -------------------------------------------------------------------
    @property
    def reference_data_dir(self) -> Path:
        return REFERENCE_DATA_DIR

    @property
    def pg_data_dir(self) -> Path:
        return self.state_dir / "pgdata"

    @property
    def deliveries_dir(self) -> Path:
        return self.state_dir / "deliveries"

    @property
    def duckdb_folder(self) -> Path:
        return self.state_dir / self.duckdb_dir

    @property
    def superset_home(self) -> Path:
        return self.state_dir / "superset"

    @property
    def superset_url(self) -> str:
        return f"http://127.0.0.1:{self.superset_port}"

    def dsn(self, database: str | None = None, user: str | None = None,
            password: str | None = None) -> str:
        """libpq URL for the owner (default) or any other user of the local cluster."""
        return (
            f"postgresql://{user or self.pg_user}:{password or self.pg_password}"
            f"@{self.pg_host}:{self.pg_port}/{database or self.pg_database}"
        )

    def dbt_env(self) -> dict[str, str]:
        """Environment for dbt (profiles/profiles.yml reads these)."""
        return {
            "STRAATKUBUS_PG_HOST": self.pg_host,
            "STRAATKUBUS_PG_PORT": str(self.pg_port),
            "STRAATKUBUS_PG_DATABASE": self.pg_database,
            "STRAATKUBUS_PG_USER": self.pg_user,
            "STRAATKUBUS_PG_PASSWORD": self.pg_password,
            "STRAATKUBUS_READER_USER": self.reader_user,
            "STRAATKUBUS_DUCKDB_DIR": str(self.duckdb_folder),
        }
