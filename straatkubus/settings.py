"""One place for every setting: paths, ports and credentials, read from the environment.

The demo and the tests differ only in these values (the tests use their own ports and
state folder so they never collide with a running demo).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

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


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _secret(name: str, state_dir: Path) -> str:
    """A secret from the environment, else one generated once per state folder.

    The generated file lives in the git-ignored state folder, never in the warehouse.
    """
    if os.environ.get(name):
        return os.environ[name]
    path = state_dir / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


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
    tiles: int  # synthetic copies of Parkstad in scope, beyond Parkstad itself (benchmarks)
    demo_users: bool  # deploy superset/demo_users.yaml (public passwords: the local demo only)
    # Intake limits and policy (docs/deliveries.md)
    max_delivery_bytes: int = 4096 << 20  # a larger file is refused
    max_line_bytes: int = 1 << 20  # a longer physical line is refused
    max_field_chars: int = 1 << 16  # a longer field is refused
    volume_factor: float = 2.0  # a delivery this many times smaller or larger is held
    volume_min_rows: int = 20  # ... unless both counts are below this
    retention_days: int = 90  # quarantined rows and validation results are kept this long
    # `straatkubus build` refuses (unless --force) when a municipal register's newest
    # delivery was loaded longer ago: a yearly register has missed its delivery
    max_register_age_days: int = 400

    @classmethod
    def from_env(cls) -> Settings:
        state_dir = Path(_env("STRAATKUBUS_STATE_DIR", str(REPO / ".local" / "demo")))
        return cls(
            state_dir=state_dir,
            pg_host="127.0.0.1",
            pg_port=int(_env("STRAATKUBUS_PG_PORT", "5433")),
            pg_database=_env("STRAATKUBUS_PG_DATABASE", "straatkubus"),
            pg_user=_env("STRAATKUBUS_PG_USER", "straatkubus"),
            pg_password=_secret("STRAATKUBUS_PG_PASSWORD", state_dir),
            reader_user=_env("STRAATKUBUS_READER_USER", "superset_reader"),
            reader_password=_secret("STRAATKUBUS_READER_PASSWORD", state_dir),
            reader_statement_timeout=_env("STRAATKUBUS_READER_STATEMENT_TIMEOUT", "30s"),
            backend_memory_gb=int(_env("STRAATKUBUS_PG_BACKEND_MEMORY_GB", "6")),
            superset_meta_user=_env("STRAATKUBUS_SUPERSET_META_USER", "superset_app"),
            superset_meta_password=_secret("STRAATKUBUS_SUPERSET_META_PASSWORD", state_dir),
            superset_port=int(_env("STRAATKUBUS_SUPERSET_PORT", "8088")),
            superset_database=_env("STRAATKUBUS_SUPERSET_DATABASE", "superset_meta"),
            superset_admin_password=_secret("STRAATKUBUS_SUPERSET_ADMIN_PASSWORD", state_dir),
            superset_secret_key=_secret("SUPERSET_SECRET_KEY", state_dir),
            pseudonym_key=_secret("STRAATKUBUS_PSEUDONYM_KEY", state_dir),
            tiles=int(_env("STRAATKUBUS_TILES", "0")),
            demo_users=_env("STRAATKUBUS_DEMO_USERS", "true").strip().lower() in {"1", "true", "yes", "on"},
            max_delivery_bytes=int(float(_env("STRAATKUBUS_MAX_DELIVERY_MB", "4096")) * (1 << 20)),
            max_line_bytes=int(_env("STRAATKUBUS_MAX_LINE_BYTES", str(1 << 20))),
            max_field_chars=int(_env("STRAATKUBUS_MAX_FIELD_CHARS", str(1 << 16))),
            volume_factor=float(_env("STRAATKUBUS_VOLUME_FACTOR", "2")),
            volume_min_rows=int(_env("STRAATKUBUS_VOLUME_MIN_ROWS", "20")),
            retention_days=int(_env("STRAATKUBUS_RETENTION_DAYS", "90")),
            max_register_age_days=int(_env("STRAATKUBUS_MAX_REGISTER_AGE_DAYS", "400")),
        )

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
        }
