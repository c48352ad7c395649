"""PostgreSQL stopped and started under a running app: requests answer 503 ``unavailable`` in the contract's shape
within the configured timeouts while it is down, the app recovers without a restart, nothing confirmed is lost.

The outage is a private cluster the test makes itself (``initdb`` and ``pg_ctl`` of the installed PostgreSQL in a
temporary directory on a free port), never the machine's shared service.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import select

from server import create_app
from server.damage.models import DamageReport
from server.extensions import db
from server.orgunits.models import OrgUnit
from server.users.models import User
from server.users.passwords import hash_password
from tests.conftest import PASSWORD

BOUND = 15  # seconds a request may take while the database is down (far below gunicorn's 30 s worker timeout)


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


class PrivateCluster:
    """A throwaway PostgreSQL cluster owned by the ``postgres`` system user (initdb refuses to run as root)."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="gridreport-pg-"))
        self.data = self.root / "data"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    def run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_owner, str(self.bindir / tool), *args], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def cluster(is_postgres) -> Iterator[PrivateCluster]:
    if not is_postgres:
        pytest.skip("runs with the PostgreSQL suite (TEST_DATABASE_URL): it needs the PostgreSQL server binaries")
    bindir = _postgres_bin()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) installed")
    made = PrivateCluster(bindir)
    made.start()
    yield made
    made.remove()


def timed(call):
    started = time.monotonic()
    response = call()
    assert time.monotonic() - started < BOUND, "the request hung instead of answering 503"
    return response


def test_the_app_answers_503_while_postgres_is_down_and_recovers_by_itself(cluster, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": cluster.url,
            "SECRET_KEY": "outage-secret",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "RATELIMIT_STORAGE_URI": "memory://",
            "MEDIA_DIR": str(tmp_path / "media"),
            "DB_CONNECT_TIMEOUT": 2,
            "DB_STATEMENT_TIMEOUT": 3,
        }
    )
    try:
        with app.app_context():
            flask_migrate.upgrade()
            county = OrgUnit(code="369901", name="外岛县", level="county", path="/369901/")
            db.session.add(county)
            db.session.flush()
            village = OrgUnit(code="369901100201", name="渔村", level="village", parent_id=county.id,
                              path="/369901/369901100201/")  # fmt: skip
            db.session.add(village)
            db.session.flush()
            for role, unit in (("reporter", village), ("reviewer", county)):
                db.session.add(User(username=role, name=role, role=role, org_unit_id=unit.id,
                                    password_hash=hash_password(PASSWORD)))  # fmt: skip
            db.session.commit()
            village_id, county_id = village.id, county.id
        phone, desk = app.test_client(), app.test_client()
        tokens = {}
        for client, name in ((phone, "reporter"), (desk, "reviewer")):
            login = client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
            assert login.status_code == 200, login.get_json()
            tokens[name] = {"X-CSRF-Token": login.get_json()["csrf_token"]}
        event = desk.post("/api/v1/events", headers=tokens["reviewer"], json={
            "name": "风暴潮", "disaster_type": "海洋灾害", "disaster_subtype": "风暴潮",
            "started_at": datetime.now(UTC).isoformat(), "org_unit_id": county_id,
        }).get_json()  # fmt: skip
        url = f"/api/v1/events/{event['id']}/damage-reports"

        def report(stage: str, people: int, client_id: str):
            body = {"client_id": client_id, "org_unit_id": village_id, "stage": stage,
                    "figures": {"affected_population": people}}  # fmt: skip
            return phone.post(url, headers=tokens["reporter"], json=body)

        confirmed = [str(uuid.uuid4())]
        assert report("initial", 10, confirmed[0]).status_code == 201

        cluster.stop()
        for call in (
            lambda: report("update", 20, str(uuid.uuid4())),
            lambda: phone.get(f"/api/v1/events/{event['id']}/rollup"),
            lambda: desk.get("/api/v1/dashboard"),
        ):
            response = timed(call)
            assert response.status_code == 503, response.get_data(as_text=True)[:300]
            assert response.get_json()["error"]["code"] == "unavailable"
            assert set(response.get_json()) == {"error"}
        health = timed(lambda: app.test_client().get("/healthz"))
        assert health.status_code == 503 and health.get_json()["error"]["details"] == {"database": "unavailable"}

        cluster.start()  # no restart of the app: its pool replaces the dead connections
        pending = str(uuid.uuid4())
        assert report("update", 20, pending).status_code == 201
        confirmed.append(pending)
        assert report("update", 20, pending).status_code == 200  # the phone's resend after the outage
        rollup = phone.get(f"/api/v1/events/{event['id']}/rollup").get_json()
        assert rollup["figures"]["affected_population"] == 20
        with app.app_context():
            stored = db.session.scalars(select(DamageReport.client_id).order_by(DamageReport.id)).all()
            assert stored == confirmed
            db.session.remove()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
