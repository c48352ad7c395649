"""Login throttling that strangers cannot turn against an officer (issue 19): failures are counted per client address
and username together and per client address, never per username alone; the wait grows as failures go on; the counts
live in the limiter's storage (Redis shared by every worker), and production refuses per-process counting unless it
is told one process serves the app."""

from __future__ import annotations

import time
import uuid

import pytest
import redis

from server.extensions import limiter
from tests.conftest import PASSWORD, assert_error

PROXY = {"REMOTE_ADDR": "127.0.0.1"}  # nginx on the same host


def login(client, username: str, password: str, address: str | None = None):
    headers = {"X-Forwarded-For": address} if address else {}
    return client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}, headers=headers, environ_base=PROXY
    )


def test_twelve_failures_from_one_address_do_not_refuse_the_right_password_from_another(make_app, make_user, tree):
    proxied = make_app(TRUSTED_PROXIES=1)
    user = make_user("reviewer", tree.town_a)
    client = proxied.test_client()
    answers = [login(client, user.username, "wrong-pass-1", "203.0.113.7").status_code for _ in range(12)]
    assert answers[:5] == [401] * 5 and set(answers[5:]) == {429}
    # The officer, at the office, with the right password: logged in.
    office = login(proxied.test_client(), user.username, PASSWORD, "198.51.100.20")
    assert office.status_code == 200, office.get_json()
    # The address that failed is still refused, even with the right password (it learns nothing).
    assert_error(login(client, user.username, PASSWORD, "203.0.113.7"), 429, "rate_limited")


def test_the_wait_grows_as_the_failures_go_on(make_app, make_user, tree):
    """Stacked windows: two failures a second, three an hour. After the second failure the wait is a second; once
    that has passed, one more failure and the wait is the hour's."""
    app = make_app(TRUSTED_PROXIES=1, LOGIN_FAILURES_PER_ADDRESS_AND_USERNAME="2 per 1 second; 3 per 1 hour")
    user = make_user("reporter", tree.village_a1)
    client = app.test_client()
    for _ in range(2):
        assert login(client, user.username, "wrong-pass-1", "203.0.113.9").status_code == 401
    first = login(client, user.username, "wrong-pass-1", "203.0.113.9")
    assert_error(first, 429, "rate_limited")
    first_wait = int(first.headers["Retry-After"])
    assert first_wait <= 2
    deadline = time.monotonic() + 10
    while (answer := login(client, user.username, "wrong-pass-1", "203.0.113.9")).status_code == 429:
        assert time.monotonic() < deadline, "the one-second window never ended"
        time.sleep(0.05)
    assert answer.status_code == 401  # the third failure, once the short wait was over
    second = login(client, user.username, PASSWORD, "203.0.113.9")
    error = assert_error(second, 429, "rate_limited")
    assert 3000 < int(second.headers["Retry-After"]) <= 3601 and error["details"]["retry_after"] > first_wait


def test_failures_with_many_usernames_from_one_address_are_throttled_per_address(make_app, make_user, tree):
    proxied = make_app(TRUSTED_PROXIES=1)
    client = proxied.test_client()
    limit = int(proxied.config["LOGIN_FAILURES_PER_ADDRESS"].split()[0])
    for i in range(limit):
        assert login(client, f"nobody{i}", "wrong-pass-1", "203.0.113.8").status_code == 401
    user = make_user("reporter", tree.village_a1)
    assert_error(login(client, user.username, PASSWORD, "203.0.113.8"), 429, "rate_limited")
    assert login(client, user.username, PASSWORD, "198.51.100.21").status_code == 200


# --- counts shared between workers, and production -----------------------------------------------------------


def test_production_refuses_per_process_counting_unless_one_process_serves(make_app):
    production = {"ENV_NAME": "production", "SECRET_KEY": "a-real-production-secret"}
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI.*SINGLE_PROCESS"):
        make_app(**production, RATELIMIT_STORAGE_URI="memory://")
    assert make_app(**production, RATELIMIT_STORAGE_URI="memory://", SINGLE_PROCESS=True)
    # Redis is not reached at start-up: a set-up naming it starts (and counts there once requests come).
    assert make_app(**production, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1")
    make_app()  # the per-process storage back for the tests that follow (the limiter is one object)


def test_single_process_comes_from_the_environment(monkeypatch, make_app):
    monkeypatch.setenv("SINGLE_PROCESS", "1")
    app = make_app(ENV_NAME="production", SECRET_KEY="a-real-production-secret")
    assert app.config["SINGLE_PROCESS"] is True


@pytest.fixture
def redis_uri(make_app):
    """A Redis on this machine (the README's production set-up), under a key prefix of this test's own."""
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379", socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    prefix = f"gridreport-test-{uuid.uuid4().hex[:8]}"
    yield "redis://127.0.0.1:6379", {"key_prefix": prefix}
    limiter.reset()  # this test's keys (the storage's prefix), then the per-process storage back for the others
    make_app()


def test_failure_counts_are_shared_between_workers_through_redis(make_app, make_user, tree, redis_uri):
    """Two workers are two processes, each with its own limiter and the same Redis: the second one here is a fresh
    app whose limiter kept nothing in memory, yet it refuses what the first one counted."""
    uri, options = redis_uri
    user = make_user("reporter", tree.village_a1)
    first = make_app(TRUSTED_PROXIES=1, RATELIMIT_STORAGE_URI=uri, RATELIMIT_STORAGE_OPTIONS=options)
    limit = int(first.config["LOGIN_FAILURES_PER_ADDRESS_AND_USERNAME"].split()[0])
    for _ in range(limit):
        assert login(first.test_client(), user.username, "wrong-pass-1", "203.0.113.10").status_code == 401
    second = make_app(TRUSTED_PROXIES=1, RATELIMIT_STORAGE_URI=uri, RATELIMIT_STORAGE_OPTIONS=options)
    assert_error(login(second.test_client(), user.username, PASSWORD, "203.0.113.10"), 429, "rate_limited")
    assert login(second.test_client(), user.username, PASSWORD, "198.51.100.22").status_code == 200


def test_retry_after_names_the_longest_window_breached(make_app, make_user, tree):
    app = make_app(TRUSTED_PROXIES=1, LOGIN_FAILURES_PER_ADDRESS_AND_USERNAME="2 per 1 minute; 2 per 1 hour")
    user = make_user("reporter", tree.village_a1)
    client = app.test_client()
    for _ in range(2):
        assert login(client, user.username, "wrong-pass-1", "203.0.113.11").status_code == 401
    refused = login(client, user.username, PASSWORD, "203.0.113.11")
    assert_error(refused, 429, "rate_limited")
    assert 3000 < int(refused.headers["Retry-After"]) <= 3601  # not the minute: the hour is breached too
