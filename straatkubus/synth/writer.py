"""Writing delivery files with DuckDB's CSV writer, and the SQL that formats their columns.

Each delivery is written from a frame of numpy columns (codes, days, numbers) by a
`COPY (SELECT ...)` whose expressions format them: the columns of every file are checked
against its contract. Municipal files are written whole; partner files (one per partner
and period, for all municipalities) stay open and are appended to.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from straatkubus.ingest.contracts import CONTRACTS, delivery_filename
from straatkubus.synth.addresses import PC6_LETTERS, Geography


def enum_sql(column: str, values: Iterable[str]) -> str:
    """SQL for the value of a code column (0-based index into `values`)."""
    return "([" + ", ".join(literal(v) for v in values) + f"])[{column} + 1]"


_LETTER_CODES = np.array([[ord(pair[0]) - 65, ord(pair[1]) - 65] for pair in PC6_LETTERS], dtype=np.int64)
POSTCODE_SQL = "pc4::VARCHAR || chr((65 + l1)::INTEGER) || chr((65 + l2)::INTEGER)"


def postcode_columns(geo: Geography, pc6: np.ndarray) -> dict[str, np.ndarray]:
    """Frame columns from which POSTCODE_SQL builds the postcodes of PC6 indices."""
    letters = _LETTER_CODES[geo.pc6_letter[pc6]]
    return {"pc4": geo.pc6_pc4_number[pc6], "l1": letters[:, 0], "l2": letters[:, 1]}


def date_sql(column: str) -> str:
    return f"DATE '1970-01-01' + {column}::INTEGER"


def nullable_date_sql(column: str) -> str:
    return f"CASE WHEN {column} < 0 THEN NULL ELSE DATE '1970-01-01' + {column}::INTEGER END"


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class Writer:
    """Writes delivery files with DuckDB's CSV writer; partner files stay open for appending."""

    def __init__(self, out_dir: Path) -> None:
        import duckdb

        self.out_dir = out_dir
        self.con = duckdb.connect()
        self.con.execute("SET threads TO 2")
        self.con.execute("SET preserve_insertion_order = true")
        self.con.execute("SET enable_progress_bar = false")
        self.files: list[Path] = []
        self.rows = 0
        self._open: dict[Path, object] = {}
        self._part = out_dir / ".generate-part.csv"

    def _copy(self, frame: dict, select: list[tuple[str, str]], target: Path, header: bool) -> int:
        frame = {name: np.ascontiguousarray(values) for name, values in frame.items()}
        self.con.register("frame", frame)
        try:
            columns = ", ".join(f'{expression} AS "{name}"' for name, expression in select)
            path = str(target).replace("'", "''")
            self.con.execute(f"COPY (SELECT {columns} FROM frame) TO '{path}' "
                             f"(FORMAT CSV, HEADER {str(header).lower()}, DELIMITER ',')")
        finally:
            self.con.unregister("frame")
        return len(next(iter(frame.values())))

    def write(self, source: str, sender: str, period: str, frame: dict,
              select: list[tuple[str, str]], append: bool = False) -> None:
        names = [name for name, _ in select]
        if names != CONTRACTS[source].column_names:
            raise AssertionError(f"{source}: columns {names} differ from its contract")
        path = self.out_dir / delivery_filename(source, sender, period)
        if not append:
            self.rows += self._copy(frame, select, path, header=True)
            self.files.append(path)
            return
        if path not in self._open:
            handle = open(path, "wb")  # noqa: SIM115 (closed by close())
            handle.write((",".join(names) + "\n").encode())
            self._open[path] = handle
            self.files.append(path)
        rows = self._copy(frame, select, self._part, header=False)
        if rows:
            with open(self._part, "rb") as part:
                shutil.copyfileobj(part, self._open[path], 1 << 20)
        self.rows += rows

    def close(self) -> None:
        for handle in self._open.values():
            handle.close()
        self._open.clear()
        self._part.unlink(missing_ok=True)
        self.con.close()


