"""Logout ends the session on the server, per device; ``remember`` decides how long the cookies live (issue 7)."""

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from tests.conftest import PASSWORD, assert_error


def log_in(app, user, **extra):
    client = app.test_client()
    response = client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD, **extra})
    assert response.status_code == 200, response.get_json()
    return client, response


def copy_cookie(app, source, name):
    """A thief's client holding only a copy of one cookie."""
    thief = app.test_client()
    thief.set_cookie(name, source.get_cookie(name).value)
    return thief


@pytest.mark.parametrize("cookie", ["session", "remember_token"])
def test_a_copied_cookie_stops_working_after_logout(app, make_user, tree, cookie):
    user = make_user("reporter", tree.village_a1)
    phone, login = log_in(app, user, remember=True)
    thief = copy_cookie(app, phone, cookie)
    assert thief.get("/api/v1/auth/me").status_code == 200  # the copy works while the login lives
    csrf = login.get_json()["csrf_token"]
    assert phone.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert_error(thief.get("/api/v1/auth/me"), 401, "unauthorized")
    assert_error(copy_cookie(app, thief, cookie).get("/api/v1/auth/me"), 401, "unauthorized")


def test_logout_on_one_phone_keeps_the_other_phone_logged_in(app, make_user, tree):
    user = make_user("reporter", tree.village_a1)
    first, login = log_in(app, user)
    second, _ = log_in(app, user)
    first.post("/api/v1/auth/logout", headers={"X-CSRF-Token": login.get_json()["csrf_token"]})
    assert_error(first.get("/api/v1/auth/me"), 401, "unauthorized")
    assert second.get("/api/v1/auth/me").status_code == 200
    second.delete_cookie("session")
    assert second.get("/api/v1/auth/me").status_code == 200  # its remember cookie too


def test_remember_false_gives_a_browser_session_cookie_and_no_remember_cookie(app, make_user, tree):
    _, response = log_in(app, make_user("reporter", tree.village_a1), remember=False)
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "Expires=" not in session_cookie and "Max-Age=" not in session_cookie  # ends with the browser
    assert not any(c.startswith("remember_token=") for c in cookies)


def test_remember_true_keeps_the_phone_logged_in_for_weeks(app, make_user, tree):
    _, response = log_in(app, make_user("reporter", tree.village_a1), remember=True)
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    for name in ("remember_token", "session"):
        expires = re.search(r"Expires=([^;]+)", cookies[name]).group(1)
        lasts = parsedate_to_datetime(expires) - datetime.now(UTC)
        assert lasts > app.config["REMEMBER_COOKIE_DURATION"] - timedelta(days=1), (name, expires)


def test_a_cookie_from_before_per_login_sessions_no_longer_logs_in(app, make_user, tree):
    """Ids without a login token (the old format: the user's token alone) are refused, not trusted."""
    from flask_login.utils import encode_cookie

    user = make_user("reporter", tree.village_a1)
    old = app.test_client()
    with app.test_request_context():
        old.set_cookie("remember_token", encode_cookie(user.session_token))
    assert_error(old.get("/api/v1/auth/me"), 401, "unauthorized")


def test_logins_beyond_the_limit_end_the_oldest(make_app, make_user, tree):
    app = make_app(MAX_LOGINS_PER_USER=3)
    user = make_user("reporter", tree.village_a1)
    devices = [log_in(app, user)[0] for _ in range(4)]
    assert_error(devices[0].get("/api/v1/auth/me"), 401, "unauthorized")
    assert all(device.get("/api/v1/auth/me").status_code == 200 for device in devices[1:])


def test_a_remembered_session_cookie_is_reissued_when_stale_not_on_every_request(app, make_user, tree, monkeypatch):
    """Its expiry slides with use (within SESSION_REFRESH_AFTER) without a new Set-Cookie on every request."""
    from server.auth import session_cookie

    phone, _ = log_in(app, make_user("reporter", tree.village_a1), remember=True)

    def session_set_cookie(response):
        return [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]

    assert session_set_cookie(phone.get("/api/v1/auth/me")) == []  # fresh: not re-signed
    later = datetime.now(UTC) + app.config["SESSION_REFRESH_AFTER"] + timedelta(minutes=1)
    monkeypatch.setattr(session_cookie.time, "time", later.timestamp)
    (reissued,) = session_set_cookie(phone.get("/api/v1/auth/me"))
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", reissued).group(1))
    assert expires > datetime.now(UTC) + app.config["PERMANENT_SESSION_LIFETIME"] - timedelta(minutes=5)
    assert phone.get("/api/v1/auth/me").status_code == 200  # the re-issued cookie logs in


def test_a_browser_session_cookie_is_never_reissued_unchanged(app, make_user, tree):
    phone, _ = log_in(app, make_user("reporter", tree.village_a1), remember=False)
    response = phone.get("/api/v1/auth/me")
    assert response.status_code == 200
    assert not any(c.startswith("session=") for c in response.headers.getlist("Set-Cookie"))


def test_a_forged_session_cookie_is_an_empty_session(app, make_user, tree):
    phone, _ = log_in(app, make_user("reporter", tree.village_a1), remember=False)
    value = phone.get_cookie("session").value
    phone.set_cookie("session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert_error(phone.get("/api/v1/auth/me"), 401, "unauthorized")
