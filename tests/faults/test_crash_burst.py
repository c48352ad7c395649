"""A burst from 16 phones while the server is killed twice (SIGKILL to gunicorn's process group, mid-request) and
started again: what a typhoon night with a crashing host must not do to the records.

Each client thread is one village officer: an 初报 and three 续报, a hazard with a photo and a 叫应, each retried
with its own client_id until a 2xx (a connection error or a 5xx is "no network", as the PWA's outbox treats it).
Afterwards every client_id a client saw confirmed exists exactly once, no photo row lacks its file, each village
has one current report, and each created object has one audit row. Loopback only, bounded in time.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from PIL import Image
from sqlalchemy import func, select

from server.audit_trail import AuditLog
from server.damage.models import DamageReport
from server.extensions import db
from server.hazards.models import Hazard
from server.photos.models import Photo
from server.warnings.models import WarningAck
from tests.conftest import PASSWORD

CLIENTS = 16
DEADLINE = 150  # seconds for the whole burst, crashes included (a bound on hanging, not a benchmark)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn serving the suite's database and media store, in its own process group (killed as a whole)."""

    def __init__(self, app, log: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": app.config["DATABASE_URL"],
            "MEDIA_DIR": app.config["MEDIA_DIR"],
            "SECRET_KEY": app.config["SECRET_KEY"],
            "RATELIMIT_STORAGE_URI": "memory://",
        }
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{self.port}", "server:create_app()"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=Path(__file__).resolve().parents[2],
            )
        until = time.monotonic() + 30
        while time.monotonic() < until:
            try:
                if requests.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise AssertionError("gunicorn did not start:\n" + self.log.read_text(errors="replace")[-3000:])

    def kill(self) -> None:
        """SIGKILL to the master and its workers at once: no graceful shutdown, requests cut mid-way."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


class Officer(threading.Thread):
    """One village's phone: every item resent with its client_id until the server confirms it."""

    def __init__(self, base: str, username: str, village_id: int, event_id: int, warning_id: int, photo: bytes):
        super().__init__(daemon=True)
        self.base, self.username = base, username
        self.village_id, self.event_id, self.warning_id, self.photo = village_id, event_id, warning_id, photo
        self.confirmed: dict[str, list[str]] = {"damage": [], "hazard": [], "ack": []}
        self.photo_ids: list[int] = []
        self.refused: list[str] = []
        self.session = requests.Session()
        self.csrf = ""

    def call(self, method: str, path: str, **kw) -> requests.Response | None:
        while time.monotonic() < self.until:
            try:
                if not self.csrf:
                    self.login()
                response = self.session.request(
                    method, self.base + path, headers={"X-CSRF-Token": self.csrf}, timeout=10, **kw
                )
            except requests.RequestException:
                time.sleep(0.2)  # no answer: the server is down or restarting
                continue
            if response.status_code >= 500:
                time.sleep(0.2)
                continue
            if response.status_code == 401:
                self.csrf = ""
                continue
            if response.status_code >= 400:
                self.refused.append(f"{path} {response.status_code} {response.text[:300]}")
                return None
            return response
        self.refused.append(f"{path}: no answer before the deadline")
        return None

    def login(self) -> None:
        response = self.session.post(
            self.base + "/api/v1/auth/login", json={"username": self.username, "password": PASSWORD}, timeout=10
        )
        response.raise_for_status()
        self.csrf = response.json()["csrf_token"]

    def run(self) -> None:
        self.until = time.monotonic() + DEADLINE
        for n, stage in enumerate(("initial", "update", "update", "update")):
            client_id = str(uuid.uuid4())
            body = {
                "client_id": client_id,
                "org_unit_id": self.village_id,
                "stage": stage,
                "figures": {"affected_population": 10 + n, "relocated": n, "relocated_centralized": n},
            }
            if self.call("POST", f"/api/v1/events/{self.event_id}/damage-reports", json=body) is not None:
                self.confirmed["damage"].append(client_id)
        client_id = str(uuid.uuid4())
        hazard = {
            "client_id": client_id,
            "org_unit_id": self.village_id,
            "category": "landslide",
            "title": "后山坡体裂缝",
            "risk_level": "high",
            "address": "后山",
            "threatened_households": 2,
            "threatened_persons": 7,
            "found_at": datetime.now(UTC).isoformat(),
        }
        created = self.call("POST", "/api/v1/hazards", json=hazard)
        if created is not None:
            self.confirmed["hazard"].append(client_id)
            uploaded = self.call(
                "POST",
                f"/api/v1/hazards/{created.json()['id']}/photos",
                files={"file": ("slope.jpg", self.photo, "image/jpeg")},  # bytes: each retry sends them whole
            )
            if uploaded is not None:
                self.photo_ids.append(uploaded.json()["id"])
        client_id = str(uuid.uuid4())
        ack = {"client_id": client_id, "households_notified": 5, "persons_notified": 16}
        if self.call("POST", f"/api/v1/warnings/{self.warning_id}/ack", json=ack) is not None:
            self.confirmed["ack"].append(client_id)


def a_photo(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (seed * 13 % 256, 90, 160)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def county(app, make_unit, make_user, login_as):
    """A county with 16 villages, each with its officer; an active flood and a red warning to all of them."""
    county = make_unit("county", name="台风县")
    town = make_unit("township", county, name="沿海镇")
    villages = [make_unit("village", town, name=f"第{n + 1}村") for n in range(CLIENTS)]
    officers = [make_user("reporter", village) for village in villages]
    reviewer = login_as(make_user("reviewer", county))
    now = datetime.now(UTC).isoformat()
    event = reviewer.post(
        "/api/v1/events",
        json={"name": "台风", "disaster_type": "台风", "started_at": now, "org_unit_id": county.id, "drill": False},
    ).get_json()
    warning = reviewer.post(
        "/api/v1/warnings",
        json={"title": "台风红色预警", "body": "立即转移", "level": "red", "disaster_type": "台风",
              "target_org_unit_ids": [town.id]},
    ).get_json()  # fmt: skip
    return villages, officers, event["id"], warning["id"]


def test_a_burst_survives_two_kills_of_the_server(app, county, tmp_path):
    villages, officers, event_id, warning_id = county
    server = Gunicorn(app, tmp_path / "gunicorn.log")
    server.start()
    phones = [
        Officer(server.base, user.username, village.id, event_id, warning_id, a_photo(n))
        for n, (user, village) in enumerate(zip(officers, villages, strict=True))
    ]
    for phone in phones:
        phone.start()
    try:
        for share in (0.3, 0.6):  # kill when about a third, then two thirds of the items are confirmed
            until = time.monotonic() + DEADLINE
            while sum(len(v) for p in phones for v in p.confirmed.values()) < share * CLIENTS * 6:
                assert time.monotonic() < until, "the burst stalled"
                assert any(p.is_alive() for p in phones), [p.refused for p in phones]
                time.sleep(0.05)
            server.kill()
            time.sleep(0.5)  # down for a moment: the phones see no answer and retry
            server.start()
        for phone in phones:
            phone.join(timeout=DEADLINE)
            assert not phone.is_alive(), "a phone is still sending after the deadline"
    finally:
        if server.process and server.process.poll() is None:
            server.kill()

    assert [p.refused for p in phones] == [[] for _ in phones]  # nothing refused: retries are harmless
    confirmed = {kind: [c for p in phones for c in p.confirmed[kind]] for kind in ("damage", "hazard", "ack")}
    assert [len(v) for v in confirmed.values()] == [CLIENTS * 4, CLIENTS, CLIENTS]
    with app.app_context():
        for model, kind, action in (
            (DamageReport, "damage", "damage_report.create"),
            (Hazard, "hazard", "hazard.create"),
            (WarningAck, "ack", "warning.ack"),
        ):
            stored = Counter(db.session.scalars(select(model.client_id).where(model.client_id.in_(confirmed[kind]))))
            assert sorted(stored) == sorted(confirmed[kind]) and set(stored.values()) == {1}, kind
            audited = Counter(db.session.scalars(select(AuditLog.entity_id).where(AuditLog.action == action)))
            if model is WarningAck:  # an ack's audit row names its warning: one per village's answer
                assert audited == {warning_id: CLIENTS}
            else:
                ids = db.session.scalars(select(model.id).where(model.client_id.in_(confirmed[kind]))).all()
                assert {i: audited[i] for i in ids} == dict.fromkeys(ids, 1), kind
        current = db.session.execute(
            select(DamageReport.org_unit_id, func.count())
            .where(DamageReport.event_id == event_id, DamageReport.current)
            .group_by(DamageReport.org_unit_id)
        ).all()
        assert sorted(current) == sorted((v.id, 1) for v in villages)
        photos = db.session.scalars(select(Photo)).all()
        assert sorted(p.id for p in photos) == sorted({i for p in phones for i in p.photo_ids})
        media = Path(app.config["MEDIA_DIR"])
        assert [p.storage_key for p in photos if not (media / p.storage_key).is_file()] == []
        db.session.remove()
