#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs the system packages the tests need when
# they are missing (scripts/install-deps.sh), then runs every test binary (--no-fail-fast:
# one failing binary does not hide the others) and prints one summary line.
# Extra arguments go to `cargo test` (e.g. `scripts/test.sh -p quarry-tests --test sqlc`).
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh || exit 1

# The tests start their own servers; a DATABASE_URL from the environment must not leak in.
unset DATABASE_URL

mkdir -p target
cargo test --workspace --no-fail-fast "$@" 2>&1 | tee target/test.log
status=${PIPESTATUS[0]}

echo "== summary ($SECONDS s)"
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?$/) p += $i; if ($(i+1) ~ /^failed;?$/) f += $i; if ($(i+1) ~ /^ignored;?$/) g += $i } n++ }
     END { printf "%d test binaries\ntests: %d passed, %d failed, %d skipped\n", n, p, f, g }' target/test.log
exit "$status"
