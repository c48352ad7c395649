"""Security headers on every response (issue 8): a strict CSP the PWA is built for, no MIME sniffing, no referrer
leaving the site.

The PWA has no inline script or style, so ``default-src 'self'`` holds for scripts, styles, the service worker and
the manifest; photos are previewed from ``blob:`` URLs before upload and icons may be ``data:``.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' blob: data:; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def register(app: Flask) -> None:
    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers[name] = value  # whatever a view set, these hold
        return response
