"""The benchmark's figures and the Markdown report written to BENCHMARKS.md."""

from __future__ import annotations

import math
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass

import psutil

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Figure:
    measure: str
    value: str
    detail: str = ""
    target: str = ""  # the target and whether it is met (`against`)


def against(measured: float, limit: float, unit: str) -> str:
    """A figure held to its target (at most `limit`): '≤ 60 s: met' or '≤ 60 s: missed (1.6×)'."""
    target = f"≤ {limit:g}{unit}"
    if measured <= limit:
        return f"{target}: met"
    return f"{target}: missed ({measured / limit:.2f}×)"


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share 0.5 = median, 0.95 = p95)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f} rows/s"


def gib(size: int) -> str:
    return f"{size / 2**30:.1f} GiB"


def machine() -> str:
    memory = psutil.virtual_memory().total / 2**30
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (f"{os.cpu_count()} cores, {memory:.0f} GiB memory, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}; load average at the end "
            f"{load}")


def report(figures: list[Figure], command: str, notes: list[str]) -> str:
    width = max(len(f.measure) for f in figures)
    rows = [f"| {f.measure:<{width}} | {f.value} | {f.target} | {f.detail} |" for f in figures]
    return "\n".join([
        "# Benchmarks", "",
        f"Machine: {machine()}  ",
        f"Command: `{command}`  ",
        f"Measured: {time.strftime('%Y-%m-%d %H:%M')}", "",
        f"| {'measure':<{width}} | value | target | detail |", f"|{'-' * (width + 2)}|---|---|---|",
        *rows, "", *notes,
    ])
