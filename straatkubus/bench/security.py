"""The security tests (tests/integration/security) at a benchmark scale: correctness kept
at every scale the bench builds. They build a warehouse and Superset of their own, on ports
and in a state folder apart from the benchmark's and from any other test run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

from straatkubus.bench.report import Progress
from straatkubus.bench.throughput import PARKSTAD_INHABITANTS, tiles_for
from straatkubus.settings import REPO

SECURITY_TESTS = "tests/integration/security"
PG_PORT, SUPERSET_PORT = 55437, 18137


def security_tests(inhabitants: int, progress: Progress) -> tuple[str, str]:
    """Run the security test package at `inhabitants`: (outcome, detail) for the report."""
    progress(f"security tests at {inhabitants:,} inhabitants")
    env = {**os.environ,
           "STRAATKUBUS_TEST_SCALE": str(inhabitants / PARKSTAD_INHABITANTS),
           "STRAATKUBUS_TEST_TILES": str(tiles_for(inhabitants)),
           "STRAATKUBUS_TEST_STATE_DIR": str(REPO / ".local" / "bench-security"),
           "STRAATKUBUS_TEST_PG_PORT": str(PG_PORT),
           "STRAATKUBUS_TEST_SUPERSET_PORT": str(SUPERSET_PORT)}
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pytest", SECURITY_TESTS, "-q", "-p", "no:cacheprovider"],
                            cwd=REPO, env=env, capture_output=True, text=True)
    return outcome(result.returncode, result.stdout, time.perf_counter() - started)


def outcome(returncode: int, output: str, seconds: float) -> tuple[str, str]:
    """(passed or FAILED, the counts of pytest's last line) of a pytest run."""
    summary = (output.strip().splitlines() or ["no output"])[-1]
    counts = {name.rstrip("s"): int(count) for count, name in re.findall(r"(\d+) (\w+)", summary)}
    return ("passed" if returncode == 0 else "FAILED",
            f"{counts.get('passed', 0)} passed, {counts.get('failed', 0)} failed, "
            f"{counts.get('error', 0)} errors: pytest {SECURITY_TESTS} on a warehouse and "
            f"Superset of its own at this scale, {seconds:,.0f} s")
