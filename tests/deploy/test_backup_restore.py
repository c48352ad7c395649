"""The backup and restore of the README's "Operating it" (deploy/backup.sh, deploy/restore.sh): a populated county
backed up with the script, restored into an empty database and an empty media directory, serves the same roll-ups,
the same photo bytes and the same audit trail. PostgreSQL only (pg_dump and pg_restore)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def postgres_tools(app):
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("runs with the PostgreSQL suite: the scripts use pg_dump and pg_restore")
    missing = [tool for tool in ("pg_dump", "pg_restore", "psql") if shutil.which(tool) is None]
    if missing and os.environ.get("CI") == "true":
        pytest.fail(f"{', '.join(missing)} missing in CI (postgresql-client)")
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (postgresql-client)")


def a_photo() -> bytes:
    out = io.BytesIO()
    Image.radial_gradient("L").resize((640, 480)).convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def run(script: str, argument: Path, env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run([str(ROOT / "deploy" / script), str(argument)], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def audit_rows(url: str) -> list[tuple]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text("SELECT * FROM audit_logs ORDER BY id"))]
    finally:
        engine.dispose()


def served(client, url: str) -> bytes:
    """The bytes a photo URL serves (the file-backed response closed afterwards)."""
    response = client.get(url)
    try:
        assert response.status_code == 200, response.status_code
        return response.get_data()
    finally:
        response.close()


def log_in(app, username: str):
    client = app.test_client()
    answer = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.get_json()
    return client


def test_a_county_backed_up_and_restored_serves_the_same_rollups_photos_and_audit(
    postgres_tools, app, tree, make_user, login_as, make_app, scratch_database_url, tmp_path
):
    county_reviewer = make_user("reviewer", tree.county)
    desk = login_as(county_reviewer)
    event = desk.post("/api/v1/events", json={
        "name": "台风", "disaster_type": "台风", "started_at": datetime.now(UTC).isoformat(),
        "org_unit_id": tree.county.id, "drill": False,
    }).get_json()  # fmt: skip
    reporter = login_as(make_user("reporter", tree.village_a1))
    for stage, people in (("initial", 30), ("update", 42)):
        filed = reporter.post(f"/api/v1/events/{event['id']}/damage-reports", json={
            "client_id": str(uuid.uuid4()), "org_unit_id": tree.village_a1.id, "stage": stage,
            "figures": {"affected_population": people, "relocated": 5, "relocated_centralized": 5},
        })  # fmt: skip
        assert filed.status_code == 201, filed.get_json()
    other = login_as(make_user("reporter", tree.village_b1))
    filed = other.post(f"/api/v1/events/{event['id']}/damage-reports", json={
        "client_id": str(uuid.uuid4()), "org_unit_id": tree.village_b1.id, "stage": "initial",
        "figures": {"affected_population": 17},
    })  # fmt: skip
    assert filed.status_code == 201, filed.get_json()
    hazard = reporter.post("/api/v1/hazards", json={
        "client_id": str(uuid.uuid4()), "org_unit_id": tree.village_a1.id, "category": "landslide",
        "title": "后山裂缝", "risk_level": "high", "address": "后山", "found_at": datetime.now(UTC).isoformat(),
    }).get_json()  # fmt: skip
    photo = reporter.post(f"/api/v1/hazards/{hazard['id']}/photos", content_type="multipart/form-data",
                          data={"file": (io.BytesIO(a_photo()), "slope.jpg")}).get_json()  # fmt: skip
    rollup_before = desk.get(f"/api/v1/events/{event['id']}/rollup").get_json()
    photo_before = served(desk, f"/api/v1/photos/{photo['id']}")
    thumbnail_before = served(desk, f"/api/v1/photos/{photo['id']}/thumbnail")
    audit_before = audit_rows(app.config["DATABASE_URL"])
    assert len(audit_before) >= 5

    backup = tmp_path / "backup"
    run("backup.sh", backup, {"DATABASE_URL": app.config["DATABASE_URL"], "MEDIA_DIR": app.config["MEDIA_DIR"]})
    assert {p.name for p in backup.iterdir()} == {"database.dump", "media.tar.gz", "SHA256SUMS"}

    media = tmp_path / "restored-media"
    run("restore.sh", backup, {"DATABASE_URL": scratch_database_url, "MEDIA_DIR": str(media)})
    restored = make_app(DATABASE_URL=scratch_database_url, MEDIA_DIR=str(media))
    desk_again = log_in(restored, county_reviewer.username)

    assert desk_again.get(f"/api/v1/events/{event['id']}/rollup").get_json() == rollup_before
    assert served(desk_again, f"/api/v1/photos/{photo['id']}") == photo_before
    assert len(photo_before) == photo["bytes"]
    assert served(desk_again, f"/api/v1/photos/{photo['id']}/thumbnail") == thumbnail_before
    # The restore itself wrote nothing; the login above is the restored instance's first audit row.
    assert audit_rows(scratch_database_url)[: len(audit_before)] == audit_before


def test_restore_refuses_a_database_that_is_not_empty(postgres_tools, app, tmp_path):
    backup = tmp_path / "backup"
    run("backup.sh", backup, {"DATABASE_URL": app.config["DATABASE_URL"], "MEDIA_DIR": app.config["MEDIA_DIR"]})
    done = subprocess.run([str(ROOT / "deploy" / "restore.sh"), str(backup)], capture_output=True, text=True,
                          env={**os.environ, "DATABASE_URL": app.config["DATABASE_URL"],
                               "MEDIA_DIR": str(tmp_path / "media")}, timeout=60)  # fmt: skip
    assert done.returncode != 0 and "restore into an empty one" in done.stderr
    assert not (tmp_path / "media").exists()
