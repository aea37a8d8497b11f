#!/usr/bin/env bash
# Sets up a fresh machine: a virtual environment with InferWatt and its dev tools, and
# LibreOffice Calc (headless), which the tests use to recalculate the generated workbook.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v soffice >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui >/dev/null
  else
    echo "setup: LibreOffice is missing; install it (e.g. sudo apt-get install -y libreoffice-calc-nogui)" >&2
  fi
fi
[ -d .venv ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
