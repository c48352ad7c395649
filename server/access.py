"""Who is acting, and the role rules every feature declares once (in its ``access.py``) for its routes and services."""

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


class Rule:
    """The roles that may do one thing, declared once in the feature (``FILE_REPORTS = Rule("reporter", message=…)``
    in ``server/<feature>/access.py``). The route says ``@bp.roles(FILE_REPORTS)`` (403 before its body is read,
    with ``roles_only_message``; OpenAPI ``x-roles``) and the service ``FILE_REPORTS.check(actor)`` (403 with the
    rule's message; the service is also reached without a route: SMS, the command line)."""

    __slots__ = ("roles", "message")

    def __init__(self, *roles: str, message: str | None = None) -> None:
        if not roles:
            raise ValueError("a rule names at least one role")
        self.roles = roles
        self.message = message or roles_only_message(roles)

    def admits(self, actor: Actor) -> bool:
        return actor.role in self.roles

    def check(self, actor: Actor, *, message: str | None = None) -> None:
        """403 (``message``, or the rule's) unless the actor's role is one of the rule's."""
        if actor.role not in self.roles:
            raise Forbidden(message or self.message)

    def __repr__(self) -> str:
        return f"Rule{self.roles!r}"


def roles_only_message(roles: tuple[str, ...]) -> str:
    return f"只有{'和'.join(ROLE_NAMES.get(role, role) for role in roles)}可以执行此操作"
