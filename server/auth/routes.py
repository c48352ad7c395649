from flask import Response, current_app
from flask_limiter.util import get_remote_address

from server.access import current_actor
from server.api import Blueprint, request_json
from server.auth import service
from server.auth.schemas import LoginIn, SessionOut
from server.auth.sms_keys import sms_key
from server.errors import ApiError
from server.extensions import limiter
from server.users.models import username_key

bp = Blueprint("auth", __name__)


def _username() -> str:
    try:
        payload = request_json()
    except ApiError:  # the view answers the same error
        payload = None
    username = payload.get("username") if isinstance(payload, dict) else None
    return username_key(username) if isinstance(username, str) else ""


def _address_and_username() -> str:
    return f"address:{get_remote_address()}|user:{_username()}"


def _address() -> str:
    return f"address:{get_remote_address()}"


def _failed(response) -> bool:
    return response.status_code == 401


# Failed logins are counted per client address and username together, and per client address (TRUSTED_PROXIES says
# which address is the client's), never per username alone: a stranger's failures must not lock the officer out of
# another phone or office. Each setting stacks windows ("5 per 5 minutes; 10 per hour; 20 per day"), so the wait
# grows as the failures go on; Retry-After names the longest window breached. The counts live in the limiter's
# storage (RATELIMIT_STORAGE_URI: Redis, shared by every worker process).
@bp.post("/auth/login")
@bp.public
@limiter.limit(
    lambda: current_app.config["LOGIN_FAILURES_PER_ADDRESS_AND_USERNAME"],
    key_func=_address_and_username,
    deduct_when=_failed,
    scope="login-address-username",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_FAILURES_PER_ADDRESS"],
    key_func=_address,
    deduct_when=_failed,
    scope="login-address",
)
@bp.arguments(LoginIn)
@bp.response(200, SessionOut)
def login(data: dict):
    """Log in; returns the user and the CSRF token for later unsafe requests."""
    user, token = service.log_in(username=data["username"], password=data["password"], remember=data["remember"])
    return {"user": user, "csrf_token": token, **_sms(user)}


@bp.post("/auth/logout")
@bp.response(204)
def logout():
    """Log out and end this session."""
    service.log_out(current_actor())
    return Response(status=204)


@bp.get("/auth/me")
@bp.response(200, SessionOut)
def me():
    """The logged-in user and the session's CSRF token."""
    return {"user": current_actor(), "csrf_token": service.csrf_token(), **_sms(current_actor())}


def _sms(user) -> dict[str, str]:
    """短信报灾: the user's signing key and the county's number, for the phone to keep with the user's data."""
    return {"sms_key": sms_key(user), "sms_number": current_app.config.get("SMS_INBOUND_NUMBER") or ""}
