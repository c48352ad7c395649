"""Managing users. Admins act inside their scope only and can never reach above or beside it."""

from __future__ import annotations

from blinker import Signal
from sqlalchemy import Select, or_, select

from server.audit_trail import record
from server.errors import Forbidden, Invalid, NotFound, UsernameTaken
from server.extensions import db
from server.idempotency import insert_unless_taken
from server.orgunits.models import OrgUnit
from server.orgunits.scope import get_unit_in_scope, within_scope
from server.users.access import MANAGE_USERS
from server.users.models import User, normalize_username, username_key
from server.users.passwords import hash_password

# Sent when a user's logins must end (deactivated, or a new password): the auth feature, which keeps the logins,
# connects to it, so users need not import auth (auth builds on users).
logins_ended = Signal("a user's logins must end")

AUDITED_FIELDS = ("username", "name", "phone", "role", "org_unit_id", "active")


def list_users(*, actor: User, role: str | None = None, org_unit_id: int | None = None, q: str | None = None) -> Select:
    MANAGE_USERS.check(actor)
    stmt = select(User).join(OrgUnit, User.org_unit_id == OrgUnit.id).where(within_scope(actor)).order_by(User.id)
    if role:
        stmt = stmt.where(User.role == role)
    if org_unit_id is not None:
        stmt = stmt.where(User.org_unit_id == org_unit_id)
    if q:
        stmt = stmt.where(or_(User.username.contains(q, autoescape=True), User.name.contains(q, autoescape=True)))
    return stmt


def get_user(*, actor: User, user_id: int) -> User:
    MANAGE_USERS.check(actor)
    target = db.session.get(User, user_id)
    if target is None or not actor.org_unit.contains(target.org_unit):
        raise NotFound("用户不存在")
    return target


def create_user(
    *,
    actor: User,
    username: str,
    role: str,
    org_unit_id: int | None = None,
    org_unit: OrgUnit | None = None,
    password: str,
    name: str = "",
    phone: str = "",
) -> User:
    """Create a user. ``actor`` None means the command line (no scope limit)."""
    if actor is not None:
        MANAGE_USERS.check(actor, message="只有管理员可以创建用户")
        org_unit = get_unit_in_scope(actor, org_unit_id)
    elif org_unit is None:
        org_unit = db.session.get(OrgUnit, org_unit_id)
        if org_unit is None:
            raise Invalid({"org_unit_id": ["单位不存在"]})
    username = normalize_username(username)
    if db.session.scalar(select(User.id).where(User.username_key == username_key(username))) is not None:
        raise UsernameTaken(details={"fields": {"username": [UsernameTaken.message]}})
    user = User(
        username=username,
        name=name,
        phone=phone,
        role=role,
        org_unit=org_unit,
        active=True,
        password_hash=hash_password(password),
    )
    if not insert_unless_taken(user):  # a concurrent create with the same username
        raise UsernameTaken(details={"fields": {"username": [UsernameTaken.message]}})
    record(
        actor=actor,
        action="user.create",
        entity_type="user",
        entity_id=user.id,
        org_unit_id=org_unit.id,
        changes={field: [None, getattr(user, field)] for field in AUDITED_FIELDS},
    )
    return user


def update_user(*, actor: User, user_id: int, changes: dict) -> User:
    target = get_user(actor=actor, user_id=user_id)
    if target.id == actor.id:
        forbidden = {"role", "org_unit_id", "active"} & set(changes)
        if forbidden:
            raise Forbidden("不能修改自己的角色、单位或启用状态")
    before = {field: getattr(target, field) for field in AUDITED_FIELDS}
    if "org_unit_id" in changes:
        target.org_unit = get_unit_in_scope(actor, changes["org_unit_id"])
    for field in ("name", "phone", "role", "active"):
        if field in changes:
            setattr(target, field, changes[field])
    password_changed = "password" in changes
    if password_changed:
        target.password_hash = hash_password(changes["password"])
    # Deactivation and a new password end every session of the user.
    if password_changed or (before["active"] and not target.active):
        logins_ended.send(target)
    db.session.flush()
    diff = {
        field: [before[field], getattr(target, field)]
        for field in AUDITED_FIELDS
        if before[field] != getattr(target, field)
    }
    if password_changed:
        diff["password"] = ["***", "***"]
    if diff:
        record(
            actor=actor,
            action="user.update",
            entity_type="user",
            entity_id=target.id,
            org_unit_id=target.org_unit_id,
            changes=diff,
        )
    return target
