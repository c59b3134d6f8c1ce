#!/usr/bin/env bash
# Run the whole test suite (lint included), installing what it needs first.
STRONGROOM_EXTRAS=test
source "$(dirname "$0")/_env.sh"

export QT_QPA_PLATFORM=offscreen
.venv/bin/python -m ruff check .
exec .venv/bin/python -m pytest "$@"
