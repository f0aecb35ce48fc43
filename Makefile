# The two commands a newcomer needs are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# The one-command demo runs on the embedded defaults: SQLite, tasks inline. `make run PORT=8001` serves
# elsewhere; the demo's links and the address setup_demo prints follow it.
PORT ?= 8000
DEMO_ENV := DEBUG=true PORTAL_BASE_URL=http://127.0.0.1:$(PORT)

.PHONY: run test install assets demo lint bench lock clean

run: install assets demo
	$(DEMO_ENV) $(MANAGE) runserver 127.0.0.1:$(PORT)

# One process per CPU: a module's tests stay in one process; each process has its own test database
# and Redis database (tests/conftest.py). `.venv/bin/pytest` alone runs in one process.
test: install assets
	$(BIN)/pytest -n auto --dist loadscope

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund
	touch $@

assets: static/dist/.built

static/dist/.built: node_modules/.installed $(shell find static/src static/images -type f 2>/dev/null) static/build.mjs package.json
	npm run build
	touch $@

demo: install assets
	$(DEMO_ENV) $(MANAGE) migrate --noinput
	$(DEMO_ENV) $(MANAGE) setup_demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

bench: install assets
	$(BIN)/python bench/run.py
	$(BIN)/python bench/reports.py
	$(BIN)/python bench/contracts.py
	$(BIN)/python bench/ocds.py
	$(BIN)/python bench/contract_extract.py
	$(BIN)/python bench/agenda_pack.py
	$(BIN)/python bench/complaints_report.py
	$(BIN)/python bench/complaints.py
	$(BIN)/python bench/api.py
	$(BIN)/python bench/complaints_import.py
	@# wrk against gunicorn: needs PostgreSQL, Redis and wrk (Debian: apt-get install wrk)
	@if [ -n "$$BENCH_DATABASE_URL" ] && [ -n "$${BENCH_REDIS_URL:-$$REDIS_URL}" ]; then $(BIN)/python bench/load.py; \
	else echo "bench/load.py skipped: it needs BENCH_DATABASE_URL (PostgreSQL) and REDIS_URL (or BENCH_REDIS_URL)"; fi

lock: $(VENV)/.installed
	(echo "# The whole dependency tree, pinned. Regenerate with: make lock"; $(BIN)/pip freeze --exclude-editable) > requirements.lock

clean:
	rm -rf $(VENV) node_modules static/dist staticfiles
