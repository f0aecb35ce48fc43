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

# requirements-dev.lock starts with `-r requirements.lock`: the production packages, then the development
# and test tools (pytest, Playwright, ruff, moto, ...). The image (Dockerfile) installs requirements.lock only.
$(VENV)/.installed: requirements.lock requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.lock
	touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund
	touch $@

assets: static/dist/.built

static/dist/.built: node_modules/.installed $(shell find frontend -type f 2>/dev/null) package.json
	npm run build
	touch $@

demo: install assets
	$(DEMO_ENV) $(MANAGE) migrate --noinput
	$(DEMO_ENV) $(MANAGE) setup_demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# Each benchmark prints its own table and records its targets in $(BENCH_RESULTS); bench/summary.py prints
# them all in one table at the end (with the commit and machine) and fails if any was missed or any
# script stopped. A script that misses a target does not stop the others.
BENCH_RESULTS ?= bench/results/summary.jsonl
BENCH_SCRIPTS := run reports contracts ocds contract_extract agenda_pack tagging complaints_report complaints \
	api complaints_import contracts_import plan_import load
bench: install assets
	@rm -f $(BENCH_RESULTS)
	@for script in $(filter-out load,$(BENCH_SCRIPTS)); do \
		BENCH_RESULTS=$(BENCH_RESULTS) $(BIN)/python bench/$$script.py || echo "bench/$$script.py stopped"; \
	done
	@# wrk against gunicorn: needs PostgreSQL, Redis and wrk (Debian: apt-get install wrk)
	@if [ -n "$$BENCH_DATABASE_URL" ] && [ -n "$${BENCH_REDIS_URL:-$$REDIS_URL}" ]; then \
		BENCH_RESULTS=$(BENCH_RESULTS) $(BIN)/python bench/load.py || echo "bench/load.py stopped"; \
	else echo "bench/load.py skipped: it needs BENCH_DATABASE_URL (PostgreSQL) and REDIS_URL (or BENCH_REDIS_URL)"; fi
	@BENCH_RESULTS=$(BENCH_RESULTS) $(BIN)/python bench/summary.py $(BENCH_SCRIPTS)

# Both locks from pyproject.toml, resolved in throwaway virtual environments (removed after), never from
# whatever happens to be installed in .venv. First the production and [dev] requirements are resolved together
# (so the two locks cannot disagree); then the production requirements alone are installed in a second
# environment constrained to those versions and frozen: requirements.lock, [project] dependencies and what
# they need. requirements-dev.lock is `-r requirements.lock` plus the rest of the first environment (the
# development and test tools and what they need beyond production). Versions are the newest that fit unless
# `make lock LOCK_CONSTRAINTS=FILE` names pins to keep (e.g. an old `pip freeze`).
LOCK_VENV := .lock-venv
LOCK_CONSTRAINTS ?=
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)/all
	$(PYTHON) -m venv $(LOCK_VENV)/production
	$(PYTHON) -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; \
		open("$(LOCK_VENV)/production.txt", "w").write("\n".join(p["dependencies"]) + "\n"); \
		open("$(LOCK_VENV)/dev.txt", "w").write("\n".join(p["optional-dependencies"]["dev"]) + "\n")'
	$(LOCK_VENV)/all/bin/pip install --quiet -r $(LOCK_VENV)/production.txt -r $(LOCK_VENV)/dev.txt \
		$(if $(LOCK_CONSTRAINTS),-c $(LOCK_CONSTRAINTS))
	$(LOCK_VENV)/all/bin/pip freeze > $(LOCK_VENV)/all.txt
	$(LOCK_VENV)/production/bin/pip install --quiet -r $(LOCK_VENV)/production.txt -c $(LOCK_VENV)/all.txt
	(echo "# Production: pyproject.toml's dependencies and what they need, pinned; the image installs this. Regenerate with: make lock"; \
		$(LOCK_VENV)/production/bin/pip freeze) > requirements.lock
	(echo "# Development and test tools on top of the production lock, pinned; make install installs this. Regenerate with: make lock"; \
		echo "-r requirements.lock"; grep -vxFf requirements.lock $(LOCK_VENV)/all.txt) > requirements-dev.lock
	rm -rf $(LOCK_VENV)

clean:
	rm -rf $(VENV) node_modules static/dist staticfiles
