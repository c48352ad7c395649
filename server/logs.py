"""Log lines never carry a full ID number (公民身份号码).

Statement parameters are hidden by the engine (``hide_parameters``), but the database's own error text can quote a
failing row (PostgreSQL's ``DETAIL: Failing row contains (…)``), and an exception message may quote input. The
filter rewrites a record's message and its formatted traceback with every 18-character ID number masked, before
any handler (the app's, pytest's) sees it.
"""

from __future__ import annotations

import logging
import re

from flask import Flask, g, has_request_context

_ID_NUMBER = re.compile(r"(?<![0-9])([0-9]{6})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")
_FORMATTER = logging.Formatter()


def redact(text: str) -> str:
    """Every ID-number-shaped run of 18 characters masked as the API masks it (first 6, last 4)."""
    return _ID_NUMBER.sub(r"\1********\2", text)


class RedactIdNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(_FORMATTER.formatException(record.exc_info))
        return True


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
    handler.addFilter(_RequestIdFilter())
    handler.addFilter(RedactIdNumbers())
    for name in ("server", app.logger.name):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = name != "server"  # let pytest's caplog see server logs via the root logger
    logging.getLogger("server").propagate = True
