# GridReport: `make run` serves the demo, `make test` runs every check. Both install what they need.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export FLASK_APP := server

.PHONY: run test install lint test-sqlite test-postgres test-pwa test-e2e test-bench pwa browser bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

PWA_DEPS := pwa/node_modules/.installed

$(PWA_DEPS): pwa/package-lock.json
	cd pwa && npm ci --no-audit --no-fund
	touch $(PWA_DEPS)

# Builds pwa/dist (served by Flask at /) and prints the gzipped JS+CSS size (fails above 150 KB).
pwa: $(PWA_DEPS)
	cd pwa && npm run build

# The browser tests drive Debian's Chromium (Playwright never downloads one) with a CJK font for the screenshots;
# the deployment tests (tests/deploy) run Debian's nginx in front of two gunicorn instances.
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || [ ! -x /usr/sbin/nginx ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-noto-cjk nginx-light; fi

run: install pwa
	$(BIN)/flask db upgrade
	$(BIN)/flask demo seed
	@echo "Serving on http://127.0.0.1:5000  (API: /api/v1, OpenAPI: /api/v1/openapi.json)"
	$(BIN)/flask run --host 127.0.0.1 --port 5000

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

test-sqlite: install
	$(BIN)/pytest -q -p no:cacheprovider --ignore=tests/e2e

test-postgres: install browser
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('postgresql://postgres@127.0.0.1:5432/test', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== PostgreSQL =="; TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q -p no:cacheprovider --ignore=tests/e2e; \
	elif [ "$$CI" = "true" ]; then echo "PostgreSQL is required in CI but does not answer"; exit 1; \
	else echo "PostgreSQL does not answer on 127.0.0.1:5432: skipping the PostgreSQL run"; fi

test-pwa: $(PWA_DEPS)
	cd pwa && npx vitest run

# End to end: the built PWA in headless Chromium against a live server on SQLite (screenshots: tests/e2e/screenshots).
test-e2e: install pwa browser
	$(BIN)/pytest -q -p no:cacheprovider tests/e2e

test: lint test-sqlite test-postgres test-pwa test-e2e test-bench

# Every benchmark's --quick mode (tiny sizes, seconds each, BENCHMARKS.md untouched), so none can rot: about two
# minutes in all. One needing ../shared, PostgreSQL, nginx, Redis or the built PWA says so and skips (with CI=true a
# missing PostgreSQL fails).
BENCHES := bench_photos bench_submit bench_rollup bench_export bench_import bench_typhoon wuyuan_run bench_pwa_photos bench_pwa_lighthouse

test-bench: install pwa browser
	@for b in $(BENCHES); do echo "== bench/$$b.py --quick =="; $(BIN)/python bench/$$b.py --quick >/tmp/gridreport-$$b.log 2>&1 \
		&& tail -n 3 /tmp/gridreport-$$b.log || { tail -n 40 /tmp/gridreport-$$b.log; exit 1; }; done

# By hand, one at a time (minutes each; PostgreSQL, nginx and Redis for most); results into BENCHMARKS.md.
bench: install pwa browser
	$(BIN)/python bench/bench_photos.py
	$(BIN)/python bench/bench_submit.py
	$(BIN)/python bench/bench_rollup.py
	$(BIN)/python bench/bench_export.py
	$(BIN)/python bench/bench_import.py
	$(BIN)/python bench/bench_typhoon.py
	$(BIN)/python bench/wuyuan_run.py
	$(BIN)/python bench/bench_pwa_photos.py
	$(BIN)/python bench/bench_pwa_lighthouse.py

clean:
	rm -rf $(VENV) instance pwa/dist pwa/node_modules
