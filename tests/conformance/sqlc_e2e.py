#!/usr/bin/env python3
"""sqlc's own end-to-end suite through quarry: the conformance runner of docs/from-sqlc.md.

Usage:
    python3 tests/conformance/sqlc_e2e.py PATH/TO/sqlc [--jobs N] [--keep DIR] [--only NAME…] [--probe]

PATH/TO/sqlc is a checkout of sqlc-dev/sqlc (any recent commit; it is named in the output).
For every case under internal/endtoend/testdata that has a PostgreSQL variant, one variant is
run (preferring pgx/v5, then pgx/v4, pgx, stdlib): `cargo quarry generate --config <its sqlc
file>` on the embedded throwaway server, then all generated code is compiled in one crate
(`cargo check` against quarry-runtime), and the figures are printed:

    cases, sqlc-expects-success generated, sqlc-expects-error rejected, silent successes,
    compile errors, panics

How a case is classified (written here so the figures can be reproduced and argued with):
  * a variant is PostgreSQL when its sqlc file names `engine: postgresql` (a v1 file with no
    engine is PostgreSQL too, as sqlc defaults it);
  * variants whose exec.json runs another command than `generate` (parse, vet, diff, analyze)
    or a codegen plugin process are skipped: they test sqlc's tooling, not generation;
  * sqlc expects an error when its expected stderr beside the sqlc file is non-empty:
    `stderr/managed-db.txt` (sqlc run against a database, as quarry always is), else
    `stderr/base.txt`, `stderr.txt` or `stderr`;
  * a silent success is exit 0 with fewer functions generated than the `name:` headers in the
    query files (a query dropped without a word);
  * a panic is exit 101 or "panicked" on stderr;
  * with --probe, each generated case's queries run on NULL-rich data (tests/conformance/probe:
    its schema loaded as generation loads it, two rows per table, nullable columns NULL in one;
    parameters that match the rows, NULL for nullable ones; in a rolled-back transaction), and
    every column typed non-null that held a NULL is reported as unsound.

CI has no network and does not run this; the figures, with the sqlc commit, are recorded in
docs/from-sqlc.md. Every failure class found here is distilled into tests/sqlc/, which CI runs.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG_NAMES = ("sqlc.json", "sqlc.yaml", "sqlc.yml")
VARIANT_PREFERENCE = ("pgx/v5", "pgx/v4", "pgx", "stdlib")
HEADER = re.compile(r"^\s*(?:--|#|/\*)\s*name:\s*\S+\s*:\w+", re.MULTILINE)
QUERY_ITEM = re.compile(r"^static [A-Z0-9_]+: ::quarry::Query =", re.MULTILINE)
# Row and model structs; the zero-copy `…RowRef<'r>` twins repeat their fields and are skipped.
STRUCT = re.compile(r"^pub struct \w+(<'r>)? \{\n(.*?)^\}", re.MULTILINE | re.DOTALL)
FIELD = re.compile(r"^    pub [a-z_0-9]+: (.*),$", re.MULTILINE)


# A reading function's kind (its doc line) and return type; a one-column row is the bare type.
READER = re.compile(
    r"^/// Returns (exactly one row|at most one row|every row)[^\n]*\n(?:///[^\n]*\n)*"
    r"pub async fn \w+<C>\((?:[^()]|\([^()]*\))*\)\s*->\s*::core::result::Result<\s*(.*?),\s*::quarry::Error,?\s*>\s*where",
    re.MULTILINE | re.DOTALL,
)
OPTION = "::core::option::Option<"
VEC = "::std::vec::Vec<"


def scalar_column(kind: str, ty: str):
    """For a function returning one bare column: whether that column is typed Option; None
    for a row struct."""
    ty = " ".join(ty.split())
    inner = {"exactly one row": ty, "at most one row": ty[len(OPTION):-1] if ty.startswith(OPTION) else ty,
             "every row": ty[len(VEC):-1] if ty.startswith(VEC) else ty}[kind].strip()
    if "Row" in inner.split("<")[0] or inner.startswith("super::models::"):
        return None
    return inner.startswith(OPTION)


def field_counts(text: str):
    """(columns, columns typed Option) of a generated file: the owned row structs' fields, plus
    the one column of each function that returns a bare value."""
    fields = options = 0
    for kind, ty in READER.findall(text):
        nullable = scalar_column(kind, ty)
        if nullable is not None:
            fields += 1
            options += nullable
    for borrowed, body in STRUCT.findall(text):
        if borrowed:
            continue
        for ty in FIELD.findall(body):
            fields += 1
            options += ty.startswith("::core::option::Option<")
    return fields, options


def load_config(path: Path):
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return None
    try:
        import yaml  # PyYAML: `pip install pyyaml`
    except ImportError:
        sys.exit("sqlc_e2e.py reads sqlc.yaml files with PyYAML: pip install pyyaml")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def entries(config):
    if not isinstance(config, dict):
        return []
    return (config.get("sql") or []) + (config.get("packages") or [])


def is_postgresql(config) -> bool:
    return any(str(e.get("engine", "postgresql")).lower() == "postgresql" for e in entries(config))


def generate_case(variant: Path) -> bool:
    """False for variants that exercise another sqlc command or a plugin."""
    exec_file = variant / "exec.json"
    if not exec_file.exists():
        return True
    try:
        spec = json.loads(exec_file.read_text())
    except json.JSONDecodeError:
        return True
    if spec.get("command", "generate") != "generate" or "process" in spec:
        return False
    return True


def expected_error(variant: Path) -> bool:
    # sqlc keeps one expected stderr per context in stderr/: quarry always checks against a real
    # server, so the managed-db expectation is the one that applies when there is one.
    for name in ("stderr/managed-db.txt", "stderr/base.txt", "stderr.txt", "stderr"):
        f = variant / name
        if f.is_file():
            return bool(f.read_text(errors="replace").strip())
    return False


def query_paths(config_file: Path, config):
    out = []
    for e in entries(config):
        if str(e.get("engine", "postgresql")).lower() != "postgresql":
            continue
        q = e.get("queries") or []
        for p in [q] if isinstance(q, str) else q:
            for hit in sorted(config_file.parent.glob(p)) if any(c in p for c in "*?[") else [config_file.parent / p]:
                if hit.is_dir():
                    out.extend(sorted(hit.glob("*.sql")))
                elif hit.is_file():
                    out.append(hit)
    return out


def count_headers(files) -> int:
    return sum(len(HEADER.findall(f.read_text(errors="replace"))) for f in files)


def find_variants(testdata: Path):
    """One PostgreSQL variant per case (top-level folder), as (case, variant, config file)."""
    chosen = {}
    for config_file in sorted(testdata.rglob("sqlc.*")):
        if config_file.name not in CONFIG_NAMES:
            continue
        case = config_file.relative_to(testdata).parts[0]
        config = load_config(config_file)
        if config is None or not is_postgresql(config) or not generate_case(config_file.parent):
            continue
        rel = config_file.parent.relative_to(testdata).as_posix()
        rank = next((i for i, p in enumerate(VARIANT_PREFERENCE) if p in rel), len(VARIANT_PREFERENCE))
        if case not in chosen or rank < chosen[case][0]:
            chosen[case] = (rank, config_file.parent, config_file, config)
    return [(case, v[1], v[2], v[3]) for case, v in sorted(chosen.items())]


def run_case(binary: Path, work: Path, case, variant, config_file, config):
    out = work / "cases" / case
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [str(binary), "quarry", "generate", "--quiet", "--config", str(config_file), "--out", str(out)],
            cwd=variant, env=env, capture_output=True, text=True, timeout=300,
        )
        code, stderr = proc.returncode, proc.stderr
    except subprocess.TimeoutExpired:
        code, stderr = -1, "timed out after 300 s"
    headers = count_headers(query_paths(config_file, config))
    generated = fields = options = 0
    if out.exists():
        texts = [f.read_text() for f in out.rglob("*.rs")]
        generated = sum(len(QUERY_ITEM.findall(t)) for t in texts)
        counts = [field_counts(t) for t in texts]
        fields = sum(c[0] for c in counts)
        options = sum(c[1] for c in counts)
    return {
        "case": case,
        "variant": variant.as_posix(),
        "expect_error": expected_error(variant),
        "exit": code,
        "stderr": stderr,
        "headers": headers,
        "generated": generated,
        "fields": fields,
        "options": options,
        "out": out,
        "panic": code == 101 or "panicked" in stderr,
        "seconds": time.monotonic() - started,
    }


def compile_all(work: Path, results):
    """`cargo check` of every generated case in one crate; returns {case: first error}."""
    crate = work / "crate"
    (crate / "src").mkdir(parents=True, exist_ok=True)
    (crate / "Cargo.toml").write_text(
        "[package]\nname = \"sqlc-e2e-generated\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n"
        "[workspace]\n\n[dependencies]\n"
        f"quarry = {{ package = \"quarry-runtime\", path = \"{ROOT / 'runtime'}\", features = [\"sync\"] }}\n"
    )
    failing = {}
    candidates = [r for r in results if r["exit"] == 0 and (r["out"] / "mod.rs").exists()]
    for _ in range(6):
        live = [r for r in candidates if r["case"] not in failing]
        lib = ["#![allow(warnings, clippy::all)]"]
        for i, r in enumerate(live):
            lib.append(f"#[path = \"{r['out'] / 'mod.rs'}\"]\npub mod case_{i};")
        (crate / "src" / "lib.rs").write_text("\n".join(lib) + "\n")
        env = dict(os.environ, CARGO_TARGET_DIR=str(work / "target"))
        proc = subprocess.run(
            ["cargo", "check", "--quiet", "--message-format=json"],
            cwd=crate, env=env, capture_output=True, text=True,
        )
        if proc.returncode == 0:
            break
        new = 0
        for line in proc.stdout.splitlines():
            try:
                msg = json.loads(line)
            except json.JSONDecodeError:
                continue
            m = msg.get("message") or {}
            if msg.get("reason") != "compiler-message" or m.get("level") != "error":
                continue
            for span in m.get("spans", []):
                path = span.get("file_name", "")
                hit = next((r for r in live if path.startswith(str(r["out"]))), None)
                if hit and hit["case"] not in failing:
                    failing[hit["case"]] = f"{m.get('message')} ({Path(path).name}:{span.get('line_start')})"
                    new += 1
        if new == 0:
            sys.exit("cargo check failed outside the generated cases:\n" + proc.stderr[-4000:])
    return failing


PROBE_DIR = ROOT / "tests" / "conformance" / "probe"


def probe_case(binary: Path, r):
    """The probe's JSON report for one generated case (see probe/src/main.rs)."""
    variant = Path(r["variant"])
    config = next((variant / n for n in CONFIG_NAMES if (variant / n).exists()), None)
    try:
        proc = subprocess.run([str(binary), str(config)], cwd=variant, capture_output=True, text=True, timeout=300)
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (subprocess.TimeoutExpired, IndexError, json.JSONDecodeError) as e:
        return {"failed": f"probe: {e}"}


def first_error(stderr: str) -> str:
    for line in stderr.splitlines():
        line = line.strip()
        if line.startswith("error") or line.startswith("quarry:"):
            return line[:200]
    return stderr.strip().splitlines()[0][:200] if stderr.strip() else ""


def sqlc_commit(sqlc: Path) -> str:
    try:
        return subprocess.run(["git", "-C", str(sqlc), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return "unknown (not a git checkout)"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sqlc", type=Path, help="a checkout of sqlc-dev/sqlc")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one)")
    ap.add_argument("--only", nargs="*", help="run only these case names")
    ap.add_argument("--json", type=Path, help="write per-case results here")
    ap.add_argument("--probe", action="store_true", help="also run every generated case's queries on NULL-rich data (tests/conformance/probe) and report columns typed non-null that held NULL")
    ap.add_argument("--binary", type=Path, help="a cargo-quarry to run instead of this checkout's (e.g. an older build, for before/after figures)")
    args = ap.parse_args()

    testdata = args.sqlc / "internal" / "endtoend" / "testdata"
    if not testdata.is_dir():
        sys.exit(f"{testdata}: not found (pass a checkout of sqlc-dev/sqlc)")
    print(f"sqlc commit: {sqlc_commit(args.sqlc)}")
    if args.binary:
        binary = args.binary.resolve()
    else:
        subprocess.run(["cargo", "build", "--quiet", "-p", "cargo-quarry"], cwd=ROOT, check=True)
        binary = ROOT / "target" / "debug" / "cargo-quarry"

    work = args.keep or Path(tempfile.mkdtemp(prefix="quarry-sqlc-e2e-"))
    if (work / "cases").exists():
        shutil.rmtree(work / "cases")
    variants = find_variants(testdata)
    if args.only:
        variants = [v for v in variants if v[0] in args.only]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda v: run_case(binary, work, *v), variants))
    compile_failures = compile_all(work, results)

    accepted = [r for r in results if not r["expect_error"]]
    rejected = [r for r in results if r["expect_error"]]
    ok = [r for r in accepted if r["exit"] == 0 and r["case"] not in compile_failures and r["generated"] >= r["headers"]]
    silent = [r for r in results if r["exit"] == 0 and r["generated"] < r["headers"]]
    panics = [r for r in results if r["panic"]]
    correctly_rejected = [r for r in rejected if r["exit"] not in (0, 101)]

    print("\n== failures (sqlc accepts, quarry does not generate)")
    for r in accepted:
        if r in ok:
            continue
        if r["case"] in compile_failures:
            why = "compile error: " + compile_failures[r["case"]]
        elif r["exit"] == 0:
            why = f"silent: {r['generated']} of {r['headers']} queries generated"
        else:
            why = f"exit {r['exit']}: {first_error(r['stderr'])}"
        print(f"  {r['case']}: {why}")
    print("\n== sqlc rejects, quarry generates")
    for r in rejected:
        if r not in correctly_rejected:
            print(f"  {r['case']}: exit {r['exit']}")

    print(f"\n== figures (sqlc {sqlc_commit(args.sqlc)[:12]}, {time.monotonic() - started:.0f} s)")
    print(f"cases:                              {len(results)}")
    print(f"sqlc-expects-success generated:     {len(ok)} of {len(accepted)} ({100 * len(ok) / max(1, len(accepted)):.1f} %)")
    print(f"sqlc-expects-error rejected:        {len(correctly_rejected)} of {len(rejected)}")
    print(f"silent successes:                   {len(silent)}")
    print(f"compile errors:                     {len(compile_failures)}")
    print(f"panics:                             {len(panics)}")
    print(f"result columns / typed Option:      {sum(r['fields'] for r in ok)} / {sum(r['options'] for r in ok)} (row fields and one-column results of the generated cases)")
    if args.probe:
        subprocess.run(["cargo", "build", "--quiet"], cwd=PROBE_DIR, check=True)
        probe_bin = PROBE_DIR / "target" / "debug" / "quarry-nullability-probe"
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            reports = list(pool.map(lambda r: probe_case(probe_bin, r), ok))
        for r, report in zip(ok, reports):
            r["probe"] = report
        failed = [(r["case"], p["failed"]) for r, p in zip(ok, reports) if "failed" in p]
        done = [p for p in reports if "failed" not in p]
        unsound = [(r["case"], u) for r, p in zip(ok, reports) for u in p.get("unsound", [])]
        print("\n== nullability probe (generated queries on NULL-rich data)")
        for case, why in failed:
            print(f"  {case}: probe could not run: {why[:160]}")
        for case, finding in unsound:
            print(f"  UNSOUND {case}: {finding}")
        print(f"cases probed:                       {len(done)} of {len(ok)}")
        print(f"queries run / rows read:            {sum(p['queries'] for p in done)} / {sum(p['rows'] for p in done)}")
        print(f"queries the probe could not run:    {sum(len(p['errors']) for p in done)}")
        print(f"tables left empty:                  {sum(p['tables_unfilled'] for p in done)}")
        print(f"non-null columns that held NULL:    {len(unsound)}")
    if args.json:
        for r in results:
            r["out"] = str(r["out"])
            r["compile_error"] = compile_failures.get(r["case"])
        args.json.write_text(json.dumps(results, indent=1))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
