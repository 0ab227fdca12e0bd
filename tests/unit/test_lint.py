import json
import re
import subprocess
import sys
from pathlib import Path

from straatkubus.publish.audit.queries import SQL_DIR as AUDIT_SQL
from straatkubus.settings import REPO


def test_python_code_is_ruff_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "straatkubus", "tests"],
                            cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def sqlfluff(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sqlfluff", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True)


# The audit's SQL is linted from its own folder: sqlfluff takes the templater (placeholder,
# not dbt) only from the working directory's `.sqlfluff`; the rules are the repository's.
def test_the_audit_sql_is_sqlfluff_clean():
    result = sqlfluff("lint", "--format", "json", ".", cwd=AUDIT_SQL)
    violations = {Path(file["filepath"]).name: file["violations"]
                  for file in json.loads(result.stdout)}
    assert set(violations) == {path.name for path in AUDIT_SQL.glob("*.sql")}, result.stderr
    assert result.returncode == 0, {name: found for name, found in violations.items() if found}


def test_sqlfluff_fails_broken_audit_sql():
    for broken in ("select from where\n", "SELECT a.x AS y FROM t AS a\n"):
        result = sqlfluff("lint", "--stdin-filename", "broken.sql", "-", cwd=AUDIT_SQL,
                          stdin=broken)
        assert result.returncode != 0, broken


def test_the_audit_reads_every_sql_file_and_no_other():
    python = "".join(path.read_text() for path in AUDIT_SQL.parent.glob("*.py"))
    read = set(re.findall(r'\b(?:query|compose)\(\s*"(\w+)"', python))
    assert read == {path.stem for path in AUDIT_SQL.glob("*.sql")}
