"""The PWA's files at ``/``: one cache policy, precompressed bodies, and the shell for every client-side path.

The build (pwa/vite.config.js) writes ``name.br`` and ``name.gz`` beside each text file; a browser that accepts
either gets it as is (``Content-Encoding``), so nothing is compressed per request and the same files serve nginx's
``gzip_static``/``brotli_static``. Hashed files under ``assets/`` never change: cached for a year, never
revalidated (``send_from_directory`` would add ``no-cache``, which wins over ``immutable`` in browsers without a
service worker, e.g. WeChat's). Everything else (the shell, the worker, the manifest) is revalidated each time.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import Flask, Response, current_app, request, send_from_directory
from werkzeug.routing import PathConverter

from server.errors import NotFound

PWA_DIST = Path(__file__).resolve().parent.parent / "pwa" / "dist"
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))  # preferred first
YEAR = 31536000


class ShellPathConverter(PathConverter):
    """Any path except the API's, so an unknown /api/v1/... stays a 404 for every method."""

    regex = r"(?!api/)[^/].*?"


def register_shell(app: Flask, *, api_prefix: str) -> None:
    app.url_map.converters["shellpath"] = ShellPathConverter

    @app.get("/", defaults={"path": ""})
    @app.get("/<shellpath:path>")
    def pwa(path: str):
        """The PWA's files; unknown paths fall back to the app shell for client-side routes."""
        dist = Path(current_app.config["PWA_DIST"] or PWA_DIST).resolve()
        if not (dist / "index.html").exists():
            return {"name": "GridReport 网格灾情报送", "api": api_prefix, "openapi": api_prefix + "/openapi.json"}
        target = dist / path
        if path and target.is_file() and dist in target.resolve().parents:
            return _send(dist, path)
        if path.startswith("assets/") or "." in path.rsplit("/", 1)[-1]:
            # A file that is not there (an old chunk, /favicon.ico): 404, not the shell's HTML under its name.
            raise NotFound("没有这个文件")
        return _send(dist, "index.html")


def _send(dist: Path, path: str) -> Response:
    accepted = request.accept_encodings
    for encoding, suffix in ENCODINGS:
        if accepted[encoding] and _fresh(dist / (path + suffix), dist / path):
            response = send_from_directory(dist, path + suffix, mimetype=_mimetype(path))
            response.headers["Content-Encoding"] = encoding
            break
    else:
        response = send_from_directory(dist, path)
    response.vary.add("Accept-Encoding")
    if path.startswith("assets/"):
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response


def _fresh(compressed: Path, original: Path) -> bool:
    """A compressed copy no older than its original: a file changed after the build (a hot-fixed sw.js) is sent as
    it is now, never as its stale .br."""
    try:
        return compressed.stat().st_mtime >= original.stat().st_mtime
    except FileNotFoundError:
        return False


def _mimetype(path: str) -> str:
    kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if path.endswith(".webmanifest"):
        kind = "application/manifest+json"
    return kind  # werkzeug adds ``; charset=utf-8`` to text types
