#!/usr/bin/env bash
# Sets up a fresh machine: a virtual environment with InferWatt and its dev tools, and the two
# spreadsheet engines the tests recalculate the generated workbook with: LibreOffice Calc (headless)
# and Gnumeric (ssconvert).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
command -v ssconvert >/dev/null 2>&1 || missing+=(gnumeric)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing spreadsheet engines; install them (e.g. sudo apt-get install -y ${missing[*]})" >&2
  fi
fi
[ -d .venv ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
