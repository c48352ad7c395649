"""One row per login (per browser or phone), so logging out on one device ends that device's session on the server
without touching the user's other devices."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.clock import now
from server.extensions import db
from server.types import UTCDateTime


def new_login_token() -> str:
    return secrets.token_urlsafe(32)


class LoginSession(db.Model):
    """A live login. Its token is half of the id Flask-Login keeps in the session cookie and the remember cookie
    (``<user.session_token>:<token>``): logout deletes the row, so a copied cookie of that device stops working;
    rotating the user's ``session_token`` (deactivation, new password) still ends every device at once."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_login_token)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
