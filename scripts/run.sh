#!/usr/bin/env bash
# Launch Strongroom (creating .venv on first run). Extra arguments go to main.py, e.g.
#   ./scripts/run.sh user list --vault ~/vault --user admin
source "$(dirname "$0")/_env.sh"
exec .venv/bin/python main.py "$@"
