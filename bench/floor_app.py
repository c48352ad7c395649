"""The floor of ``bench/bench_submit.py``: GridReport itself (``server.create_app``) with one extra route that does
what the bare endpoint does (parse the JSON body, one INSERT, COMMIT) behind the app's own request handling: the
session cookie, the login check (Flask-Login's user load), the CSRF header, the request id and security headers.

Between the baseline and the app it shows what the framework costs before a submit does anything of its own: the
app can at best reach the floor's share of the baseline's requests/s. Served by the same gunicorn command line:
``gunicorn 'bench.floor_app:create_app()'``.
"""

from __future__ import annotations

import json

from flask import Flask, request

from bench.bare_insert_app import INSERT
from server import API_PREFIX
from server import create_app as create_server

PATH = API_PREFIX + "/bench/floor"


def create_app() -> Flask:
    from server.extensions import db

    app = create_server()

    def floor():
        data = request.get_json()
        payload = json.dumps(data, ensure_ascii=False)
        new_id = db.session.execute(INSERT, {"client_id": data["client_id"], "payload": payload}).scalar_one()
        db.session.commit()
        return {"id": new_id}, 201

    app.add_url_rule(PATH, endpoint="bench_floor", view_func=floor, methods=["POST"])
    return app
