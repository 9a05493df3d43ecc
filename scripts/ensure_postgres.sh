#!/usr/bin/env bash
# Installs Debian's PostgreSQL server and PostGIS for the tests of the PostgreSQL backend
# (make test) when absent. The tests start their own throw-away server with these binaries
# (scripts/pg_test_server.py); nothing is started here.
set -euo pipefail
have_pg() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }
have_postgis() { ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; }
if have_pg && have_postgis; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "PostgreSQL/PostGIS absents et pas de droits root : installez les paquets Debian 'postgresql' et 'postgresql-NN-postgis-3'." >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
if ! have_pg; then
  $SUDO apt-get install -y -qq postgresql >/dev/null
fi
# The PostGIS package of the server's major version (postgresql-15-postgis-3 on Debian 12).
version="$(ls /usr/lib/postgresql | sort -n | tail -1)"
$SUDO apt-get install -y -qq "postgresql-${version}-postgis-3" >/dev/null
