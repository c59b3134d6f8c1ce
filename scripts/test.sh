#!/usr/bin/env bash
# Run the whole test suite (lint included), installing what it needs first.
STRONGROOM_EXTRAS=test
source "$(dirname "$0")/_env.sh"

# pdfsig (poppler-utils), qpdf and certutil (libnss3-tools) check signed PDFs independently of
# pyHanko (tests/core/pdf); where they cannot be installed those tests skip and say why.
missing=()
command -v pdfsig >/dev/null 2>&1 || missing+=(poppler-utils)
command -v qpdf >/dev/null 2>&1 || missing+=(qpdf)
command -v certutil >/dev/null 2>&1 || missing+=(libnss3-tools)
if [ "${#missing[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 &&
     { as_root apt-get update -qq &&
       as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } \
       >/dev/null 2>&1; then
    echo "Installed ${missing[*]} for the PDF signature tests." >&2
  else
    echo "Could not install ${missing[*]} (no apt-get, root or network): the PDF signature" \
         "checks by pdfsig/qpdf will be skipped." >&2
  fi
fi

export QT_QPA_PLATFORM=offscreen
.venv/bin/python -m ruff check .
exec .venv/bin/python -m pytest -n auto "$@"
