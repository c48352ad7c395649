"""Who is acting, and the checks every service uses for roles."""

from __future__ import annotations

from typing import Any, Protocol

from flask_login import current_user

from server.errors import Forbidden


class Actor(Protocol):
    """The acting user as the modules below the users feature read it (the core, org units): ``User`` of
    ``server/users/models.py`` is one. Named here so that they type the actor without importing users."""

    id: int
    role: str
    org_unit_id: int
    org_unit: Any  # its OrgUnit


def current_actor():
    """The logged-in user as a plain model instance (routes pass it to services)."""
    return current_user._get_current_object()


ROLE_NAMES = {"reporter": "信息员", "reviewer": "审核员", "viewer": "查看人员", "admin": "管理员"}


def require_role(actor: Actor, *roles: str, message: str | None = None) -> None:
    if actor.role not in roles:
        raise Forbidden(message or roles_only_message(roles))


def roles_only_message(roles: tuple[str, ...]) -> str:
    return f"只有{'和'.join(ROLE_NAMES.get(role, role) for role in roles)}可以执行此操作"
