import subprocess
import sys

from straatkubus.settings import REPO


def test_python_code_is_ruff_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "straatkubus", "tests"],
                            cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
