"""Notifiers: how the duty contacts above a silent village are told (WARNING_NOTIFIER).

* ``log`` (default): one log line per escalation, for a deployment without a gateway (or to try the chain).
* ``webhook``: POST the escalation's message as JSON to ``WARNING_WEBHOOK_URL``, the deployment's SMS or
  voice-call gateway. Each try is bounded by ``WARNING_WEBHOOK_TIMEOUT``; a try that fails (no answer, not 2xx) is
  retried ``WARNING_WEBHOOK_RETRIES`` times, ``WARNING_WEBHOOK_BACKOFF`` seconds apart, doubling. With
  ``WARNING_WEBHOOK_SECRET`` the body is signed: ``X-GridReport-Signature: sha256=<hex HMAC-SHA256 of the body>``.
  ``Idempotency-Key`` is the escalation's id, so a gateway can drop a repeat of a delivery that reached it but
  whose answer did not reach us.

Every try is returned (and stored with the escalation): when, whether it worked, the HTTP status or the error.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from server.clock import now

log = logging.getLogger("server.warnings")
NOTIFIERS = ("log", "webhook")


@dataclass
class Delivery:
    ok: bool
    attempts: list[dict[str, Any]] = field(default_factory=list)  # [{at, ok, status, error}]


class Notifier(Protocol):
    name: str

    def send(self, message: dict[str, Any]) -> Delivery: ...


class LogNotifier:
    name = "log"

    def send(self, message: dict[str, Any]) -> Delivery:
        log.warning("叫应逾期 escalation=%s: %s", message.get("escalation_id"), message.get("text"))
        return Delivery(True, [{"at": now().isoformat(), "ok": True, "status": None, "error": None}])


class WebhookNotifier:
    name = "webhook"

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 2.0,
        secret: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.url, self.timeout, self.retries, self.backoff, self.secret = url, timeout, retries, backoff, secret
        self.sleep = sleep

    def _request(self, body: bytes, message: dict[str, Any]) -> urllib.request.Request:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "GridReport-warnings",
            "X-GridReport-Event": str(message.get("event", "")),
            "Idempotency-Key": f"escalation-{message.get('escalation_id')}",
        }
        if self.secret:
            digest = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-GridReport-Signature"] = f"sha256={digest}"
        return urllib.request.Request(self.url, data=body, headers=headers, method="POST")

    def send(self, message: dict[str, Any]) -> Delivery:
        body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
        attempts: list[dict[str, Any]] = []
        for attempt in range(1 + max(0, self.retries)):
            if attempt:
                self.sleep(self.backoff * 2 ** (attempt - 1))
            status, error = None, None
            try:
                with urllib.request.urlopen(self._request(body, message), timeout=self.timeout) as response:
                    status = response.status
            except urllib.error.HTTPError as exc:  # answered, but not 2xx
                status, error = exc.code, f"HTTP {exc.code}"
            except (urllib.error.URLError, TimeoutError, OSError) as exc:  # refused, unreachable, timed out
                error = str(getattr(exc, "reason", exc))
            ok = status is not None and 200 <= status < 300
            attempts.append({"at": now().isoformat(), "ok": ok, "status": status, "error": error})
            if ok:
                return Delivery(True, attempts)
            log.warning("webhook try %d for escalation %s failed: %s", attempt + 1, message.get("escalation_id"), error)
        return Delivery(False, attempts)


def notifier_from_config(config: Any) -> Notifier:
    """The notifier the deployment chose; a webhook without a URL is a configuration error, said at once."""
    kind = config.get("WARNING_NOTIFIER") or "log"
    if kind == "log":
        return LogNotifier()
    if kind == "webhook":
        url = config.get("WARNING_WEBHOOK_URL")
        if not url:
            raise RuntimeError("WARNING_NOTIFIER=webhook needs WARNING_WEBHOOK_URL")
        return WebhookNotifier(
            url,
            timeout=float(config["WARNING_WEBHOOK_TIMEOUT"]),
            retries=int(config["WARNING_WEBHOOK_RETRIES"]),
            backoff=float(config["WARNING_WEBHOOK_BACKOFF"]),
            secret=config.get("WARNING_WEBHOOK_SECRET") or None,
        )
    raise RuntimeError(f"WARNING_NOTIFIER must be one of {', '.join(NOTIFIERS)}, not {kind!r}")
