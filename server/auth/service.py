"""Login, logout and the CSRF token kept in the session."""

from __future__ import annotations

import hmac
import secrets

from flask import session
from flask_login import login_user, logout_user
from sqlalchemy import func, select

from server.audit.service import record
from server.auth.passwords import verify_password
from server.errors import Unauthorized
from server.extensions import db
from server.users.models import User

CSRF_KEY = "csrf_token"


def authenticate(*, username: str, password: str) -> User:
    """The active user with these credentials. One message for every failure: no user enumeration."""
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.active:
        raise Unauthorized("用户名或密码错误")
    return user


def log_in(*, username: str, password: str, remember: bool) -> tuple[User, str]:
    user = authenticate(username=username, password=password)
    session.clear()  # a fresh session on login: no fixation
    session.permanent = True
    login_user(user, remember=remember)
    record(actor=user, action="auth.login", entity_type="user", entity_id=user.id, org_unit_id=user.org_unit_id)
    return user, csrf_token()


def log_out() -> None:
    session.clear()
    logout_user()  # after clear: it leaves the flag that deletes the remember cookie


def csrf_token() -> str:
    token = session.get(CSRF_KEY)
    if token is None:
        token = session[CSRF_KEY] = secrets.token_urlsafe(32)
    return token


def csrf_valid(header_value: str | None) -> bool:
    expected = session.get(CSRF_KEY)
    if not (expected and header_value):
        return False
    # as bytes: compare_digest refuses str with non-ASCII characters, and a header may carry any byte
    return hmac.compare_digest(expected.encode(), header_value.encode("utf-8", "replace"))
