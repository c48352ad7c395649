"""A typhoon night: the villages of one province file through the deployment of tests/deploy (issue 23, item 4).

Each village's officer files an initial damage report (初报), two updates (续报), an evacuation count and a hazard
with one phone-sized photo (~300 KB JPEG, made with Pillow), through nginx (deploy/nginx/gridreport.conf) in front
of two gunicorn instances (deploy/gunicorn.conf.py), sharing PostgreSQL, Redis (rate limits) and a media directory,
exactly as tests/deploy/test_two_instances.py starts them. The officers log in first (a phone on a typhoon night is
already logged in; the logins are timed as their own phase), then ``--concurrency`` clients (threads of this
process, a connection kept per officer) take villages off a queue as fast as the deployment answers: a closed loop,
so its throughput is what the machine sustains. The issue's night (20,000 villages within an hour) is then
extrapolated from that rate. The database's backends of this run and the gunicorn workers are sampled every second
from /proc (CPU and resident memory), to show whether they stay flat.

Run by hand: ``.venv/bin/python bench/bench_typhoon.py [--villages 2000] [--concurrency 32]``; writes
``## Typhoon night`` of BENCHMARKS.md. ``--quick`` (what `make test` runs): 20 villages, 4 clients, no write.
Needs PostgreSQL on 127.0.0.1:5432, nginx and Redis on 127.0.0.1:6379; without them it prints why and exits 0
(1 with ``CI=true``).
"""

from __future__ import annotations

import argparse
import io
import math
import os
import platform
import queue
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.sections import write_section  # noqa: E402

SECTION = "## Typhoon night"
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PASSWORD = "typhoon-night-1"
TARGET_VILLAGES, TARGET_SECONDS = 20_000, 3600
FILINGS = ("damage initial", "damage update", "damage update 2", "evacuation", "hazard", "photo")
ENDPOINTS = ("login", *FILINGS)
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def missing_requirements() -> list[str]:
    missing = []
    try:
        with sa.create_engine(ADMIN_URL).connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # no server, no driver, no rights
        missing.append(f"PostgreSQL at {ADMIN_URL} ({type(exc).__name__})")
    if not os.path.exists(NGINX):
        missing.append("nginx")
    try:
        import redis

        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except Exception as exc:
        missing.append(f"Redis at {REDIS} ({type(exc).__name__})")
    return missing


# --- the province ---------------------------------------------------------------------------------------------


def shape(villages: int) -> tuple[int, int, int]:
    """Townships of 20 villages, counties of 10 townships, cities of 10 counties (the real tree's proportions)."""
    townships = math.ceil(villages / 20)
    counties = math.ceil(townships / 10)
    return math.ceil(counties / 10), counties, townships


def build(app, villages: int) -> dict:
    """Province 44 with its cities, counties, townships and ``villages`` villages; one reporter per village; the
    typhoon declared by the province's reviewer through the API."""
    from werkzeug.security import generate_password_hash

    from server.extensions import db
    from server.users.models import User
    from server.users.passwords import hash_password

    cities, counties, townships = shape(villages)
    rows: list[dict] = [{"code": "44", "name": "广东省", "level": "province", "parent": None}]

    def add(level: str, parents: list[dict], count: int, width: int, label: str) -> list[dict]:
        made = []
        for n in range(count):
            parent = parents[n % len(parents)]
            index = n // len(parents) + 1
            made.append({"code": parent["code"] + str(index).zfill(width), "name": f"{parent['name']}{label}{index}",
                         "level": level, "parent": parent["code"]})  # fmt: skip
        rows.extend(made)
        return made

    city_rows = add("city", rows[:1], cities, 2, "市")
    county_rows = add("county", city_rows, counties, 2, "县")
    township_rows = add("township", county_rows, townships, 3, "镇")
    village_rows = add("village", township_rows, villages, 3, "村")
    with app.app_context():
        for level in ("province", "city", "county", "township", "village"):
            db.session.execute(
                sa.text(
                    "INSERT INTO org_units (code, name, level, parent_id, path, created_at, updated_at) "
                    "SELECT CAST(:code AS varchar), :name, :level, p.id, "
                    "coalesce(p.path, '/') || CAST(:code AS varchar) || '/', now(), now() "
                    "FROM (SELECT 1) one LEFT JOIN org_units p ON p.code = :parent"
                ),
                [r for r in rows if r["level"] == level],
            )
        ids = dict(db.session.execute(sa.text("SELECT code, id FROM org_units")).all())
        # The officers' logins come before the night and are not its subject: their hash is a cheap pbkdf2 (the login
        # verifies whatever method the stored hash names) so 2,000 logins take seconds, not scrypt's minutes here.
        secret = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        reviewer_secret = hash_password(PASSWORD)
        reviewer = User(username="province", name="省应急管理厅", role="reviewer", org_unit_id=ids["44"],
                        password_hash=reviewer_secret)  # fmt: skip
        db.session.add(reviewer)
        officers = []
        for row in village_rows:
            user = User(username=f"v{row['code']}", name=f"{row['name']}信息员", role="reporter",
                        org_unit_id=ids[row["code"]], password_hash=secret)  # fmt: skip
            db.session.add(user)
            officers.append((user.username, ids[row["code"]]))
        db.session.commit()
        for table in ("org_units", "users"):
            db.session.execute(sa.text(f"ANALYZE {table}"))
        db.session.commit()
    desk = app.test_client()
    answer = desk.post("/api/v1/auth/login", json={"username": "province", "password": PASSWORD})
    assert answer.status_code == 200, answer.get_json()
    event = desk.post(
        "/api/v1/events",
        headers={"X-CSRF-Token": answer.get_json()["csrf_token"]},
        json={"name": "台风“海燕”", "disaster_type": "台风", "started_at": datetime.now(UTC).isoformat(),
              "org_unit_id": ids["44"], "drill": False},
    )  # fmt: skip
    assert event.status_code == 201, event.get_json()
    return {"event": event.get_json()["id"], "officers": officers, "units": len(rows),
            "shape": (cities, counties, townships, villages)}  # fmt: skip


def phone_photos(count: int = 6) -> list[bytes]:
    """JPEGs of 1600×1200 (what the PWA uploads after shrinking a camera photo) of about 300 KB each."""
    from PIL import Image

    photos = []
    for seed in range(count):
        gradient = Image.linear_gradient("L").resize((1600, 1200))
        base = Image.merge("RGB", (gradient, gradient.rotate(180), Image.linear_gradient("L").resize((1600, 1200))))
        random.seed(seed)
        noise = Image.effect_noise((1600, 1200), 40 + seed).convert("RGB")
        image = Image.blend(base, noise, 0.18)
        for quality in (85, 80, 75, 70, 65, 60, 55, 50):
            out = io.BytesIO()
            image.save(out, "JPEG", quality=quality)
            if out.tell() <= 330_000:
                break
        photos.append(out.getvalue())
    return photos


# --- the deployment -------------------------------------------------------------------------------------------


class Deployment:
    """Two gunicorn instances with deploy/gunicorn.conf.py behind nginx with deploy/nginx/gridreport.conf."""

    def __init__(self, database_url: str, workers: int, tmp: Path):
        from tests.deploy.test_two_instances import Instance, nginx_config, wait_for
        from tests.faults.test_crash_burst import free_port

        (tmp / "media").mkdir()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "typhoon-night-secret",
            "MEDIA_DIR": str(tmp / "media"),
            "RATELIMIT_STORAGE_URI": REDIS,
            "RATELIMIT_KEY_PREFIX": f"gridreport-typhoon-{uuid.uuid4().hex[:8]}",
            "TRUSTED_PROXIES": "1",
        }
        self.tmp = tmp
        self.instances = [Instance(env, tmp / f"gunicorn-{n}.log") for n in (1, 2)]
        for instance in self.instances:
            instance.env["GUNICORN_WORKERS"] = str(workers)
            instance.start()
        port = free_port()
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (tmp / sub).mkdir()
        self.proxy = subprocess.Popen([NGINX, "-c", str(nginx_config(tmp, port, [i.port for i in self.instances]))],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # fmt: skip
        self.front = f"http://127.0.0.1:{port}"
        wait_for(self.front + "/healthz", tmp / "error.log")

    def worker_pids(self) -> list[int]:
        pids = []
        for instance in self.instances:
            master = instance.process.pid
            pids.append(master)
            children = Path(f"/proc/{master}/task/{master}/children")
            if children.exists():
                pids += [int(p) for p in children.read_text().split()]
        return pids

    def nginx_pids(self) -> list[int]:
        children = Path(f"/proc/{self.proxy.pid}/task/{self.proxy.pid}/children")
        return [self.proxy.pid] + ([int(p) for p in children.read_text().split()] if children.exists() else [])

    def stop(self) -> None:
        self.proxy.terminate()
        self.proxy.wait(timeout=10)
        for instance in self.instances:
            instance.kill()


# --- sampling ---------------------------------------------------------------------------------------------------


def proc_sample(pid: int) -> tuple[float, int] | None:
    """CPU seconds (user + system) and resident bytes of one process, from /proc; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        rss_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICK, rss_pages * PAGE


class Sampler(threading.Thread):
    """Every second: the CPU used since the last sample and the resident memory of the gunicorn processes and of
    the PostgreSQL backends serving this run's database (pg_stat_activity), as shares of one CPU and MB."""

    def __init__(self, deployment: Deployment, database_url: str, database: str):
        super().__init__(daemon=True)
        self.deployment, self.database = deployment, database
        self.engine = sa.create_engine(database_url.replace(f"/{database}", "/postgres"))
        self.samples: list[dict] = []
        self.stopping = threading.Event()

    def groups(self) -> dict[str, list[int]]:
        with self.engine.connect() as conn:
            backends = conn.execute(
                sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :db"), {"db": self.database}
            ).scalars()
            return {
                "workers": self.deployment.worker_pids(),
                "database": list(backends),
                "nginx": self.deployment.nginx_pids(),
                "load": [os.getpid()],
            }

    def run(self) -> None:
        last: dict[int, float] = {}
        last_at = time.monotonic()
        while not self.stopping.wait(1.0):
            now = time.monotonic()
            sample = {"t": now, "dt": now - last_at}
            for group, pids in self.groups().items():
                cpu, rss = 0.0, 0
                for pid in pids:
                    got = proc_sample(pid)
                    if got is None:
                        continue
                    cpu += got[0] - last.get(pid, got[0])  # a process seen first counts from now on
                    last[pid] = got[0]
                    rss += got[1]
                sample[f"{group}_cpu"] = cpu / (now - last_at)
                sample[f"{group}_mb"] = rss / 2**20
                sample[f"{group}_n"] = len(pids)
            last_at = now
            self.samples.append(sample)

    def stop(self) -> list[dict]:
        self.stopping.set()
        self.join(timeout=5)
        self.engine.dispose()
        return self.samples[1:]  # the first sample only primes the counters


# --- the officers -----------------------------------------------------------------------------------------------


class Night:
    def __init__(self, front: str, event_id: int, photos: list[bytes]):
        self.front, self.event_id, self.photos = front, event_id, photos
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.slow: list[tuple[str, str, float]] = []  # (started, endpoint, seconds) of requests over 5 s
        self.lock = threading.Lock()

    def call(self, name: str, session: requests.Session, method: str, path: str, **kw) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = session.request(method, self.front + path, timeout=60, **kw)
        except requests.RequestException as exc:
            with self.lock:
                self.errors.append(f"{name}: {type(exc).__name__}")
            return None
        elapsed = time.perf_counter() - started
        with self.lock:
            if elapsed > 5:
                self.slow.append((datetime.now(UTC).strftime("%H:%M:%S"), name, elapsed))
            if response.status_code >= 300:
                self.errors.append(f"{name}: {response.status_code} {response.text[:200]}")
                return None
            self.latencies[name].append(elapsed)
        return response

    def log_in(self, username: str) -> requests.Session | None:
        session = requests.Session()
        answer = self.call("login", session, "POST", "/api/v1/auth/login",
                           json={"username": username, "password": PASSWORD, "remember": True})  # fmt: skip
        if answer is None:
            return None
        session.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        return session

    def file(self, session: requests.Session, village: int, n: int) -> None:
        """初报, two 续报, the evacuation count and a hazard with its photo, each with a fresh client_id."""
        path = f"/api/v1/events/{self.event_id}/damage-reports"
        for name, stage, people in (("damage initial", "initial", 40), ("damage update", "update", 55),
                                    ("damage update 2", "update", 61)):  # fmt: skip
            figures = {"affected_population": people + n % 7, "relocated": 12, "relocated_centralized": 8,
                       "relocated_dispersed": 4, "houses_general_households": 2, "houses_general_rooms": 5}  # fmt: skip
            if self.call(name, session, "POST", path, json={"client_id": str(uuid.uuid4()), "org_unit_id": village,
                                                            "stage": stage, "figures": figures}) is None:  # fmt: skip
                return
        self.call("evacuation", session, "POST", f"/api/v1/events/{self.event_id}/evacuations",
                  json={"client_id": str(uuid.uuid4()), "org_unit_id": village, "evacuated": 12, "centralized": 8,
                        "dispersed": 4})  # fmt: skip
        hazard = self.call("hazard", session, "POST", "/api/v1/hazards", json={
            "client_id": str(uuid.uuid4()), "org_unit_id": village, "category": "landslide", "title": "后山坡体裂缝",
            "risk_level": "high", "address": "后山", "threatened_households": 3, "threatened_persons": 9,
            "found_at": datetime.now(UTC).isoformat()})  # fmt: skip
        if hazard is not None:
            photo = self.photos[n % len(self.photos)]
            self.call("photo", session, "POST", f"/api/v1/hazards/{hazard.json()['id']}/photos",
                      files={"file": ("slope.jpg", photo, "image/jpeg")})  # fmt: skip


def run_phase(concurrency: int, items: list, work) -> float:
    """``work(item)`` for every item from ``concurrency`` threads; the phase's wall time."""
    todo: queue.Queue = queue.Queue()
    for item in items:
        todo.put(item)

    def loop() -> None:
        while True:
            try:
                item = todo.get_nowait()
            except queue.Empty:
                return
            work(item)

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


# --- main -------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance (two instances)")
    parser.add_argument("--quick", action="store_true", help="20 villages, 4 clients, no BENCHMARKS.md write")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--keep-logs", action="store_true", help="keep the gunicorn and nginx logs (printed path)")
    args = parser.parse_args()
    if args.quick:
        args.villages, args.concurrency, args.no_write = 20, 4, True
    missing = missing_requirements()
    if missing:
        print(f"bench_typhoon: {', '.join(missing)} not available; skipped")
        return 1 if os.environ.get("CI") == "true" else 0

    import flask_migrate

    from server import create_app

    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    database = f"gridreport_typhoon_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
    url = sa.make_url(ADMIN_URL).set(database=database).render_as_string(hide_password=False)
    tmp = Path(tempfile.mkdtemp(prefix="bench-typhoon-"))
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "typhoon-night-secret", "TESTING": True,
                      "DB_STATEMENT_TIMEOUT": 0, "MEDIA_DIR": str(tmp / "media-setup")})  # fmt: skip
    deployment = None
    try:
        with app.app_context():
            flask_migrate.upgrade()
        started = time.perf_counter()
        setup = build(app, args.villages)
        print(
            f"province: {setup['units']:,} units, {args.villages:,} villages in {time.perf_counter() - started:.0f} s"
        )
        photos = phone_photos()
        deployment = Deployment(url, args.workers, tmp)
        night = Night(deployment.front, setup["event"], photos)
        sessions: dict[int, requests.Session] = {}

        def log_in(officer) -> None:
            session = night.log_in(officer[0])
            if session is not None:
                sessions[officer[1]] = session

        login_s = run_phase(args.concurrency, setup["officers"], log_in)
        print(f"logins: {len(sessions):,} in {login_s:.1f} s")
        sampler = Sampler(deployment, url, database)
        sampler.start()
        numbered = list(enumerate(sessions.items()))
        filing_s = run_phase(args.concurrency, numbered, lambda item: night.file(item[1][1], item[1][0], item[0]))
        samples = sampler.stop()
        with app.app_context():
            from server.extensions import db

            counts = dict(db.session.execute(sa.text(
                "SELECT 'damage', count(*) FROM damage_reports UNION ALL SELECT 'current', count(*) FROM damage_reports"
                " WHERE current UNION ALL SELECT 'evacuation', count(*) FROM evacuation_reports UNION ALL"
                " SELECT 'hazards', count(*) FROM hazards UNION ALL SELECT 'photos', count(*) FROM photos"
                " UNION ALL SELECT 'audit', count(*) FROM audit_logs"
            )).all())  # fmt: skip
            version = db.session.execute(sa.text("SELECT version()")).scalar().split(" on ")[0]
            db.session.remove()
    finally:
        if deployment is not None:
            deployment.stop()
        with app.app_context():
            from server.extensions import db

            db.engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
        if args.keep_logs:
            print(f"logs kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    filed = sum(len(night.latencies[name]) for name in FILINGS)
    rate = filed / filing_s
    print(f"filings: {filed:,} requests in {filing_s:.1f} s = {rate:.1f} req/s, errors {len(night.errors)}")
    for name in ENDPOINTS:
        values = night.latencies[name]
        print(f"  {name}: {len(values):,}, p50 {pct(values, 0.5):.0f} ms, p95 {pct(values, 0.95):.0f} ms")
    for finished, name, seconds in sorted(night.slow)[:40]:
        print(f"  slow: {name} finished {finished} UTC after {seconds:.1f} s")
    for error in night.errors[:10]:
        print("  error:", error)
    print("rows:", counts)
    expected = len(sessions)
    if night.errors or counts["current"] != expected or counts["photos"] != expected:
        print("FAILED: errors, or rows missing")
        return 1
    if not args.no_write:
        write_section(SECTION, report(args, setup, night, login_s, filing_s, samples, counts, version, photos))
    return 0


def halves(samples: list[dict], key: str) -> tuple[float, float, float, float]:
    """Mean over the first and the last quarter of the run, the minimum and the maximum."""
    values = [s[key] for s in samples] or [0.0]
    quarter = max(1, len(values) // 4)
    return statistics.mean(values[:quarter]), statistics.mean(values[-quarter:]), min(values), max(values)


def report(args, setup, night: Night, login_s, filing_s, samples, counts, version, photos) -> str:
    cities, counties, townships, villages = setup["shape"]
    filed = sum(len(night.latencies[name]) for name in FILINGS)
    rate = filed / filing_s
    per_village = filing_s / villages
    photo_kb = statistics.mean(len(p) for p in photos) / 1024
    required = TARGET_VILLAGES * len(FILINGS) / TARGET_SECONDS
    night_s = TARGET_VILLAGES * len(FILINGS) / rate
    login_rate = len(night.latencies["login"]) / login_s
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0]
    lines = [
        SECTION,
        "",
        f"`bench/bench_typhoon.py --villages {villages} --concurrency {args.concurrency}`, {stamp}, {version}, "
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs shared with other work "
        f"(load average {load:.1f} at the end). The deployment of tests/deploy: nginx "
        "(`deploy/nginx/gridreport.conf`) in front of two gunicorn instances (`deploy/gunicorn.conf.py`, "
        f"{args.workers} sync workers each), Redis for the rate limits, a shared media directory, one PostgreSQL "
        f"database. One province: {setup['units']:,} units (cities {cities}, counties {counties}, townships "
        f"{townships}, villages {villages:,}), one reporter per village, one typhoon declared over the province. "
        f"Each village files an initial report, two updates, an evacuation count and a hazard with one photo "
        f"(1600×1200 JPEG, {photo_kb:.0f} KB on average, generated with Pillow): {len(FILINGS)} requests. "
        f"{args.concurrency} clients (threads of one load-generator process on the same machine) take villages "
        "off a queue as fast as the answers come: a closed loop, so the rate is what the machine sustains.",
        "",
        "| phase | requests | wall | requests/s | errors |",
        "| --- | --- | --- | --- | --- |",
        f"| logins (before the night: a phone is already logged in) | {len(night.latencies['login']):,} | "
        f"{login_s:.1f} s | {login_rate:.1f} | {sum(e.startswith('login') for e in night.errors)} |",
        f"| the night's filings | {filed:,} | {filing_s:.1f} s | {rate:.1f} | "
        f"{sum(not e.startswith('login') for e in night.errors)} {'✓' if not night.errors else '✗'} |",
        "",
        "| endpoint | requests | p50 | p95 | max |",
        "| --- | --- | --- | --- | --- |",
    ]
    paths = {
        "login": "POST /auth/login (pbkdf2 hashes here, see below)",
        "damage initial": "POST /events/{id}/damage-reports (初报)",
        "damage update": "POST /events/{id}/damage-reports (续报 1)",
        "damage update 2": "POST /events/{id}/damage-reports (续报 2)",
        "evacuation": "POST /events/{id}/evacuations",
        "hazard": "POST /hazards",
        "photo": "POST /hazards/{id}/photos (multipart JPEG)",
    }
    for name in ENDPOINTS:
        values = night.latencies[name]
        lines.append(f"| `{paths[name]}` | {len(values):,} | {pct(values, 0.5):.0f} ms | {pct(values, 0.95):.0f} ms "
                     f"| {max(values) * 1000:.0f} ms |")  # fmt: skip
    lines += [
        "",
        f"Sampled every second over the filings ({len(samples)} samples; CPU as a share of one core, memory resident "
        "set; first and last quarter of the run, then the range):",
        "",
        "| processes | CPU first ¼ | CPU last ¼ | CPU range | memory first ¼ | memory last ¼ | memory range |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for group, label in (("workers", "gunicorn: 2 masters and their workers"),
                         ("database", "PostgreSQL backends of this database"), ("nginx", "nginx"),
                         ("load", "the load generator (the phones)")):  # fmt: skip
        cpu = halves(samples, f"{group}_cpu")
        mb = halves(samples, f"{group}_mb")
        lines.append(
            f"| {label} | {cpu[0]:.0%} | {cpu[1]:.0%} | {cpu[2]:.0%}–{cpu[3]:.0%} | {mb[0]:.0f} MB | {mb[1]:.0f} MB "
            f"| {mb[2]:.0f}–{mb[3]:.0f} MB |"
        )
    verdict = "✓" if night_s <= TARGET_SECONDS else "✗"
    cpu_s = {
        group: sum(x[f"{group}_cpu"] * x["dt"] for x in samples) for group in ("workers", "database", "nginx", "load")
    }
    measured = sum(x["dt"] for x in samples) or 1.0
    per_request = {group: seconds / filed * 1000 * filing_s / measured for group, seconds in cpu_s.items()}
    server_ms = per_request["workers"] + per_request["database"] + per_request["nginx"]
    cores = os.cpu_count() or 1
    capacity = cores * 1000 / server_ms
    capacity_s = TARGET_VILLAGES * len(FILINGS) / capacity
    used = sum(cpu_s.values()) / measured
    worst = max(max(night.latencies[name]) for name in FILINGS)
    lines += [
        "",
        f"Afterwards the database holds {counts['damage']:,} damage reports ({counts['current']:,} current: one per "
        f"village), {counts['evacuation']:,} evacuation reports, {counts['hazards']:,} hazards, {counts['photos']:,} "
        f"photos and {counts['audit']:,} audit rows.",
        "",
        "Reading the numbers:",
        f"- **The issue's night**: {TARGET_VILLAGES:,} villages × {len(FILINGS)} requests within an hour is "
        f"{required:.0f} requests/s on average ({TARGET_VILLAGES / TARGET_SECONDS:.1f} photos/s among them). This "
        f"machine sustained {rate:.0f} requests/s of the same mix ({1 / per_village:.1f} villages/s), so the "
        f"{TARGET_VILLAGES:,} villages would be through in about {night_s / 60:.0f} minutes {verdict}: "
        f"{rate / required:.1f}× the rate the hour needs, on 2 shared cores with the load generator on the same "
        "machine. Extrapolated, not run: the full 20,000 villages were not filed here (time on a shared VM); the "
        "rate is a closed loop's and holds while the rows grow, as the flat samples above and the per-village "
        "indexes (every query of a filing is by village or by client_id) suggest.",
        f"- **What the machine would do for the deployment alone**: over the run the processes above used "
        f"{used:.2f} of the {cores} cores (the rest went to other work on this shared VM: load average {load:.1f}). "
        f"Per request of the mix the server side cost {server_ms:.1f} ms of CPU (gunicorn workers "
        f"{per_request['workers']:.1f}, PostgreSQL {per_request['database']:.1f}, nginx {per_request['nginx']:.1f}; "
        f"the load generator another {per_request['load']:.1f}). {cores} cores given to the deployment alone serve "
        f"about {capacity:.0f} requests/s of it, {capacity / required:.1f}× what the hour needs: the 20,000 "
        f"villages in about {capacity_s / 60:.0f} minutes {'✓' if capacity_s <= TARGET_SECONDS else '✗'} (a "
        "CPU-bound estimate: the sync workers are CPU-bound, bench_submit's busy column; CPU time per request "
        "measured on an overloaded VM runs high, so the estimate is on the safe side).",
        "- A real night is not spread evenly: if half the villages file in the first quarter hour, the peak is "
        f"{TARGET_VILLAGES / 2 * len(FILINGS) / 900:.0f} requests/s; above the sustained rate the phones' outboxes "
        "queue and retry with their client_ids (nothing is lost, tests/faults), and the backlog drains at the "
        "sustained rate.",
        f"- The logins ran at {login_rate:.0f}/s against cheap pbkdf2 hashes given to the bench's officers (the "
        "night's subject is the filing). Production hashes are scrypt, tens of ms of CPU each by design: a night on "
        "which every officer logs in again would cost more than the filings themselves; a remembered login (30 "
        "days, the PWA's default) avoids that.",
        "- Errors must be 0: any non-2xx answer or a dropped connection counts, and nothing is retried by the "
        f"load generator. The latencies are a closed loop's: with {args.concurrency} clients, mean latency is "
        f"{args.concurrency} ÷ the rate, queueing behind {2 * args.workers} busy workers, not slow requests.",
        f"- The slowest requests took up to {worst:.0f} s (the max column); when every endpoint's max is about the "
        "same, one stall held the requests in flight at that moment (`--keep-logs` lists the requests over 5 s with "
        "their time, to set beside the gunicorn logs; on 2026-12-06 the workers' recycling by `max_requests` was "
        "ruled out, CPU starvation by other work on the VM was not). None failed (the app bounds a request by "
        "`DB_STATEMENT_TIMEOUT`, nginx waits 35 s).",
        "- Memory: the gunicorn workers stay flat; the PostgreSQL backends' resident sets grow as they touch more of "
        "the shared buffers (RSS counts shared pages a backend has read), not with a leak.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
