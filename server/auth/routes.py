from flask import Blueprint, current_app
from flask_limiter.util import get_remote_address

from server.api import doc, json_body, request_json
from server.auth import service
from server.auth.access import current_actor
from server.auth.schemas import LoginIn, SessionOut
from server.errors import ApiError
from server.extensions import db, limiter
from server.users.models import username_key

bp = Blueprint("auth", __name__)


def _username_key() -> str:
    try:
        payload = request_json()
    except ApiError:  # the view answers the same error
        payload = None
    username = payload.get("username") if isinstance(payload, dict) else None
    return f"user:{username_key(username) if isinstance(username, str) else ''}"


def _failed(response) -> bool:
    return response.status_code == 401


@bp.post("/auth/login")
@limiter.limit(
    lambda: current_app.config["LOGIN_FAILURES_PER_USERNAME"],
    key_func=_username_key,
    deduct_when=_failed,
    scope="login-username",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_FAILURES_PER_ADDRESS"],
    key_func=get_remote_address,
    deduct_when=_failed,
    scope="login-address",
)
@doc(body=LoginIn, response=SessionOut, public=True)
def login():
    """Log in; returns the user and the CSRF token for later unsafe requests."""
    data = json_body(LoginIn())
    user, token = service.log_in(username=data["username"], password=data["password"], remember=data["remember"])
    db.session.commit()
    return SessionOut().dump({"user": user, "csrf_token": token})


@bp.post("/auth/logout")
@doc(status=204)
def logout():
    """Log out and end this session."""
    service.log_out(current_actor())
    db.session.commit()
    return "", 204


@bp.get("/auth/me")
@doc(response=SessionOut)
def me():
    """The logged-in user and the session's CSRF token."""
    return SessionOut().dump({"user": current_actor(), "csrf_token": service.csrf_token()})
