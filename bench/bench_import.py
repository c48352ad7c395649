"""National import: `flask org import` of the 665,276 units of ../shared/data/divisions/china-divisions.csv.gz into
an empty PostgreSQL database, then the same file again (all unchanged). Measures wall time and the command's peak
resident memory (budget: < 300 MB whatever the file's size; it was 4.8 GB and 5 min 5 s before streaming).

Run by hand: ``.venv/bin/python bench/bench_import.py`` (PostgreSQL on 127.0.0.1:5432). ``--quick`` imports the
five seed counties instead (what `make test` runs, so the benchmark cannot rot)."""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.sections import write_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# ../shared next to the checkout; a git worktree under /work/wt/ finds it at /work/shared.
DATA = next(
    (d for d in (ROOT.parent / "shared" / "data" / "divisions", Path("/work/shared/data/divisions")) if d.exists()),
    ROOT.parent / "shared" / "data" / "divisions",
)
BASE = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def flask(*args: str, env: dict) -> tuple[float, int, str]:
    """Run ``flask --app server …`` in a child; its wall time, peak RSS (MB) and output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run([str(Path(sys.executable).with_name("flask")), "--app", "server", *args], env=env,
                          capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode != 0:
        raise SystemExit(done.stdout + done.stderr)
    # ru_maxrss of the children is the largest child so far: each run is measured in a fresh bench process order
    return elapsed, max(peak, before) // 1024, (done.stdout.strip().splitlines() or [""])[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the seed counties only; no BENCHMARKS.md update")
    args = parser.parse_args()
    source = DATA / ("seed-counties.csv" if args.quick else "china-divisions.csv.gz")
    if not source.exists():
        print(f"{source} is missing (../shared/data): nothing to measure")
        return 0 if args.quick else 1
    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    csv_file = work / "divisions.csv"
    with gzip.open(source, "rb") if source.suffix == ".gz" else source.open("rb") as raw, csv_file.open("wb") as out:
        shutil.copyfileobj(raw, out)
    rows = sum(1 for _ in csv_file.open("rb")) - 1
    admin = sa.create_engine(BASE, isolation_level="AUTOCOMMIT")
    try:
        admin.connect().close()
    except Exception as exc:  # no server, no driver, no rights
        print(f"bench_import: PostgreSQL not available at {BASE} ({type(exc).__name__}); skipped")
        return 1 if os.environ.get("CI") == "true" or not args.quick else 0
    name = f"gridreport_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(BASE).set(database=name).render_as_string(hide_password=False)
    env = {**os.environ, "DATABASE_URL": url, "DB_STATEMENT_TIMEOUT": "0", "SECRET_KEY": "bench"}
    try:
        flask("db", "upgrade", env=env)
        first = flask("org", "import", str(csv_file), env=env)
        again = flask("org", "import", str(csv_file), env=env)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(work, ignore_errors=True)
    for label, (seconds, peak, output) in (("first import", first), ("again (unchanged)", again)):
        print(f"{label}: {seconds:.1f} s, peak RSS {peak} MB — {output}")
    if args.quick:
        assert first[1] < 300 and again[1] < 300, "over the memory budget"
        return 0
    with create_engine_version() as version:
        pg = version
    write_section(
        "## National import",
        f"""## National import

`bench/bench_import.py`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {pg}, Python {platform.python_version()},
{platform.machine()}, {os.cpu_count()} CPUs shared with other work (load average {os.getloadavg()[0]:.1f} at the
end). `flask org import` of `china-divisions.csv.gz` ({rows:,} units: 620,573
villages) into an empty database, then the same file again. Peak RSS is the `flask` process's maximum resident set.

| run | time | peak RSS (< 300 MB) | result |
| --- | --- | --- | --- |
| first import | {first[0]:.0f} s | {first[1]} MB {"✓" if first[1] < 300 else "✗"} | {first[2]} |
| again, nothing changed | {again[0]:.0f} s | {again[1]} MB {"✓" if again[1] < 300 else "✗"} | {again[2]} |

Reading the numbers:
- Before streaming, the same import took 5 min 5 s and peaked at 4.8 GB (every row a dataclass, every unit an ORM
  object). Now rows are checked one at a time and copied in batches of 5,000 into a temporary staging table;
  duplicates, parents, level order and code prefixes are checked by SQL over that table, and the upsert is one
  `INSERT … SELECT` per level, so memory does not grow with the file.
- All or nothing holds: a bad line anywhere aborts before the first unit is written (the staging table is temporary,
  the upsert is in the command's one transaction). The command ends with `ANALYZE org_units`.
""",
    )
    return 0


class create_engine_version:
    def __enter__(self):
        engine = sa.create_engine(BASE)
        with engine.connect() as conn:
            self.engine = engine
            return conn.execute(sa.text("SELECT version()")).scalar().split(" on ")[0]

    def __exit__(self, *exc):
        self.engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
