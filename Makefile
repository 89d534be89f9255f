# SupportOps developer commands. Needs only python3 (3.11), make and git; everything else is installed here.
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.8
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install run test lint typecheck check pytest seed worker beat schema bench clean

install: $(VENV)/.installed ## Create .venv with the locked dependencies

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	UV_PYTHON_DOWNLOADS=never $(UV) sync --frozen --python $(PYTHON) --quiet
	touch $@

run: install ## Migrate SQLite, load the demo organisation when empty, serve on http://127.0.0.1:8000
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py build_volume_history --if-empty
	$(PY) manage.py seed_schedules --if-empty
	$(PY) manage.py seed_onboarding --if-empty
	$(PY) manage.py seed_qa --if-empty
	@echo "Open http://$(HOST):$(PORT)/ and sign in."
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy .

check: install
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run

pytest: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test: lint typecheck check pytest ## Lint, type-check, Django checks and the whole test suite

seed: install ## Rebuild the demo organisation (wipes org data), its volume history and shift planning
	$(PY) manage.py seed_demo --force
	$(PY) manage.py build_volume_history
	$(PY) manage.py seed_schedules
	$(PY) manage.py seed_onboarding
	$(PY) manage.py seed_qa

worker: install ## A Celery worker (needs CELERY_BROKER_URL)
	$(VENV)/bin/celery -A supportops worker --loglevel=INFO

beat: install ## Celery beat (needs CELERY_BROKER_URL)
	$(VENV)/bin/celery -A supportops beat --loglevel=INFO

schema: install ## Write and validate the OpenAPI schema
	$(PY) manage.py spectacular --validate --fail-on-warn --file openapi.yml

bench: install ## Benchmarks beside the tools a user would pick instead (installs them; see benchmarks/README.md)
	UV_PYTHON_DOWNLOADS=never $(UV) sync --frozen --python $(PYTHON) --quiet --group bench
	rm -f $(VENV)/.installed  # the next install drops the bench-only packages again
	$(PY) -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .ruff_cache staticfiles
