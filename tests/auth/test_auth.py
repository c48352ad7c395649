"""Login, logout, me, CSRF, throttling, session revocation."""

from server.extensions import db
from server.users.models import User
from tests.conftest import PASSWORD, assert_error


def test_login_returns_user_and_csrf_token_and_a_hardened_cookie(client, make_user, tree):
    user = make_user("reporter", tree.village_a1)
    response = client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["username"] == user.username
    assert body["user"]["org_unit"]["id"] == tree.village_a1.id
    assert body["user"]["role"] == "reporter" and body["user"]["active"] is True
    assert len(body["csrf_token"]) > 20
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert any(c.startswith("remember_token=") for c in cookies)  # stays logged in for weeks


def test_me_returns_the_same_csrf_token(login_as, make_user, tree):
    api = login_as(make_user("viewer", tree.county))
    body = api.get("/api/v1/auth/me").get_json()
    assert body["csrf_token"] == api.csrf_token
    assert body["user"]["id"] == api.user["id"]


def test_bad_password_and_unknown_user_get_the_same_answer(client, make_user, tree):
    user = make_user("reporter", tree.village_a1)
    wrong = client.post("/api/v1/auth/login", json={"username": user.username, "password": "nope-nope-1"})
    unknown = client.post("/api/v1/auth/login", json={"username": "ghost", "password": "nope-nope-1"})
    first, second = assert_error(wrong, 401, "unauthorized"), assert_error(unknown, 401, "unauthorized")
    assert first["message"] == second["message"]


def test_inactive_user_cannot_log_in(client, make_user, tree):
    user = make_user("reporter", tree.village_a1, active=False)
    response = client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD})
    assert_error(response, 401, "unauthorized")


def test_unsafe_request_without_csrf_header_is_403(login_as, make_user, tree):
    api = login_as(make_user("admin", tree.county))
    response = api.client.post("/api/v1/users", json={"username": "x"})
    assert_error(response, 403, "csrf_failed")
    response = api.client.post("/api/v1/users", json={"username": "x"}, headers={"X-CSRF-Token": "forged"})
    assert_error(response, 403, "csrf_failed")


def test_logout_ends_the_session(login_as, make_user, tree):
    api = login_as(make_user("reporter", tree.village_a1))
    assert api.post("/api/v1/auth/logout").status_code == 204
    assert_error(api.get("/api/v1/auth/me"), 401, "unauthorized")


def test_logout_needs_csrf(login_as, make_user, tree):
    api = login_as(make_user("reporter", tree.village_a1))
    assert_error(api.client.post("/api/v1/auth/logout"), 403, "csrf_failed")


def test_remember_cookie_alone_restores_the_session(app, make_user, tree):
    user = make_user("reporter", tree.village_a1)
    client = app.test_client()
    client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD, "remember": True})
    client.delete_cookie("session")  # the phone's browser dropped the session cookie
    assert client.get("/api/v1/auth/me").status_code == 200


def test_deactivation_ends_existing_sessions(app, login_as, make_user, tree):
    user = make_user("reporter", tree.village_a1)
    api = login_as(user)
    admin = login_as(make_user("admin", tree.county))
    assert admin.patch(f"/api/v1/users/{user.id}", json={"active": False}).status_code == 200
    assert_error(api.get("/api/v1/auth/me"), 401, "unauthorized")
    api.client.delete_cookie("session")
    assert_error(api.get("/api/v1/auth/me"), 401, "unauthorized")  # nor through the remember cookie


def test_password_change_ends_existing_sessions_and_new_password_works(app, login_as, make_user, tree):
    user = make_user("reporter", tree.village_a1)
    api = login_as(user)
    admin = login_as(make_user("admin", tree.county))
    assert admin.patch(f"/api/v1/users/{user.id}", json={"password": "brand-new-pass-1"}).status_code == 200
    assert_error(api.get("/api/v1/auth/me"), 401, "unauthorized")
    assert login_as(user, password="brand-new-pass-1").get("/api/v1/auth/me").status_code == 200


def test_failed_logins_are_throttled_per_address_and_username(app, client, make_user, tree):
    user = make_user("reporter", tree.village_a1)
    limit = int(app.config["LOGIN_FAILURES_PER_ADDRESS_AND_USERNAME"].split()[0])
    for _ in range(limit):
        bad = client.post("/api/v1/auth/login", json={"username": user.username, "password": "wrong-pass-1"})
        assert bad.status_code == 401
    # Even the right password is refused from this address while throttled: the attacker learns nothing.
    response = client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD})
    assert_error(response, 429, "rate_limited")
    # Another user from the same address is not blocked by this user's failures.
    other = make_user("reporter", tree.village_a2)
    assert client.post("/api/v1/auth/login", json={"username": other.username, "password": PASSWORD}).status_code == 200
    # Nor is the same user from another address: a stranger's failures do not lock the officer out.
    elsewhere = app.test_client().post(
        "/api/v1/auth/login",
        json={"username": user.username, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert elsewhere.status_code == 200


def test_failed_logins_are_throttled_per_address(app, client, make_user, tree):
    limit = int(app.config["LOGIN_FAILURES_PER_ADDRESS"].split()[0])
    for i in range(limit):
        client.post("/api/v1/auth/login", json={"username": f"nobody{i}", "password": "wrong-pass-1"})
    user = make_user("reporter", tree.village_a1)
    response = client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD})
    assert_error(response, 429, "rate_limited")
    elsewhere = app.test_client()
    ok = elsewhere.post(
        "/api/v1/auth/login",
        json={"username": user.username, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert ok.status_code == 200


def test_successful_logins_are_not_throttled(app, client, make_user, tree):
    user = make_user("reporter", tree.village_a1)
    for _ in range(int(app.config["LOGIN_FAILURES_PER_ADDRESS_AND_USERNAME"].split()[0]) + 3):
        assert (
            client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD}).status_code == 200
        )


def test_passwords_are_stored_with_a_slow_standard_hash(app, make_user, tree):
    from server.users.passwords import hash_password

    app.config["PASSWORD_HASH_METHOD"] = "scrypt"
    try:
        with app.app_context():
            assert hash_password("x-secret-1").startswith("scrypt:")
    finally:
        app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    user = make_user("reporter", tree.village_a1)
    with app.app_context():
        stored = db.session.get(User, user.id).password_hash
    assert PASSWORD not in stored and stored.startswith("pbkdf2:")


def test_login_is_audited(app, login_as, make_user, tree):
    user = make_user("reporter", tree.village_a1)
    login_as(user)
    admin = login_as(make_user("admin", tree.county))
    items = admin.get(f"/api/v1/audit?entity_type=user&entity_id={user.id}").get_json()["items"]
    assert any(item["action"] == "auth.login" for item in items)


def test_a_deployment_default_rate_limit_still_applies_to_every_route(make_app, make_user, tree):
    """The limiter's per-request hook is dropped only while every limit is a view's decorator."""
    app = make_app(RATELIMIT_DEFAULT="2 per minute")
    client = app.test_client()
    for _ in range(2):
        assert client.get("/healthz").status_code == 200
    assert_error(client.get("/healthz"), 429, "rate_limited")
