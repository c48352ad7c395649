"""Behind nginx every request comes from the proxy's address: the login throttle must key on the client's address
from X-Forwarded-For, trusted only for the TRUSTED_PROXIES hops we run (issue 7). Every 429 says when to retry."""

import pytest

from tests.conftest import PASSWORD, assert_error

PROXY = {"REMOTE_ADDR": "127.0.0.1"}  # nginx on the same host


def fail_from_address_limit(app, client, headers):
    for i in range(int(app.config["LOGIN_FAILURES_PER_ADDRESS"].split()[0]) + 1):
        client.post("/api/v1/auth/login", json={"username": f"nobody{i}", "password": "wrong-pass-1"},
                    headers=headers, environ_base=PROXY)  # fmt: skip


def test_behind_one_trusted_proxy_one_clients_failures_do_not_block_another(make_app, make_user, tree):
    proxied = make_app(TRUSTED_PROXIES=1)
    user = make_user("reporter", tree.village_a1)
    client = proxied.test_client()
    fail_from_address_limit(proxied, client, {"X-Forwarded-For": "203.0.113.7"})
    login = {"username": user.username, "password": PASSWORD}
    blocked = client.post("/api/v1/auth/login", json=login, headers={"X-Forwarded-For": "203.0.113.7"},
                          environ_base=PROXY)  # fmt: skip
    assert_error(blocked, 429, "rate_limited")
    other = client.post("/api/v1/auth/login", json=login, headers={"X-Forwarded-For": "198.51.100.20"},
                        environ_base=PROXY)  # fmt: skip
    assert other.status_code == 200, other.get_json()


def test_a_forged_hop_in_front_of_the_proxys_does_not_escape_the_throttle(make_app, make_user, tree):
    proxied = make_app(TRUSTED_PROXIES=1)
    client = proxied.test_client()
    fail_from_address_limit(proxied, client, {"X-Forwarded-For": "203.0.113.7"})
    user = make_user("reporter", tree.village_a1)
    # The attacker sends its own X-Forwarded-For; nginx appends the real address, which is the one trusted.
    forged = client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD},
                         headers={"X-Forwarded-For": "10.1.1.1, 203.0.113.7"}, environ_base=PROXY)  # fmt: skip
    assert_error(forged, 429, "rate_limited")


def test_without_trusted_proxies_x_forwarded_for_is_ignored(app, client, make_user, tree):
    assert app.config["TRUSTED_PROXIES"] == 0
    fail_from_address_limit(app, client, {"X-Forwarded-For": "203.0.113.7"})
    user = make_user("reporter", tree.village_a1)
    response = client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD},
                           headers={"X-Forwarded-For": "198.51.100.20"}, environ_base=PROXY)  # fmt: skip
    assert_error(response, 429, "rate_limited")


@pytest.mark.parametrize("scope", ["address-and-username", "address"])
def test_every_429_says_when_to_retry(app, client, make_user, tree, scope):
    user = make_user("reporter", tree.village_a1)
    if scope == "address-and-username":
        for _ in range(int(app.config["LOGIN_FAILURES_PER_ADDRESS_AND_USERNAME"].split()[0])):
            client.post("/api/v1/auth/login", json={"username": user.username, "password": "wrong-pass-1"})
    else:
        fail_from_address_limit(app, client, {})
    response = client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD})
    error = assert_error(response, 429, "rate_limited")
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= 301  # within the 5-minute window of both login limits (rounded up)
    assert error["details"]["retry_after"] == seconds


def test_a_429_raised_by_a_service_also_says_when_to_retry(make_app):
    from server.errors import RateLimited

    app = make_app()

    @app.get("/_test/limited")
    def limited():
        raise RateLimited(retry_after=42)

    response = app.test_client().get("/_test/limited")
    assert_error(response, 429, "rate_limited")
    assert response.headers["Retry-After"] == "42"
