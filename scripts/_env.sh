# Sourced by run.sh and test.sh: make .venv with Python 3.11+ and install the project into it,
# again only when pyproject.toml has changed since the last install.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PY="$candidate"; break
    fi
  done
fi
if [ -z "$PY" ]; then
  echo "Strongroom needs Python 3.11 or newer (python3.11+ was not found on PATH)." >&2
  exit 1
fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    # Debian and Ubuntu ship venv separately.
    if command -v apt-get >/dev/null 2>&1; then
      as_root apt-get update -qq && as_root apt-get install -y -qq python3-venv >/dev/null ||
        { echo "Install your distribution's python3-venv package, then run this again." >&2; exit 1; }
      "$PY" -m venv .venv
    else
      echo "Python's venv module is missing; install it, then run this again." >&2; exit 1
    fi
  fi
fi

extras="${STRONGROOM_EXTRAS:-}"
stamp=".venv/.installed${extras:+-$extras}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "Installing Strongroom's dependencies into .venv (first run only)…" >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras:+[$extras]}" >&2
  touch "$stamp"
fi
