"""GridReport as a county runs it: two gunicorn instances (deploy/gunicorn.conf.py) behind Debian's nginx
(deploy/nginx/gridreport.conf, with the test's ports and without TLS), sharing PostgreSQL, Redis (rate limits) and
S3-compatible storage (moto_server). A login made through one instance works on the other, failed logins count
across both, a photo uploaded through one is served by the other, the client's address reaches the app through
nginx (TRUSTED_PROXIES=1), and one instance killed mid-burst loses nothing."""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import select

from server.damage.models import DamageReport
from server.extensions import db
from tests.conftest import PASSWORD
from tests.faults.test_crash_burst import a_photo, free_port
from tests.photos.conftest import s3_endpoint  # noqa: F401  (fixture: a moto_server process)

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REDIS = "redis://127.0.0.1:6379/0"


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def requirements(app):
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("runs with the PostgreSQL suite: two instances share one PostgreSQL database")
    missing = [name for name, ok in (("nginx", os.path.exists(NGINX)), ("Redis", _redis_answers())) if not ok]
    if missing and os.environ.get("CI") == "true":
        pytest.fail(f"{', '.join(missing)} missing in CI (make test installs nginx; Redis runs on this machine)")
    if missing:
        pytest.skip(f"{', '.join(missing)} not available")


class Instance:
    def __init__(self, env: dict, log: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": "2"}
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(gunicorn), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "server:create_app()"],
                env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT,
            )  # fmt: skip
        wait_for(self.base + "/healthz", self.log)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def wait_for(url: str, log: Path) -> None:
    until = time.monotonic() + 30
    while time.monotonic() < until:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer:\n" + log.read_text(errors="replace")[-3000:])


def nginx_config(tmp: Path, port: int, upstreams: list[int]) -> Path:
    """The production server block with the test's ports, TLS lines left out, in a minimal nginx.conf."""
    block = (ROOT / "deploy" / "nginx" / "gridreport.conf").read_text()
    block = "\n".join(line for line in block.splitlines() if "# TLS" not in line)
    block = block.replace("127.0.0.1:8001", f"127.0.0.1:{upstreams[0]}").replace(
        "127.0.0.1:8002", f"127.0.0.1:{upstreams[1]}"
    )
    block = re.sub(r"server \{", f"server {{\n    listen 127.0.0.1:{port};", block, count=1)
    (tmp / "gridreport.conf").write_text(block)
    conf = tmp / "nginx.conf"
    conf.write_text(f"""
{"user root;" if os.geteuid() == 0 else ""}
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/gridreport.conf;
}}
""")
    return conf


class FromAddress(HTTPAdapter):
    """Connections from one loopback address (127.0.0.5 …): a distinct client as nginx sees it."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client(address: str = "127.0.0.1") -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session


def login(session: requests.Session, base: str, username: str, password: str = PASSWORD) -> requests.Response:
    response = session.post(base + "/api/v1/auth/login", json={"username": username, "password": password}, timeout=10)
    if response.ok:
        session.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return response


@pytest.fixture(scope="module")
def deployment(requirements, app, s3_endpoint, tmp_path_factory):  # noqa: F811
    """Two instances and nginx, started once for this module (they keep no state; each test makes its own data)."""
    tmp_path = tmp_path_factory.mktemp("deploy")
    bucket = f"gridreport-{uuid.uuid4().hex[:8]}"
    import boto3

    boto3.client("s3", endpoint_url=s3_endpoint, aws_access_key_id="test", aws_secret_access_key="test",
                 region_name="us-east-1").create_bucket(Bucket=bucket)  # fmt: skip
    env = {
        **os.environ,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "SECRET_KEY": "two-instances-secret",
        "RATELIMIT_STORAGE_URI": REDIS,
        "RATELIMIT_KEY_PREFIX": f"gridreport-test-{uuid.uuid4().hex[:8]}",  # this run's counters only
        "TRUSTED_PROXIES": "1",
        "S3_ENDPOINT": s3_endpoint,
        "S3_BUCKET": bucket,
        "S3_ACCESS_KEY": "test",
        "S3_SECRET_KEY": "test",
        "S3_REGION": "us-east-1",
    }
    instances = [Instance(env, tmp_path / f"gunicorn-{n}.log") for n in (1, 2)]
    for instance in instances:
        instance.start()
    port = free_port()
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / sub).mkdir()
    proxy = subprocess.Popen([NGINX, "-c", str(nginx_config(tmp_path, port, [i.port for i in instances]))],
                             stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # fmt: skip
    front = f"http://127.0.0.1:{port}"
    try:
        wait_for(front + "/healthz", tmp_path / "error.log")
        yield front, instances
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
        for instance in instances:
            instance.kill()


@pytest.fixture
def county(deployment, tree, make_user, login_as):
    """An active typhoon over the test county, each village with its officer."""
    front, instances = deployment
    reviewer = make_user("reviewer", tree.county)
    event = login_as(reviewer).post("/api/v1/events", json={
        "name": "台风", "disaster_type": "台风", "started_at": datetime.now(UTC).isoformat(),
        "org_unit_id": tree.county.id,
    }).get_json()  # fmt: skip
    officers = {v.id: make_user("reporter", v) for v in tree.villages}
    return front, instances, event["id"], officers


def test_a_login_through_one_instance_works_on_the_other_and_so_does_a_photo(county, tree):
    front, (one, two), event_id, officers = county
    phone = client()
    assert login(phone, one.base, officers[tree.village_a1.id].username).status_code == 200
    me = phone.get(two.base + "/api/v1/auth/me", timeout=10)
    assert me.status_code == 200 and me.json()["user"]["username"] == officers[tree.village_a1.id].username
    hazard = phone.post(one.base + "/api/v1/hazards", timeout=10, json={
        "client_id": str(uuid.uuid4()), "org_unit_id": tree.village_a1.id, "category": "landslide",
        "title": "后山裂缝", "risk_level": "high", "address": "后山", "found_at": datetime.now(UTC).isoformat(),
    })  # fmt: skip
    assert hazard.status_code == 201, hazard.text
    photo = a_photo(7)
    uploaded = phone.post(f"{one.base}/api/v1/hazards/{hazard.json()['id']}/photos", timeout=10,
                          files={"file": ("slope.jpg", io.BytesIO(photo), "image/jpeg")})  # fmt: skip
    assert uploaded.status_code == 201, uploaded.text
    served = phone.get(f"{two.base}/api/v1/photos/{uploaded.json()['id']}", timeout=10)
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/jpeg"
    assert len(served.content) == uploaded.json()["bytes"]
    assert phone.get(front + "/api/v1/auth/me", timeout=10).status_code == 200  # and through nginx


def test_failed_logins_count_across_both_instances(county, tree):
    _, (one, two), _, officers = county
    username = officers[tree.village_b1.id].username
    attempts = 0
    for attempts in range(1, 21):  # alternate the instances, as nginx's round robin would
        answer = login(client(), (one, two)[attempts % 2].base, username, "wrong-password")
        if answer.status_code == 429:
            break
        assert answer.status_code == 401
    # Counted in Redis, shared: refused after the configured failures, not after that many on each instance.
    assert answer.status_code == 429 and attempts <= 6, attempts


def test_the_client_address_reaches_the_app_through_nginx(county, tree):
    front, _, _, officers = county
    username = officers[tree.village_a2.id].username
    for _ in range(20):  # a stranger at 127.0.0.5 guesses until refused
        if login(client("127.0.0.5"), front, username, "guess").status_code == 429:
            break
    else:
        pytest.fail("the guesses were never refused")
    # The officer at another address is not locked out by the stranger: nginx passed each one's own address.
    assert login(client("127.0.0.6"), front, username).status_code == 200


def test_one_instance_killed_mid_burst_loses_nothing(app, county, tree):
    front, (one, _), event_id, officers = county
    confirmed: list[str] = []
    refused: list[str] = []
    lock = threading.Lock()

    def officer(village_id: int, username: str) -> None:
        phone = client()
        until = time.monotonic() + 90
        while login(phone, front, username).status_code != 200:
            assert time.monotonic() < until
            time.sleep(0.2)
        for n, stage in enumerate(("initial", "update", "update", "update", "update", "update")):
            body = {"client_id": str(uuid.uuid4()), "org_unit_id": village_id, "stage": stage,
                    "figures": {"affected_population": 5 + n}}  # fmt: skip
            while time.monotonic() < until:
                try:
                    answer = phone.post(f"{front}/api/v1/events/{event_id}/damage-reports", json=body, timeout=10)
                except requests.RequestException:
                    continue
                if answer.status_code in (502, 503, 504):
                    time.sleep(0.1)
                    continue
                with lock:
                    (confirmed if answer.status_code in (200, 201) else refused).append(
                        body["client_id"] if answer.ok else answer.text[:300]
                    )
                break

    phones = [threading.Thread(target=officer, args=(vid, user.username)) for vid, user in officers.items()]
    for phone in phones:
        phone.start()
    until = time.monotonic() + 60
    while len(confirmed) < 6 and time.monotonic() < until:
        time.sleep(0.02)
    one.kill()  # mid-burst: its in-flight requests are cut
    for phone in phones:
        phone.join(timeout=120)
    assert refused == []
    assert len(confirmed) == 6 * len(officers)
    with app.app_context():
        stored = db.session.scalars(select(DamageReport.client_id).where(DamageReport.event_id == event_id)).all()
        db.session.remove()
    assert sorted(stored) == sorted(confirmed)
