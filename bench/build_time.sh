#!/usr/bin/env bash
# Clean and no-op `cargo build` (debug) of two minimal apps, side by side in one run:
#   quarry — `cargo quarry init`, then exactly the `cargo add` lines and main.rs it prints
#            (the crates from this checkout); its build.rs checks the 4 queries on a
#            throwaway PostgreSQL it starts.
#   sqlx   — sqlx 0.8 (runtime-tokio, postgres, macros) with the same 4 queries as `query!`
#            macros, checked at compile time against DATABASE_URL (a database holding the
#            same table, which this script creates).
# Each app builds into its own fresh target folder, one after the other, ROUNDS times
# (alternating which goes first). Prints each time and the quarry/sqlx ratio.
#
#   bash bench/build_time.sh [ROUNDS]      # default 1; needs cargo, the PostgreSQL server
#                                          # binaries, and a server for sqlx (PGURL, default
#                                          # postgres://postgres@127.0.0.1:5432/postgres)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-1}"
admin="${PGURL:-postgres://postgres@127.0.0.1:5432/postgres}"
work="$(mktemp -d /tmp/quarry-build-time.XXXXXX)"
trap 'rm -rf "$work"' EXIT

cargo build --quiet --release -p cargo-quarry --manifest-path "$root/Cargo.toml"
quarry_cli="$root/target/release/cargo-quarry"

# The sqlx app's database.
db="quarry_build_time_$$"
psql "$admin" -qc "CREATE DATABASE $db" >/dev/null
sqlx_url="${admin%/*}/$db"
trap 'psql "$admin" -qc "DROP DATABASE IF EXISTS $db" >/dev/null; rm -rf "$work"' EXIT

make_quarry_app() {
  cargo new --quiet "$1"
  (cd "$1" && "$quarry_cli" quarry init --quiet \
    && cargo add --quiet quarry-runtime --path "$root/runtime" \
    && cargo add --quiet tokio --features rt-multi-thread,macros \
    && cargo add --quiet --build quarry-codegen --path "$root/codegen")
  cat > "$1/src/main.rs" <<'RS'
quarry::include_queries!();

#[tokio::main]
async fn main() -> Result<(), quarry::Error> {
    let client = quarry::Client::connect("postgres://localhost/app").await?;
    let id = authors::create_author(&client, "Ada", None).await?;
    println!("{:?}", authors::get_author(&client, id).await?);
    println!("{}", authors::list_authors(&client, 10).await?.len());
    authors::delete_author(&client, id).await?;
    Ok(())
}
RS
}

make_sqlx_app() {
  cargo new --quiet "$1"
  (cd "$1" && cargo add --quiet sqlx@0.8 --no-default-features --features runtime-tokio,postgres,macros,chrono \
    && cargo add --quiet tokio --features rt-multi-thread,macros)
  psql "$sqlx_url" -qf "$2/queries/schema.sql" >/dev/null
  cat > "$1/src/main.rs" <<'RS'
#[tokio::main]
async fn main() -> Result<(), sqlx::Error> {
    let pool = sqlx::PgPool::connect("postgres://localhost/app").await?;
    let id: i64 = sqlx::query_scalar!("INSERT INTO authors (name, bio) VALUES ($1, $2) RETURNING id", "Ada", None::<String>)
        .fetch_one(&pool).await?;
    let author = sqlx::query!("SELECT id, name, bio, created_at FROM authors WHERE id = $1", id)
        .fetch_optional(&pool).await?;
    println!("{:?}", author.map(|a| (a.id, a.name, a.bio, a.created_at)));
    let all = sqlx::query!("SELECT id, name FROM authors ORDER BY name LIMIT $1", 10i64).fetch_all(&pool).await?;
    println!("{}", all.len());
    sqlx::query!("DELETE FROM authors WHERE id = $1", id).execute(&pool).await?;
    Ok(())
}
RS
}

seconds() { date +%s.%N; }
# build DIR TARGET ENV… -> "clean noop crates" (ENV: `env` arguments, e.g. DATABASE_URL=… or -u DATABASE_URL)
build() {
  local dir=$1 target=$2 start end clean noop crates
  shift 2
  start=$(seconds); (cd "$dir" && env "$@" CARGO_TARGET_DIR="$target" cargo build --quiet 2>/dev/null); end=$(seconds)
  clean=$(echo "$end - $start" | bc)
  start=$(seconds); (cd "$dir" && env "$@" CARGO_TARGET_DIR="$target" cargo build --quiet 2>/dev/null); end=$(seconds)
  noop=$(echo "$end - $start" | bc)
  crates=$(cd "$dir" && CARGO_TARGET_DIR="$target" cargo tree -e normal,build --prefix none 2>/dev/null | sed 's/ (\*)//' | sort -u | wc -l)
  echo "$clean $noop $crates"
}

make_quarry_app "$work/quarry-app"
make_sqlx_app "$work/sqlx-app" "$work/quarry-app"
# Fetch every crate first: the timed builds download nothing.
(cd "$work/quarry-app" && cargo fetch --quiet) && (cd "$work/sqlx-app" && cargo fetch --quiet)

printf "%-6s %-7s %10s %10s %7s\n" round app clean_s noop_s crates
for r in $(seq 1 "$rounds"); do
  order="quarry sqlx"; [ $((r % 2)) -eq 0 ] && order="sqlx quarry"
  for app in $order; do
    rm -rf "$work/target-$app"
    if [ "$app" = quarry ]; then
      read -r clean noop crates < <(build "$work/quarry-app" "$work/target-quarry" -u DATABASE_URL)
      q_clean=$clean
    else
      read -r clean noop crates < <(build "$work/sqlx-app" "$work/target-sqlx" DATABASE_URL="$sqlx_url")
      s_clean=$clean
    fi
    printf "%-6s %-7s %10.1f %10.2f %7s\n" "$r" "$app" "$clean" "$noop" "$crates"
  done
  printf "round %s: quarry/sqlx clean build = %.2fx\n" "$r" "$(echo "$q_clean / $s_clean" | bc -l)"
done
