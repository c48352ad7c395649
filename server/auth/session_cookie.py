"""The session cookie, re-issued when it is stale rather than on every request.

Flask re-signs a permanent session's cookie on every answer (``SESSION_REFRESH_EACH_REQUEST``) so that its expiry
slides with use: a JSON dump, zlib, an HMAC and a ``Set-Cookie`` header per request, a twentieth of a damage
report submit's CPU. Here an unmodified session's cookie is re-issued only once it was signed more than
``SESSION_REFRESH_AFTER`` ago: a phone in daily use still stays logged in ``PERMANENT_SESSION_LIFETIME`` after
its last use (to within that interval), and a changed session (login, CSRF token, logout) is written at once.
"""

from __future__ import annotations

import time

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer


class StampedSession(SecureCookieSession):
    """A session that knows when its cookie was signed (``None``: new, or not from a valid cookie)."""

    signed_at: float | None = None


class StaleRefreshSessionInterface(SecureCookieSessionInterface):
    session_class = StampedSession

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        # Built once per key set: Flask builds a serializer and its signers twice per request.
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if key not in self._serializers:
            self._serializers[key] = super().get_signing_serializer(app)
        return self._serializers[key]

    def open_session(self, app: Flask, request: Request) -> StampedSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at.timestamp()
        return session

    def should_set_cookie(self, app: Flask, session: StampedSession) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        refresh_after = app.config["SESSION_REFRESH_AFTER"].total_seconds()
        # The wall clock, as itsdangerous stamped the signature (not server.clock, which the app may set).
        return session.signed_at is None or time.time() - session.signed_at >= refresh_after
