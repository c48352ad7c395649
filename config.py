"""Configuration defaults. ``create_app`` applies environment variables and a test dict over these.

Nothing here reads the environment or raises: a missing variable simply keeps its default.
"""

from datetime import timedelta

DEV_SECRET_KEY = "dev-insecure-change-me"

# Flask
SECRET_KEY = DEV_SECRET_KEY
ENV_NAME = "development"  # "production" refuses to start with the development SECRET_KEY
JSON_SORT_KEYS = False

# Database: None means a SQLite file in the instance folder (WAL, foreign keys on).
DATABASE_URL = None
SQLALCHEMY_ENGINE_OPTIONS: dict = {}  # merged over the timeouts below (its keys win)
# A database that accepts connections but never answers must not hang requests until gunicorn kills them: after
# these many seconds the request answers 503 "unavailable". Connect: establishing a connection (PostgreSQL's
# connect_timeout, at least 2) and waiting for a free pooled one. Statement: PostgreSQL's statement_timeout for each
# statement (lock waits included); on SQLite the wait for the write lock (busy timeout). Migrations run without it.
DB_CONNECT_TIMEOUT = 5
DB_STATEMENT_TIMEOUT = 10.0

# Sessions: a phone stays logged in for weeks; revocation is by the user's session token.
PERMANENT_SESSION_LIFETIME = timedelta(days=30)
# A remembered login's cookie is re-issued (its 30 days start again) at most this often, not on every request.
SESSION_REFRESH_AFTER = timedelta(hours=1)
REMEMBER_COOKIE_DURATION = timedelta(days=30)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = False  # forced on in production
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
# Logins kept per user (phones, browsers); a new login beyond this ends the user's oldest one.
MAX_LOGINS_PER_USER = 20

# Passwords: werkzeug's scrypt. Tests may use a cheaper method to stay fast.
PASSWORD_HASH_METHOD = "scrypt"

# Rate limits (failed logins, photo uploads, ledger writes) are counted in RATELIMIT_STORAGE_URI: "memory://" counts
# in each process on its own, so several worker processes (gunicorn --workers N) need "redis://host:6379"; in
# production the app refuses to start with memory:// unless SINGLE_PROCESS says one process serves it.
RATELIMIT_STORAGE_URI = "memory://"
# Prefix of the counters' keys in that storage: deployments (or test runs) sharing one Redis keep theirs apart.
RATELIMIT_KEY_PREFIX = "gridreport"
SINGLE_PROCESS = False
# Every limit of a request is checked (not only up to the first breached), so Retry-After names the longest wait.
RATELIMIT_FAIL_ON_FIRST_BREACH = False
# Failed logins (Flask-Limiter syntax; windows stacked with ";" make the wait grow as failures go on), per client
# address and username together, and per client address: never per username alone, so a stranger's failures never
# lock an officer out from another address.
LOGIN_FAILURES_PER_ADDRESS_AND_USERNAME = "5 per 5 minutes; 10 per hour; 20 per day"
LOGIN_FAILURES_PER_ADDRESS = "20 per 5 minutes; 50 per hour; 100 per day"
# Photo uploads per user, both upload routes together (429 rate_limited beyond).
UPLOAD_RATE_LIMIT = "60 per minute"
# Ledger (台账) rows filed or changed per user, both ledgers together (429 rate_limited beyond).
LEDGER_WRITE_RATE_LIMIT = "120 per minute"

# Largest JSON request body (KB); a larger one is 413, chunked or not. Photos have MAX_UPLOAD_MB.
MAX_JSON_KB = 1024

# Proxies: how many reverse proxies (nginx) stand in front of the app and append to X-Forwarded-For. 0 trusts no
# X-Forwarded-For header at all (a client could forge it); 1 behind one nginx. Login throttling keys on the address.
TRUSTED_PROXIES = 0

# Time
TIMEZONE = "Asia/Shanghai"

# Media
MEDIA_DIR = None  # None means <instance>/media
MAX_UPLOAD_MB = 15
S3_ENDPOINT = None
S3_BUCKET = None
S3_ACCESS_KEY = None
S3_SECRET_KEY = None
S3_REGION = "us-east-1"
S3_PREFIX = ""
# Decompression bombs: a photo whose header announces more pixels than this is refused before decoding.
MAX_IMAGE_PIXELS = 50_000_000  # a 48 MP phone sensor fits
# PNGs decode in full (no reduced decode) at 4 bytes a pixel: their own, lower limit.
MAX_PNG_PIXELS = 16_000_000
# Thumbnails from the pixels ingest already decoded ("pixels", measured fastest) or a draft-mode re-decode ("draft").
PHOTO_THUMBNAILS_FROM = "pixels"

# The PWA: the built app served at / (None: pwa/dist in the checkout, built by `make run`).
PWA_DIST = None

# Reporting deadlines (PRODUCT.md): initial within 60 minutes of the event opening, a daily update by 08:00
# local time while active, final within 2 days of the event becoming stable.
DEADLINE_INITIAL_MINUTES = 60
DEADLINE_DAILY_UPDATE_HOUR = 8
DEADLINE_UPDATE_EVERY_DAYS = 1  # 续报 cadence while active: every day by the hour above
DEADLINE_FINAL_DAYS = 2
# Sign-off at every level (乡镇上报, 县级上报, 市级上报): each level is due this many minutes after the level below
# (a township 30 minutes after its villages' deadline), except the county's 初报, due this long after the event
# opens (the national rule: the county reports within 2 hours).
DEADLINE_SIGNOFF_MINUTES = 30
DEADLINE_COUNTY_INITIAL_MINUTES = 120
# Per disaster type, any DEADLINE_* setting above: drought (干旱) is reported every 10 days, not daily.
DEADLINES_BY_TYPE: dict = {"干旱": {"DEADLINE_UPDATE_EVERY_DAYS": 10}}

# Warnings (预警) and 叫应: minutes each targeted village has to acknowledge, by level (0: no window, nobody is
# ever overdue); a warning may set its own ``ack_within_minutes``. A warning without ``expires_at`` expires after
# WARNING_DEFAULT_HOURS.
WARNING_ACK_MINUTES_RED = 30
WARNING_ACK_MINUTES_ORANGE = 60
WARNING_ACK_MINUTES_YELLOW = 120
WARNING_ACK_MINUTES_BLUE = 0
WARNING_DEFAULT_HOURS = 24
# Escalation of the silent (``flask warnings escalate``, from cron or a systemd timer): the notifier that tells the
# duty contacts above a silent village. "log" writes a log line; "webhook" POSTs JSON to WARNING_WEBHOOK_URL (a
# deployment's SMS or voice-call gateway), signed with HMAC-SHA256 of the body in X-GridReport-Signature when
# WARNING_WEBHOOK_SECRET is set, each try bounded by WARNING_WEBHOOK_TIMEOUT seconds, retried
# WARNING_WEBHOOK_RETRIES times WARNING_WEBHOOK_BACKOFF seconds apart; a delivery that failed every try is tried
# again by the next runs until WARNING_NOTIFY_MAX_ATTEMPTS tries in all.
WARNING_NOTIFIER = "log"
WARNING_WEBHOOK_URL = None
WARNING_WEBHOOK_SECRET = None
WARNING_WEBHOOK_TIMEOUT = 5.0
WARNING_WEBHOOK_RETRIES = 2
WARNING_WEBHOOK_BACKOFF = 2.0
WARNING_NOTIFY_MAX_ATTEMPTS = 15

# The desk's hazard map: a Leaflet tile URL template (e.g. a 天地图 WMTS URL with the deployment's key), what {s}
# takes in it, and the provider's credit. None: no tiles; the map draws the points over the scope's outline and asks
# nothing outside the app's own origin. When set, the template's host is allowed in the CSP's img-src.
MAP_TILE_URL = None
MAP_TILE_SUBDOMAINS = "abc"
MAP_ATTRIBUTION = ""
# SMS fallback (短信报灾, README "短信报灾"): the county's number the phones text to (shown to logged-in users and
# cached by the PWA), and the gateway's webhook POST /api/v1/sms/inbound, authenticated by SMS_GATEWAY_SECRET (no
# secret: every delivery is refused). A message composed more than SMS_MAX_AGE_DAYS ago is refused; a part of a
# long message waits SMS_PART_HOURS for its siblings. Replies (已收到 / 未收下) go by SMS_REPLY_NOTIFIER: "log" writes
# a log line; "webhook" POSTs {"to", "message", "id"} as JSON to SMS_REPLY_WEBHOOK_URL (the gateway's send API),
# signed like the warning webhook (X-GridReport-Signature) when SMS_REPLY_WEBHOOK_SECRET is set.
SMS_INBOUND_NUMBER = ""
SMS_GATEWAY_SECRET = None
SMS_MAX_AGE_DAYS = 7
SMS_PART_HOURS = 24
SMS_REPLY_NOTIFIER = "log"
SMS_REPLY_WEBHOOK_URL = None
SMS_REPLY_WEBHOOK_SECRET = None
SMS_REPLY_WEBHOOK_TIMEOUT = 5.0

# Lists
PER_PAGE_DEFAULT = 50
PER_PAGE_MAX = 200
