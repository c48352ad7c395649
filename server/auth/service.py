"""Login, logout and the CSRF token kept in the session."""

from __future__ import annotations

import hmac
import secrets

from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy import bindparam, delete, select

from server import clock
from server.audit_trail import record
from server.auth.models import LoginSession, new_login_token
from server.errors import Unauthorized
from server.extensions import db
from server.users.models import User, username_key
from server.users.passwords import verify_password
from server.users.service import logins_ended

CSRF_KEY = "csrf_token"


def authenticate(*, username: str, password: str) -> User:
    """The active user with these credentials. One message for every failure: no user enumeration."""
    user = db.session.scalar(select(User).where(User.username_key == username_key(username)))
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.active:
        raise Unauthorized("用户名或密码错误")
    return user


def log_in(*, username: str, password: str, remember: bool) -> tuple[User, str]:
    """Start a new server-side login for this device.

    ``remember`` true: the session cookie and a remember cookie last ``PERMANENT_SESSION_LIFETIME`` /
    ``REMEMBER_COOKIE_DURATION`` (weeks, for phones). False: a browser-session cookie only, gone when the browser
    closes, and no remember cookie.
    """
    user = authenticate(username=username, password=password)
    login = LoginSession(user_id=user.id, token=new_login_token(), created_at=clock.now())
    db.session.add(login)
    db.session.flush()
    _forget_oldest_logins(user, keep=current_app.config["MAX_LOGINS_PER_USER"])
    user.login_token = login.token
    session.clear()  # a fresh session on login: no fixation
    session.permanent = remember
    login_user(user, remember=remember)
    record(actor=user, action="auth.login", entity_type="user", entity_id=user.id, org_unit_id=user.org_unit_id)
    return user, csrf_token()


def _forget_oldest_logins(user: User, keep: int) -> None:
    """Logins that never log out (a lost phone, a cleared browser) would pile up: beyond the newest ``keep`` of a
    user, the oldest are ended."""
    newest = (
        select(LoginSession.id)
        .where(LoginSession.user_id == user.id)
        .order_by(LoginSession.id.desc())
        .limit(keep)
        .scalar_subquery()
    )
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.id.not_in(newest)))


def log_out(user: User) -> None:
    """End this device's login on the server too: a copy of its session or remember cookie no longer works."""
    if user.login_token:
        db.session.execute(
            delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.token == user.login_token)
        )
    session.clear()
    logout_user()  # after clear: it leaves the flag that deletes the remember cookie


# Built once: every request runs it, and building the statement and its cache key was a tenth of a submit's CPU.
_LIVE_LOGIN = (
    select(User)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(
        User.session_token == bindparam("user_token"),
        LoginSession.token == bindparam("login_token"),
        User.active.is_(True),
    )
)


def load_user(cookie_id: str) -> User | None:
    """Flask-Login's user loader: the active user whose token and live login match the cookie's id."""
    user_token, _, login_token = cookie_id.partition(":")
    if not user_token or not login_token:
        return None  # a cookie from before per-login sessions, or forged: log in again
    user = db.session.scalar(_LIVE_LOGIN, {"user_token": user_token, "login_token": login_token})
    if user is not None:
        user.login_token = login_token
    return user


@logins_ended.connect
def end_all_logins(user: User) -> None:
    """Every device of the user logged out: a new user token (old cookies no longer match) and no live logins."""
    user.rotate_session_token()
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


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
