"""Superset configuration for Straatkubus Parkstad (read through SUPERSET_CONFIG_PATH).

Secrets and the metadata database come from the environment that `straatkubus.publish.superset`
sets for the Superset process; nothing secret lives in this file.

Environment (Superset starts with exactly these and a few system variables, see
`straatkubus.publish.superset.superset_env`; the pseudonym key is never among them):
  SUPERSET_SECRET_KEY            required; signs sessions and encrypts stored DB passwords
  SUPERSET_METADATA_URI          required; Superset's own metadata database
  STRAATKUBUS_READER_USER        required; the warehouse login in the database's URI
  STRAATKUBUS_READER_PASSWORD    required; the key the scope logins' passwords derive from
  SUPERSET_RATELIMIT_STORAGE_URI required; shared by the web server's workers (Redis)
  SUPERSET_SESSION_COOKIE_SECURE "true" behind HTTPS. The demo runs on plain http at
                                 127.0.0.1, where a Secure cookie would never be sent back,
                                 so it defaults to false.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from datetime import timedelta
from pathlib import Path

from flask import g, request, session
from flask_login import current_user, logout_user
from superset.errors import SupersetErrorType
from superset.security import SupersetSecurityManager

# The scope logic is shared with the deploy (straatkubus/warehouse/access.py: stdlib and PyYAML only).
# Appended, not prepended: the repository's own `superset/` folder must not shadow Superset.
sys.path.append(str(Path(__file__).resolve().parent.parent))
from straatkubus.warehouse import access  # noqa: E402


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set; start Superset through `straatkubus superset`")
    return value


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = _required("SUPERSET_SECRET_KEY")
SQLALCHEMY_DATABASE_URI = _required("SUPERSET_METADATA_URI")

APP_NAME = "Straatkubus Parkstad"

# --- security --------------------------------------------------------------------------
# The REST security API (roles, users, permissions) is how the deploy applies roles.yaml.
FAB_ADD_SECURITY_API = True
# Anonymous visitors get nothing; every viewer logs in.
PUBLIC_ROLE_LIKE = None

WTF_CSRF_ENABLED = True

# --- the database decides: one warehouse login per scope --------------------------------------
# Superset's RLS rules filter a user's queries; PostgreSQL enforces the same rules again on
# the login each query runs as. The database's URI holds the base reader, which reads no
# rows; every engine Superset creates for a user connects as that user's scope login.
READER_USER = _required("STRAATKUBUS_READER_USER")
READER_KEY = _required("STRAATKUBUS_READER_PASSWORD")
RLS_RULES = access.load_rules()


def scope_login(user) -> str:
    roles = [role.name for role in getattr(user, "roles", None) or []]
    return access.login_name(access.scope_of(roles, RLS_RULES))


def DB_CONNECTION_MUTATOR(uri, params, username, security_manager, source):  # noqa: N802
    """Superset 6.1 calls this with the username for every engine it creates."""
    if uri.username != READER_USER:
        return uri, params
    user = security_manager.find_user(username=username) if username else None
    if user is None:  # no user (e.g. reading a dataset's columns): the base reader, no rows
        return uri, params
    login = scope_login(user)
    return uri.set(username=login, password=access.login_password(READER_KEY, login)), params


# How long a web server process reuses the permissions it read for a set of roles. Superset
# checks about 15 permissions per chart request, each a query of its own; this makes them one
# query per role set and PERMISSION_CACHE_SECONDS. The key is the user's role ids, read with
# the user on every request: a user given other roles is checked against those at once. A
# change to a role's own permissions reaches every process within this time.
PERMISSION_CACHE_SECONDS = 10


class StraatkubusSecurityManager(SupersetSecurityManager):
    """Superset's own, with the scope login in every result-cache key: one scope's cached
    result is never served to another, even if the RLS rules (today's key) were removed;
    and the permissions of a role set read at most every PERMISSION_CACHE_SECONDS."""

    _recent_permissions: dict[object, tuple[float, frozenset[tuple[str, str]]]] = {}

    def role_permissions(self, role_ids=None) -> frozenset[tuple[str, str]]:
        """Every (permission, view) of the roles (the Public role when None), from this
        process's cache when read less than PERMISSION_CACHE_SECONDS ago."""
        from flask_appbuilder.security.sqla.models import assoc_permissionview_role

        key = "public" if role_ids is None else tuple(sorted(set(role_ids)))
        read_at, permissions = self._recent_permissions.get(key, (0.0, frozenset()))
        if time.monotonic() - read_at < PERMISSION_CACHE_SECONDS:
            return permissions
        read_at = time.monotonic()
        role = assoc_permissionview_role.c.role_id
        query = (
            self.session.query(self.permission_model.name, self.viewmenu_model.name)
            .select_from(self.permissionview_model)
            .join(self.permission_model)
            .join(self.viewmenu_model)
            .join(assoc_permissionview_role,
                  assoc_permissionview_role.c.permission_view_id == self.permissionview_model.id)
        )  # fmt: skip
        if role_ids is None:
            query = query.join(self.role_model, self.role_model.id == role)
            query = query.filter(self.role_model.name == self.auth_role_public)
        else:
            query = query.filter(role.in_(key))
        permissions = frozenset((permission, view) for permission, view in query)
        self._recent_permissions[key] = (read_at, permissions)
        return permissions

    def get_user_by_id(self, pk):
        """The user with roles and groups in one query (FAB's loads them in three)."""
        from sqlalchemy.orm import joinedload

        user = self.user_model
        query = self.session.query(user).options(joinedload(user.roles), joinedload(user.groups))
        return query.filter(user.id == pk).one_or_none()

    def exist_permission_on_roles(self, view_name, permission_name, role_ids):
        return (permission_name, view_name) in self.role_permissions(role_ids)

    def is_item_public(self, permission_name, view_name):
        return (permission_name, view_name) in self.role_permissions()

    def user_view_menu_names(self, permission_name):
        if g.user.is_anonymous:
            return super().user_view_menu_names(permission_name)
        roles = [role.id for role in self.get_user_roles(g.user)]
        return {view for permission, view in self.role_permissions(roles) if permission == permission_name}

    def get_rls_cache_key(self, datasource):
        return [*super().get_rls_cache_key(datasource), f"login:{scope_login(getattr(g, 'user', None))}"]

    def register_views(self):
        """Superset limits the login form only; the REST login gets the same limit."""
        super().register_views()
        if self.is_auth_limited:
            for view in self.appbuilder.baseviews:
                if type(view).__name__ == "SecurityApi" and getattr(view, "blueprint", None) is not None:
                    self.limiter.limit(self.auth_rate_limit, methods=["POST"])(view.blueprint)


CUSTOM_SECURITY_MANAGER = StraatkubusSecurityManager

# Superset 6.1 checks this list in SQL Lab only (sql_lab.py and sql/execution/executor.py),
# not in a chart's custom SQL: there the database's own lockdown is what holds.
DISALLOWED_SQL_FUNCTIONS = {
    "postgresql": {
        signature.split("(")[0] for signature in access.REVIEWED_TEXT_QUERY_FUNCTIONS
    } | {
        "current_database", "current_schema", "current_user", "session_user", "current_setting",
        "set_config", "version", "inet_client_addr", "inet_client_port", "inet_server_addr",
        "inet_server_port", "pg_read_file", "pg_ls_dir", "pg_read_binary_file", "pg_sleep",
        "pg_terminate_backend", "pg_cancel_backend", "dblink", "lo_import", "lo_export",
    },
}  # fmt: skip

# Limits: the database ends a query after the reader's statement_timeout and refuses too
# much memory or temporary disk. Superset 6.1 puts the database's English message in a
# failed chart's answer (CUSTOM_DATABASE_ERRORS reaches only the `errors` list, which the
# chart-data API drops), so the app mutator below says it in Dutch.
SQLLAB_TIMEOUT = 30
SUPERSET_WEBSERVER_TIMEOUT = 60
DUTCH_DATABASE_ERRORS = [
    (re.compile("statement timeout"),
     "Deze vraag duurde te lang en is afgebroken. Kies minder indicatoren, een hoger niveau of één jaar."),
    (re.compile("out of memory|memory alloc|temporary file size exceeds"),
     "Deze vraag vraagt te veel geheugen of schijfruimte en is afgebroken. Kies minder indicatoren of "
     "een hoger niveau."),
    (re.compile("permission denied for (function|view|table|schema)"),
     "Deze vraag gebruikt iets waarvoor u geen toegang hebt en is niet uitgevoerd."),
    (re.compile("too many connections"),
     "Er lopen al te veel vragen tegelijk. Probeer het over een moment opnieuw."),
]
CUSTOM_DATABASE_ERRORS = {
    "straatkubus_warehouse": {
        pattern: (message, SupersetErrorType.GENERIC_DB_ENGINE_ERROR, {"show_issue_info": False})
        for pattern, message in DUTCH_DATABASE_ERRORS
    },
}


def FLASK_APP_MUTATOR(app):  # noqa: N802
    """A session that ends after a working day; a failed chart's database error in Dutch
    where it is one of the limits above."""

    @app.before_request
    def working_day_session():
        session.permanent = True  # the cookie expires after PERMANENT_SESSION_LIFETIME
        if current_user.is_authenticated:  # and the server ends it then, however active
            started = session.setdefault("straatkubus_login_at", time.time())
            if time.time() - started > PERMANENT_SESSION_LIFETIME.total_seconds():
                logout_user()
                session.clear()

    @app.after_request
    def dutch_database_errors(response):
        if response.status_code != 400 or not request.path.startswith("/api/v1/chart/data"):
            return response
        body = response.get_json(silent=True) or {}
        for pattern, message in DUTCH_DATABASE_ERRORS:
            if pattern.search(str(body.get("message", ""))):
                response.set_data(json.dumps({**body, "message": message}))
                break
        return response


# Login attempts are limited per account (and address), counted in Redis so that every
# gunicorn worker sees the same counts.
RATELIMIT_ENABLED = True
AUTH_RATE_LIMITED = True
AUTH_RATE_LIMIT = "10 per minute"
RATELIMIT_APPLICATION = "200 per second"
RATELIMIT_STORAGE_URI = _required("SUPERSET_RATELIMIT_STORAGE_URI")


def RATELIMIT_KEY_FUNC() -> str:  # noqa: N802
    """The client address, plus the username on a login attempt."""
    username = ""
    if request.method == "POST":
        body = request.get_json(silent=True) if request.is_json else None
        username = str((body or {}).get("username") or request.form.get("username") or "")
    return f"{request.remote_addr}|{username.strip().lower()}"


# A session lasts at most a working day (see FLASK_APP_MUTATOR).
PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
REMEMBER_COOKIE_DURATION = timedelta(hours=8)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _flag("SUPERSET_SESSION_COOKIE_SECURE")

REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
AUTH_USER_REGISTRATION = False

FEATURE_FLAGS = {
    # Access to dashboards follows dataset access (datasource_access), not per-dashboard roles.
    "DASHBOARD_RBAC": False,
    # No Jinja in SQL: filters and row-level security stay plain SQL.
    "ENABLE_TEMPLATE_PROCESSING": False,
    # Custom SQL in a chart request may not hold a subquery (which could read around RLS).
    "ALLOW_ADHOC_SUBQUERY": False,
    "EMBEDDED_SUPERSET": False,
    "ALERT_REPORTS": False,
}

# --- audit trail ---------------------------------------------------------------------------
# Every request (who opened which dashboard, chart data, exports, logins) is written to the
# metadata database's `logs` table, readable by Admin under Instellingen > Actielog: the rows
# of Superset's DBEventLogger, but written by a thread of each web server process in one
# insert per AUDIT_FLUSH_SECONDS instead of a commit of their own inside every request (three
# per chart request, each followed by reloading the user). A process that stops flushes what
# it holds; one that is killed loses at most that last second.
import atexit  # noqa: E402
import logging  # noqa: E402
import threading  # noqa: E402
from datetime import datetime  # noqa: E402

from superset.utils.log import DBEventLogger  # noqa: E402

AUDIT_FLUSH_SECONDS = 1.0


class BatchedDBEventLogger(DBEventLogger):
    """DBEventLogger's rows, queued in the request and inserted by a background thread."""

    def __init__(self) -> None:
        self._rows: list[dict] = []
        self._lock = threading.Lock()
        self._engine = None
        self._pid = None

    def log(self, user_id, action, dashboard_id, duration_ms, slice_id, referrer, *args, **kwargs):
        records = kwargs.get("records") or [kwargs.get("curated_payload") or {}]
        logged_at = datetime.utcnow()  # naive UTC, as Superset's own Log.dttm default
        rows = []
        for record in records:
            try:
                record_json = json.dumps(record, default=str)
            except (TypeError, ValueError):
                record_json = None
            rows.append({
                "action": action, "json": record_json, "user_id": user_id, "dttm": logged_at,
                "dashboard_id": dashboard_id or record.get("dashboard_id"),
                "slice_id": slice_id or record.get("slice_id"),
                "duration_ms": duration_ms, "referrer": referrer,
            })  # fmt: skip
        with self._lock:
            self._rows.extend(rows)
            if self._pid != os.getpid():  # first row of this (forked) process: start its writer
                from superset import db

                self._engine, self._pid = db.engine, os.getpid()
                threading.Thread(target=self._write_every_interval, daemon=True).start()
                atexit.register(self.flush)

    def _write_every_interval(self) -> None:
        while True:
            time.sleep(AUDIT_FLUSH_SECONDS)
            self.flush()

    def flush(self) -> None:
        from superset.models.core import Log

        with self._lock:
            rows, self._rows = self._rows, []
        if not rows:
            return
        try:
            with self._engine.begin() as connection:
                connection.execute(Log.__table__.insert(), rows)
        except Exception:  # the request has been answered; say what was lost
            logging.getLogger(__name__).exception("audit trail: %d log rows not written", len(rows))


EVENT_LOGGER = BatchedDBEventLogger()

# --- result cache ------------------------------------------------------------------------------
# Chart results are cached on disk, shared by the web server's workers. Superset's cache key
# includes the row-level security clauses of the requesting user, so users with different
# roles never share an entry. `straatkubus build` empties the cache after every build.
_HOME = os.environ.get("SUPERSET_HOME", ".")
DATA_CACHE_CONFIG = {
    "CACHE_TYPE": "FileSystemCache",
    "CACHE_DIR": os.path.join(_HOME, "cache", "data"),
    "CACHE_DEFAULT_TIMEOUT": 24 * 3600,
    "CACHE_THRESHOLD": 20000,
}

# --- response compression (Flask-Compress) -------------------------------------------------
# The PC6 map's chart data is close to 1 MB of JSON per request. Browsers get zstd (level 3,
# about 4 ms); clients that only accept gzip got level 6, which took 18 ms of a worker's CPU
# per map request. Level 1 takes 5 ms for a 20 % larger answer (200 instead of 168 kB).
COMPRESS_LEVEL = 1

# --- base map ----------------------------------------------------------------------------
# deck.gl charts draw `tile://` styles as a raster TileLayer (no Mapbox token needed).
# PDOK BRT-Achtergrondkaart: the Dutch government's open base map. When the tiles cannot
# be reached (offline demo) the polygons still draw, on an empty background.
PDOK_HOST = "https://service.pdok.nl"
PDOK_BRT_TILES = f"tile://{PDOK_HOST}/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{{z}}/{{x}}/{{y}}.png"
DECKGL_BASE_MAP = [
    [PDOK_BRT_TILES, "PDOK BRT-Achtergrondkaart"],
    [PDOK_BRT_TILES.replace("/standaard/", "/grijs/"), "PDOK BRT-Achtergrondkaart (grijs)"],
]
MAPBOX_API_KEY = ""

# --- Content Security Policy (flask-talisman) -------------------------------------------------
# Same shape as Superset's default, minus third-party hosts: no Mapbox, no OpenStreetMap and no
# Scarf analytics pixel (which the CSP therefore blocks). Images may be data:/blob: (chart
# exports, deck.gl textures); map tiles come from PDOK only. deck.gl renders without
# 'unsafe-eval' (checked in Chromium), so script-src keeps Superset's nonce + strict-dynamic.
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", PDOK_HOST],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'", PDOK_HOST],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
        "frame-ancestors": ["'self'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": SESSION_COOKIE_SECURE,
}
TALISMAN_DEV_CONFIG = TALISMAN_CONFIG
CONTENT_SECURITY_POLICY_WARNING = False

# --- language ------------------------------------------------------------------------------
# Dutch for logged-in users. The login page itself stays English: anonymous visitors may not
# load language packs, and Superset 6.1's Dutch pack translates "Sign in" as "Niet in".
BABEL_DEFAULT_LOCALE = "nl"
LANGUAGES = {
    "nl": {"flag": "nl", "name": "Nederlands"},
    "en": {"flag": "us", "name": "English"},
}
D3_FORMAT = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["€ ", ""]}

# --- housekeeping --------------------------------------------------------------------------
SHOW_STACKTRACE = False
ROW_LIMIT = 50000
