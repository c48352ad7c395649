"""Usernames are one login up to case, full-width letters and surrounding spaces: no look-alike can be created
next to a real user, and every form of a name logs in that one user (issue 7: a village admin could create
``COUNTY_ADMIN`` and take over or lock out ``county_admin``)."""

import alembic.command
import flask_migrate
import pytest
import sqlalchemy as sa

from server import create_app
from server.extensions import db
from tests.conftest import PASSWORD, assert_error

LOOK_ALIKES = ("COUNTY_ADMIN", " county_admin ", "ｃｏｕｎｔｙ_admin", "County_Admin", "ＣＯＵＮＴＹ＿ＡＤＭＩＮ")


def new_user(unit, username):
    return {"username": username, "role": "reporter", "org_unit_id": unit.id, "password": "a-good-password"}


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_village_admin_cannot_create_a_look_alike_of_the_county_admin(login_as, make_user, tree, look_alike):
    make_user("admin", tree.county, username="county_admin")
    village_admin = login_as(make_user("admin", tree.village_a1))
    error = assert_error(village_admin.post("/api/v1/users", json=new_user(tree.village_a1, look_alike)), 409,
                         "username_taken")  # fmt: skip
    assert "username" in error["details"]["fields"]


@pytest.mark.parametrize("form", LOOK_ALIKES)
def test_every_form_of_a_username_logs_in_the_one_real_user(client, make_user, tree, form):
    real = make_user("admin", tree.county, username="county_admin")
    response = client.post("/api/v1/auth/login", json={"username": form, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["user"]["id"] == real.id


def test_a_created_username_is_stored_normalized_and_its_other_forms_log_in(client, login_as, make_user, tree):
    admin = login_as(make_user("admin", tree.county))
    created = admin.post("/api/v1/users", json=new_user(tree.village_a1, " ｗａｎｇ.Wei "))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["username"] == "wang.Wei"  # spaces stripped, full-width letters made ASCII
    for form in ("WANG.WEI", "wang.wei", " ｗａｎｇ.ｗｅｉ"):
        login = client.post("/api/v1/auth/login", json={"username": form, "password": "a-good-password"})
        assert login.status_code == 200, (form, login.get_json())
    assert_error(admin.post("/api/v1/users", json=new_user(tree.village_a2, "Wang.wei")), 409, "username_taken")


def test_failed_logins_of_all_forms_of_a_name_count_together(client, make_user, tree):
    make_user("admin", tree.county, username="county_admin")
    for form in LOOK_ALIKES:
        client.post("/api/v1/auth/login", json={"username": form, "password": "wrong-pass-1"})
    response = client.post("/api/v1/auth/login", json={"username": "county_admin", "password": "wrong-pass-1"})
    assert_error(response, 429, "rate_limited")


def test_the_database_itself_refuses_a_look_alike(app, make_user, tree):
    make_user("admin", tree.county, username="county_admin")
    with pytest.raises(sa.exc.IntegrityError):
        make_user("reporter", tree.village_a1, username="COUNTY_ADMIN")


def test_migration_stops_on_existing_clashes_and_names_them(scratch_database_url, tmp_path):
    scratch = create_app({"TESTING": True, "DATABASE_URL": scratch_database_url, "SECRET_KEY": "t",
                          "MEDIA_DIR": str(tmp_path)})  # fmt: skip
    with scratch.app_context():
        try:
            flask_migrate.upgrade(revision="0005")
            with db.engine.begin() as conn:
                conn.execute(sa.text(
                    "INSERT INTO org_units (id, code, name, level, path, created_at, updated_at) "
                    "VALUES (1, '36', 'x', 'county', '/36/', '2026-01-01', '2026-01-01')"
                ))  # fmt: skip
                for i, name in enumerate(("county_admin", "COUNTY_ADMIN", "someone_else"), start=1):
                    conn.execute(
                        sa.text(
                            "INSERT INTO users (id, username, name, phone, role, org_unit_id, active, password_hash,"
                            " session_token, created_at, updated_at) VALUES (:id, :u, '', '', 'admin', 1, true,"
                            " 'x', :t, '2026-01-01', '2026-01-01')"
                        ),
                        {"id": i, "u": name, "t": f"token{i}"},
                    )
            config = scratch.extensions["migrate"].migrate.get_config()
            with pytest.raises(RuntimeError, match="'county_admin' / 'COUNTY_ADMIN'") as raised:
                alembic.command.upgrade(config, "0006")  # what ``flask db upgrade`` runs, without its exit(1)
            assert "someone_else" not in str(raised.value)
            with db.engine.begin() as conn:
                conn.execute(sa.text("UPDATE users SET username = 'county_admin_2' WHERE id = 2"))
            flask_migrate.upgrade(revision="0006")
            with db.engine.connect() as conn:
                keys = conn.execute(sa.text("SELECT username_key FROM users ORDER BY id")).scalars().all()
            assert keys == ["county_admin", "county_admin_2", "someone_else"]
        finally:
            db.session.remove()
            db.engine.dispose()
