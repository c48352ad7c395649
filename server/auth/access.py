"""Who is acting, and the checks every service uses for roles."""

from __future__ import annotations

from flask_login import current_user

from server.errors import Forbidden


def current_actor():
    """The logged-in user as a plain model instance (routes pass it to services)."""
    return current_user._get_current_object()


def require_role(user, *roles: str, message: str | None = None) -> None:
    if user.role not in roles:
        raise Forbidden(message or "当前角色无权执行此操作")
