"""Every role, in scope and out of scope, against every foundation endpoint: status and error code.

The actor is scoped to township A; "in" targets village A1 (inside), "out" targets village B1 (beside it).
Feature packages keep their own matrices next to their tests.
"""

import itertools

import pytest

from tests.conftest import assert_error

ROLES = ("reporter", "reviewer", "viewer", "admin")
ADMIN_ONLY = {"admin": None}
ANY = {role: None for role in ROLES}
REVIEWERS = {"reviewer": None, "admin": None}


def expected(allowed: dict, role: str, where: str, ok: int) -> tuple[int, str | None]:
    if role not in allowed:
        return 403, "forbidden"
    return (ok, None) if where == "in" else (404, "not_found")


CASES = [
    # name, method, url template, body factory, allowed roles, success status, scoped?
    ("read unit", "get", "/api/v1/org-units/{unit}", None, ANY, 200, True),
    ("list units", "get", "/api/v1/org-units", None, ANY, 200, False),
    ("me", "get", "/api/v1/auth/me", None, ANY, 200, False),
    ("list users", "get", "/api/v1/users", None, ADMIN_ONLY, 200, False),
    ("read user", "get", "/api/v1/users/{user}", None, ADMIN_ONLY, 200, True),
    ("update user", "patch", "/api/v1/users/{user}", lambda t: {"phone": "135"}, ADMIN_ONLY, 200, True),
    (
        "create user",
        "post",
        "/api/v1/users",
        lambda t: {"username": f"u{t['n']}", "role": "reporter", "org_unit_id": t["unit"], "password": "p-word-123"},
        ADMIN_ONLY,
        201,
        True,
    ),
    ("audit", "get", "/api/v1/audit", None, REVIEWERS, 200, False),
    ("rename unit", "patch", "/api/v1/org-units/{unit}", lambda t: {"name": "新名"}, ADMIN_ONLY, 200, True),
    (
        "create unit",
        "post",
        "/api/v1/org-units",
        lambda t: {"code": f"{t['code']}{t['n']:03d}", "name": "网格", "level": "grid", "parent_id": t["unit"]},
        ADMIN_ONLY,
        201,
        True,
    ),
]

_counter = itertools.count()


MATRIX = [
    pytest.param(case, role, where, id=f"{case[0]}-{role}-{where}")
    for case in CASES
    for role in ROLES
    for where in (("in", "out") if case[6] else ("in",))
]


@pytest.mark.parametrize("case,role,where", MATRIX)
def test_authorization_matrix(login_as, make_user, tree, case, role, where):
    name, method, template, body, allowed, ok, scoped = case
    target_unit = tree.village_a1 if where == "in" else tree.village_b1
    target_user = make_user("reporter", target_unit)
    actor = login_as(make_user(role, tree.town_a))
    targets = {"unit": target_unit.id, "code": target_unit.code, "user": target_user.id, "n": next(_counter)}
    url = template.format(**targets)
    kwargs = {"json": body(targets)} if body else {}
    response = getattr(actor, method)(url, **kwargs)
    status, code = expected(allowed, role, where, ok)
    if code is None:
        assert response.status_code == status, response.get_json()
    else:
        assert_error(response, status, code)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_anonymous_gets_401_everywhere(client, tree, make_user, case):
    _, method, template, body, *_ = case
    url = template.format(unit=tree.village_a1.id, user=make_user("reporter", tree.village_a1).id, n=0, code="1")
    response = getattr(client, method)(url, **({"json": {}} if body else {}))
    assert_error(response, 401, "unauthorized")
