"""Users: one role, one org unit as scope."""

from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from server.clock import now
from server.extensions import db
from server.orgunits.models import OrgUnit
from server.types import UTCDateTime

ROLES = ("reporter", "reviewer", "viewer", "admin")
ROLE_NAMES = {"reporter": "信息员", "reviewer": "审核员", "viewer": "查看", "admin": "管理员"}


def normalize_username(raw: str) -> str:
    """The form a username is stored and shown in: surrounding spaces stripped, Unicode NFKC (full-width letters
    become ASCII ones)."""
    return unicodedata.normalize("NFKC", raw).strip()


def username_key(raw: str) -> str:
    """What makes two usernames the same login: the normalized form, case-folded (Unicode caseless matching).

    ``COUNTY_ADMIN``, `` county_admin `` and full-width ``ｃｏｕｎｔｙ_admin`` all have the key ``county_admin``.
    """
    return unicodedata.normalize("NFKC", normalize_username(raw).casefold())


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    # ``username_key(username)``, kept in step by ``_set_username_key``: the database refuses two usernames that
    # differ only in case, width or surrounding spaces, whatever path creates them.
    username_key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    role: Mapped[str] = mapped_column(String(16))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Half of Flask-Login's "alternative id" (``get_id``): rotating it ends every session and remember cookie.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    org_unit: Mapped[OrgUnit] = relationship(lazy="joined")

    @validates("username")
    def _set_username_key(self, _key: str, value: str) -> str:
        self.username_key = username_key(value)
        return value

    # The token of the login this request runs under (``server.auth.models.LoginSession``); set at login and by the
    # user loader, never stored on the row.
    login_token = None

    def get_id(self) -> str:
        """Flask-Login's id in the session and remember cookies: the user's token (rotated to end every session)
        and this login's token (deleted by logout to end this one)."""
        return f"{self.session_token}:{self.login_token}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def rotate_session_token(self) -> None:
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}@{self.org_unit_id}>"
