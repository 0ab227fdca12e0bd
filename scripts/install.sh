#!/usr/bin/env bash
# Installs everything the project needs, and only what is missing:
#   apt: PostgreSQL 15 + PostGIS 3, Chromium (browser tests), Redis (Superset's login rate
#        limiter), as root or through sudo;
#   pip: .venv (dbt, Great Expectations, sqlfluff, glue, tests) and .venv-superset,
#        each from its pinned requirements file, rebuilt only when that file changes.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(postgresql-15 postgresql-15-postgis-3 chromium redis-server)
PYTHON=${PYTHON:-python3}

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "==> apt: installing ${missing[*]}"
  sudo_cmd=(); [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq \
    "${missing[@]}" >/dev/null
  # Debian starts a system cluster on 5432; the project runs its own and needs none.
  if command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | grep -q online; then
    "${sudo_cmd[@]}" pg_ctlcluster 15 main stop 2>/dev/null || true
  fi
fi

make_venv() {  # make_venv DIR REQUIREMENTS [EXTRA PIP ARGS...]
  local dir=$1 req=$2; shift 2
  local stamp="$dir/.requirements.sha256" want
  want=$(sha256sum "$req" pyproject.toml | sha256sum | cut -d' ' -f1)
  if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then return; fi
  echo "==> pip: building $dir from $req (a few minutes the first time)"
  rm -rf "$dir"
  "$PYTHON" -m venv "$dir"
  if ! "$dir/bin/pip" install -q --disable-pip-version-check -r "$req" "$@" >"$dir.log" 2>&1; then
    grep -v "^WARNING: Location" "$dir.log" | tail -n 30; echo "pip failed: see $dir.log" >&2; exit 1
  fi
  echo "$want" > "$stamp"
}

make_venv .venv requirements/main.txt -e .
make_venv .venv-superset requirements/superset.txt
echo "==> install: complete"
