"""The per-user SMS key: what signs a phone's SMS (短信报灾, the MAC of server/sms/codec.py).

Derived, not stored: HMAC-SHA256 of the user's id and ``session_token`` under the app's SECRET_KEY. The session
token is rotated whenever the user's logins must end (a new password, an admin's reset, deactivation), so the key
changes with it and an old phone's key stops working, with no new secret to keep; a new login hands out the new one.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from server.users.models import User


def sms_key(user: User) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"gridreport-sms-key:{user.id}:{user.session_token}".encode(), hashlib.sha256).hexdigest()[
        :32
    ]
