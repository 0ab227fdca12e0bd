"""Run Superset (its own virtualenv, so as subprocesses) and the Redis of its login limiter.

The `superset` CLI prepares the metadata database; gunicorn serves the web app in its own
process group, with a pid file in superset_home; every process gets an allowlisted environment.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import psycopg2
import requests

from straatkubus.publish.superset.client import ADMIN_USER, SupersetError, password_works
from straatkubus.settings import REPO, SYSTEM_ENV, Settings

SUPERSET_DIR = REPO / "superset"
CONFIG_PATH = SUPERSET_DIR / "superset_config.py"
VENV_BIN = REPO / ".venv-superset" / "bin"

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
    if not password_works(settings.superset_url, ADMIN_USER, settings.superset_admin_password):
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
