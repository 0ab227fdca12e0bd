"""Superset configuration for Straatkubus Parkstad (read through SUPERSET_CONFIG_PATH).

Secrets and the metadata database come from the environment that `straatkubus.superset`
sets for the Superset process; nothing secret lives in this file.

Environment:
  SUPERSET_SECRET_KEY            required; signs sessions and encrypts stored DB passwords
  SUPERSET_METADATA_URI          required; Superset's own metadata database
  SUPERSET_SESSION_COOKIE_SECURE "true" behind HTTPS. The demo runs on plain http at
                                 127.0.0.1, where a Secure cookie would never be sent back,
                                 so it defaults to false.
"""

from __future__ import annotations

import os


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
# metadata database's `logs` table, readable by Admin under Instellingen > Actielog.
from superset.utils.log import DBEventLogger  # noqa: E402

EVENT_LOGGER = DBEventLogger()

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
