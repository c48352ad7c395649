"""Export of 1,000,000 damage-report rows against the budget of ARCHITECTURE.md: streamed, memory flat
(< 200 MB RSS), first byte < 1 s.

The rows are bulk-inserted in SQL (PostgreSQL database ``gridreport_bench_export``, created and dropped here; a
temporary SQLite file when PostgreSQL is absent or with ``--sqlite``). In one process, in this order:

- baseline: the export's own query (same columns and joins, ``yield_per``), rows iterated and dropped;
- ``GET /damage-reports.csv`` and ``GET /damage-reports.xlsx`` through the Flask test client, the response iterated
  chunk by chunk and dropped (never buffered);
- with ``--with-xlsxwriter``, the same XLSX route once more with xlsxwriter in constant-memory mode writing a
  temporary file that is then streamed (the approach the streaming writer replaced), for comparison.

Each phase reports the time to its first row / first body byte, its total time and its peak RSS (``VmHWM`` from
/proc/self/status, reset between phases through /proc/self/clear_refs). Results go to BENCHMARKS.md under
``## Export`` (only that section is rewritten).

Run: ``.venv/bin/python bench/bench_export.py [--rows N] [--villages N] [--sqlite] [--with-xlsxwriter] [--no-write]``.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sections import write_section  # bench/ is the script directory

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECTION = "## Export"
BENCH_DB = "gridreport_bench_export"
PASSWORD = "bench-password-1"
MB = 1024 * 1024


# --- memory -------------------------------------------------------------------------------------------------


def _status(field: str) -> int:
    """A /proc/self/status value in bytes (VmRSS: now, VmHWM: peak since the last reset)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} missing from /proc/self/status")


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0); False when not allowed, then peaks are since start."""
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


# --- database -----------------------------------------------------------------------------------------------


def postgres_url(base: str) -> str | None:
    try:
        engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{BENCH_DB}"'))
        engine.dispose()
    except Exception as exc:  # no server: fall back to SQLite
        print(f"PostgreSQL unavailable ({type(exc).__name__}); using SQLite", file=sys.stderr)
        return None
    return sa.make_url(base).set(database=BENCH_DB).render_as_string(hide_password=False)


def drop_postgres(base: str) -> None:
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
    engine.dispose()


def seed(db, rows: int, villages: int) -> tuple[int, str]:
    """A county, 20 townships, ``villages`` villages, one event and ``rows`` reports spread over the villages."""
    from server.events.models import Event
    from server.orgunits.models import OrgUnit
    from server.users.models import User
    from server.users.passwords import hash_password

    county = OrgUnit(code="361130", name="基准县", level="county", path="/361130/")
    db.session.add(county)
    db.session.flush()
    townships = []
    for t in range(20):
        code = f"361130{100 + t:03d}"
        township = OrgUnit(
            code=code, name=f"第{t + 1}镇", level="township", parent_id=county.id, path=f"/361130/{code}/"
        )
        db.session.add(township)
        townships.append(township)
    db.session.flush()
    for v in range(villages):
        township = townships[v % 20]
        code = f"{township.code}{200 + v // 20:03d}"
        db.session.add(
            OrgUnit(
                code=code, name=f"村{v + 1}", level="village", parent_id=township.id, path=f"{township.path}{code}/"
            )
        )
    db.session.flush()
    first_village = db.session.scalar(sa.select(sa.func.min(OrgUnit.id)).where(OrgUnit.level == "village"))
    viewer = User(username="bench_viewer", name="基准查看", role="viewer", org_unit_id=county.id)
    viewer.password_hash = hash_password(PASSWORD)
    reporter = User(username="bench_reporter", name="基准信息员", role="reporter", org_unit_id=county.id)
    reporter.password_hash = hash_password(PASSWORD)
    db.session.add_all([viewer, reporter])
    db.session.flush()
    event = Event(
        name="基准洪涝",
        disaster_type="洪涝",
        disaster_subtype="山区洪水",
        started_at=datetime(2026, 7, 1, tzinfo=UTC),
        org_unit_id=county.id,
        created_by_id=reporter.id,
    )
    db.session.add(event)
    db.session.commit()

    params = {"n": rows, "v": villages, "first": first_village, "event": event.id, "user": reporter.id}
    # The last ``villages`` rows are one per village (g % v covers every residue): they are the current ones.
    columns = (
        "client_id, payload_hash, event_id, org_unit_id, stage, status, current, is_zero, version, note, change_note,"
        " affected_population, deaths, missing, injured, relocated, relocated_centralized, relocated_dispersed,"
        " needing_aid, houses_collapsed_households, houses_collapsed_rooms, houses_severe_households,"
        " houses_severe_rooms, houses_general_households, houses_general_rooms, crops_affected_ha, crops_damaged_ha,"
        " crops_lost_ha, direct_loss_10k_yuan, submitted_by_id, submitted_at, review_comment"
    )
    values = (
        "'b' || g, 'x', :event, :first + (g % :v), CASE WHEN g <= :v THEN 'initial' ELSE 'update' END,"
        " CASE WHEN g % 10 = 0 THEN 'approved' ELSE 'submitted' END, g > :n - :v, false, 1, '说明', '',"
        " g % 1000, g % 3, g % 2, g % 5, g % 40, g % 20, g % 40 - g % 20, g % 30,"
        " g % 4, g % 4 * 2, g % 5, g % 5 * 2, g % 6, g % 6 * 2, {dec1}, {dec2}, {dec3}, {dec4}, :user, {at}, ''"
    )
    if db.engine.dialect.name == "postgresql":
        sql = f"INSERT INTO damage_reports ({columns}) SELECT {values} FROM generate_series(1, :n) AS g".format(
            dec1="(g % 100000)::numeric / 100",
            dec2="(g % 50000)::numeric / 100",
            dec3="(g % 10000)::numeric / 100",
            dec4="(g % 123457)::numeric / 100",
            at="timestamptz '2026-07-01 00:00:00+00' + g * interval '1 second'",
        )
    else:
        sql = (
            f"INSERT INTO damage_reports ({columns}) WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s "
            f"WHERE g < :n) SELECT {values} FROM s"
        ).format(
            dec1="(g % 100000) / 100.0",
            dec2="(g % 50000) / 100.0",
            dec3="(g % 10000) / 100.0",
            dec4="(g % 123457) / 100.0",
            at="datetime('2026-07-01 00:00:00', '+' || g || ' seconds')",
        )
    db.session.execute(sa.text(sql), params)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    return event.id, db.engine.dialect.name


# --- phases -------------------------------------------------------------------------------------------------


def baseline(app, event_id: int) -> dict:
    """The export's query alone: same columns and joins, batches of 2,000, rows dropped."""
    from server.events.models import Event
    from server.exports.service import BATCH, report_rows_query
    from server.extensions import db

    with app.app_context():
        event = db.session.get(Event, event_id)
        stmt = report_rows_query(event=event, node=event.org_unit)
        rss = _status("VmRSS")
        reset_peak()
        start = time.perf_counter()
        first = None
        count = 0
        result = db.session.execute(stmt.execution_options(yield_per=BATCH))
        for _row in result:
            if first is None:
                first = time.perf_counter() - start
            count += 1
        total = time.perf_counter() - start
        peak = _status("VmHWM")
        db.session.remove()
    return {"name": "baseline: SELECT (same columns, yield_per)", "short": "baseline", "first": first,
            "total": total, "rows": count, "bytes": 0, "rss_before": rss, "peak": peak}  # fmt: skip


def export(client, url: str, name: str, short: str) -> dict:
    rss = _status("VmRSS")
    reset_peak()
    start = time.perf_counter()
    response = client.get(url)  # the test client does not buffer: the body is pulled below
    headers_at = time.perf_counter() - start
    assert response.status_code == 200, response.status_code
    first = None
    size = 0
    for chunk in response.response:
        if first is None and chunk:
            first = time.perf_counter() - start
        size += len(chunk)
    response.close()
    total = time.perf_counter() - start
    peak = _status("VmHWM")
    return {"name": name, "short": short, "headers": headers_at, "first": first, "total": total, "bytes": size,
            "rss_before": rss, "peak": peak}  # fmt: skip


def xlsxwriter_stream(sheet_name, headers, kinds, rows):
    """The replaced approach: xlsxwriter (constant memory) into a temporary file, streamed once it is closed."""
    import xlsxwriter

    from server.exports.xlsx import as_decimal

    with tempfile.TemporaryFile(suffix=".xlsx") as target:
        workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
        bold, money = workbook.add_format({"bold": True}), workbook.add_format({"num_format": "0.00"})
        sheet = workbook.add_worksheet(sheet_name)
        sheet.write_row(0, 0, headers, bold)
        for index, row in enumerate(rows, start=1):
            for column, (value, kind) in enumerate(zip(row, kinds, strict=True)):
                if value is None or value == "":
                    continue
                if kind == "decimal":
                    sheet.write_number(index, column, float(as_decimal(value)), money)
                elif kind == "int":
                    sheet.write_number(index, column, int(value))
                else:
                    sheet.write_string(index, column, str(value))
        workbook.close()
        target.seek(0)
        while chunk := target.read(64 * 1024):
            yield chunk


# --- report -------------------------------------------------------------------------------------------------


def render(
    results: list[dict], *, rows: int, villages: int, dialect: str, start_rss: int, versions: str, load: str
) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        SECTION,
        "",
        f"`bench/bench_export.py`, {when}, {versions}, {platform.machine()}, {dialect}. {rows:,} damage reports over "
        f"{villages:,} villages of one event, bulk-inserted in SQL; exported as a county viewer through the Flask "
        "test client, the body pulled chunk by chunk and dropped. Baseline: the export's own query (same columns "
        "and joins, `yield_per=2000`) iterated in the same process. Peak RSS is the process's `VmHWM`, reset "
        f"before each phase; the process held {start_rss / MB:.0f} MB before the first phase. {load}",
        "",
        "| phase | first row / byte | total | rows/s | bytes | peak RSS (< 200 MB) | peak − RSS before |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        ok_first = "✓" if r["first"] is not None and r["first"] < 1 else "✗"
        ok_peak = "✓" if r["peak"] < 200 * MB else "✗"
        first = "—" if r["first"] is None else f"{r['first'] * 1000:.0f} ms"
        if "headers" in r:
            first += f" {ok_first} (headers {r['headers'] * 1000:.0f} ms)"
        lines.append(
            f"| {r['name']} | {first} | {r['total']:.1f} s | {rows / r['total']:,.0f} | "
            f"{r['bytes'] / MB:,.1f} MB | {r['peak'] / MB:.0f} MB {ok_peak} | "
            f"{(r['peak'] - r['rss_before']) / MB:+.0f} MB |"
        )
    base = results[0]
    if len(results) > 1:
        ratios = ", ".join(f"{r['short']} {r['total'] / base['total']:.1f}×" for r in results if r is not base)
        lines += ["", f"Total time against the baseline query: {ratios}."]
    totals = {r["short"]: r["total"] for r in results}

    def share(name: str) -> str:
        return f"{totals['baseline'] / totals[name]:.0%}" if name in totals else "—"

    lines += [
        "",
        "Reading the numbers:",
        "- CSV streams as it reads: the first bytes (BOM and headers) leave before the query's first batch, and "
        "memory stays at the batch size whatever the row count.",
        "- XLSX is a zip whose directory comes last. xlsxwriter, even in constant-memory mode, can hand over the "
        "file only once it is closed, so its first byte waits for the whole workbook (minutes for a million rows, "
        "past any proxy's read timeout). server/exports/xlsx.py writes the worksheet part first, deflated as rows "
        "arrive, and the small workbook/styles/relationship parts last, so XLSX streams like CSV.",
        f"- Reading the rows (the baseline) takes {share('CSV')} of the CSV time and {share('XLSX')} of the XLSX "
        "time; the rest is formatting in Python (and deflate for XLSX). Rows come in (event, village, time) order "
        "straight from `ix_damage_reports_event_unit`, so nothing is sorted before the first row.",
        "- 1,000,000 rows fit one sheet (Excel's limit is 1,048,576 rows); beyond that, or past 1.9 GB of sheet XML, "
        "the export continues on a second sheet.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--villages", type=int, default=2_000)
    parser.add_argument("--sqlite", action="store_true", help="use a temporary SQLite file even if PostgreSQL runs")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--with-xlsxwriter", action="store_true", help="also time the xlsxwriter temp-file approach")
    parser.add_argument("--no-write", action="store_true", help="print the results, leave BENCHMARKS.md alone")
    parser.add_argument("--quick", action="store_true", help="2,000 rows over 20 villages, no write (make test)")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.villages, args.no_write = 2_000, 20, True
        if os.environ.get("CI") == "true" and not args.sqlite and postgres_url(args.postgres) is None:
            sys.exit("bench_export: PostgreSQL is required in CI")

    import flask_migrate
    import xlsxwriter

    from server import create_app
    from server.extensions import db

    url = None if args.sqlite else postgres_url(args.postgres)
    tmpdir = tempfile.TemporaryDirectory(prefix="bench_export_")
    try:
        app = create_app(
            {
                "DATABASE_URL": url or f"sqlite:///{tmpdir.name}/bench.db",
                "SECRET_KEY": "bench-secret",
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                "MEDIA_DIR": tmpdir.name,
                # The 1,000,000-row seed is a few statements longer than a request's 10 s (0: no limit).
                "DB_STATEMENT_TIMEOUT": 0,
            }
        )
        app.logger.disabled = True
        with app.app_context():
            flask_migrate.upgrade()
            started = time.perf_counter()
            event_id, dialect = seed(db, args.rows, args.villages)
            print(f"seeded {args.rows:,} rows on {dialect} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            db.session.remove()
        start_rss = _status("VmRSS")
        results = [baseline(app, event_id)]
        print(results[-1], file=sys.stderr)
        client = app.test_client()
        login = client.post("/api/v1/auth/login", json={"username": "bench_viewer", "password": PASSWORD})
        assert login.status_code == 200, login.get_json()
        for ext in ("csv", "xlsx"):
            url = f"/api/v1/damage-reports.{ext}?event_id={event_id}"
            results.append(export(client, url, f"{ext.upper()} export", ext.upper()))
            print(results[-1], file=sys.stderr)
        if args.with_xlsxwriter:
            from server.exports import routes

            routes.xlsx_stream = xlsxwriter_stream
            url = f"/api/v1/damage-reports.xlsx?event_id={event_id}"
            results.append(export(client, url, "XLSX via xlsxwriter (temporary file, for comparison)", "xlsxwriter"))
            print(results[-1], file=sys.stderr)
        with app.app_context():
            db.engine.dispose()
    finally:
        if url is not None:
            drop_postgres(args.postgres)
        tmpdir.cleanup()

    versions = f"Python {platform.python_version()}, SQLAlchemy {sa.__version__}, XlsxWriter {xlsxwriter.__version__}"
    load = f"{os.cpu_count()} CPUs shared with other work, load average {os.getloadavg()[0]:.1f} at the end."
    text = render(results, rows=args.rows, villages=args.villages, dialect=dialect, start_rss=start_rss,
                  versions=versions, load=load)  # fmt: skip
    print(text)
    if not args.no_write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
