#!/usr/bin/env bash
# Installs the system packages the test suite needs, when they are missing:
#   - a C toolchain (rustc links through `cc`; rustls' ring provider compiles C),
#   - the PostgreSQL server binaries (initdb, postgres, pg_basebackup) for the throwaway servers,
#   - PgBouncer, for the pooler tests (tests/tests/pgbouncer.rs),
#   - PostGIS for that PostgreSQL major version (tests/postgis/: the test crate's build.rs
#     generates from a schema that creates the extension).
# As root with apt-get it installs them; otherwise it prints exactly what to install and fails.
# Nothing is installed when everything is present.
set -euo pipefail

have_pg_server() {
  command -v initdb >/dev/null 2>&1 && return 0
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}
have_pgbouncer() {
  [ -n "${PGBOUNCER:-}" ] && [ -x "${PGBOUNCER}" ] && return 0
  command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]
}

# The major version of the server binaries the tests will start (the newest installed), whose
# extension folder PostGIS must be in.
pg_major() {
  local initdb
  initdb=$(command -v initdb || ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)
  [ -n "$initdb" ] && "$initdb" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)?.*/\1/'
}
have_postgis() {
  local major=$1
  ls /usr/share/postgresql/"$major"/extension/postgis.control >/dev/null 2>&1
}

missing=()
command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
have_pg_server || missing+=(postgresql)
have_pgbouncer || missing+=(pgbouncer)
if have_pg_server; then
  major=$(pg_major)
  have_postgis "$major" || missing+=("postgresql-$major-postgis-3")
else
  missing+=(postgis)   # Debian's postgis pulls the extension for its default server
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi

echo "error: the test suite needs these system packages: ${missing[*]}" >&2
echo "  Debian/Ubuntu: sudo apt-get install ${missing[*]}" >&2
echo "  elsewhere: PostgreSQL's server binaries (initdb, postgres) on PATH or via pg_config," >&2
echo "  PgBouncer on PATH (or PGBOUNCER=/path/to/pgbouncer), and PostGIS 3 for that server." >&2
exit 1
