"""gunicorn for GridReport in production: ``gunicorn -c deploy/gunicorn.conf.py 'server:create_app()'``.

Each instance is stateless (signed session cookies, media in the store, rate limits in Redis), so a county runs two
or more of these behind nginx (deploy/nginx/gridreport.conf) and a restart or a crash of one loses nothing: every
write from a phone carries its client_id and is retried until confirmed. tests/deploy/ runs this very file.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = "sync"
# A request is bounded well below this by DB_CONNECT_TIMEOUT / DB_STATEMENT_TIMEOUT (503 in the API's shape); the
# worker timeout is the last line of defence against a hung worker.
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak in a C extension (Pillow, psycopg) never grows without bound.
max_requests = 2000
max_requests_jitter = 200
# Only nginx on this host talks to gunicorn; the app itself reads X-Forwarded-For through TRUSTED_PROXIES.
forwarded_allow_ips = "127.0.0.1"
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms xff="%({x-forwarded-for}i)s" rid="%({x-request-id}o)s"'
