#!/usr/bin/env bash
# Installs Debian's headless Chromium for the end-to-end tests (and poppler-utils for the PDF
# tests) when absent.
# Browsers cannot be downloaded by Playwright here: we drive the system Chromium
# through playwright's `executable_path`.
set -euo pipefail
# poppler-utils: pdftoppm, with which the PDF tests render the pre-diagnostic's pages.
if { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; } \
  && command -v pdftoppm >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "Chromium absent et pas de droits root : installez le paquet Debian 'chromium'." >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium fonts-dejavu-core poppler-utils >/dev/null
