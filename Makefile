# Yinliu — everything a new machine needs goes through these targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
SANDBOX_PORT ?= 8765
# Test processes (pytest-xdist): one per CPU; TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= auto
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/yinliu_bench

.DEFAULT_GOAL := help
.PHONY: help install ocr-engine test-tools demo test bench worker lint migrate clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP) ## create .venv and install pinned dependencies

migrate: install ## apply database migrations
	$(PY) manage.py migrate --noinput

# The words in a 科普 page's pictures are read by Debian's Tesseract (cms/compliance/ocr.py);
# without it the gate refuses pictures on 科普 pages, so the demo installs it when it can.
ocr-engine: ## install Tesseract with its Chinese models, horizontal and vertical (apt, when missing)
	@{ command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx chi_sim_vert; } || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	    $$SUDO apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q \
	      tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-chi-sim-vert >/dev/null || echo "could not install Tesseract: pictures on 科普 pages will be refused"; \
	  else echo "no apt-get: install Tesseract 5 with its chi_sim model, or pictures on 科普 pages are refused"; fi; }

demo: install ocr-engine ## set everything up and serve the site and admin on http://127.0.0.1:8000
	@HOST=$(HOST) PORT=$(PORT) SANDBOX_PORT=$(SANDBOX_PORT) bash scripts/demo.sh

# The tests draw Chinese banners for the picture reader (Noto CJK) and drive a real headless
# Chromium; `make test` on a fresh machine installs them as `make ocr-engine` does Tesseract.
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
test-tools: ## install the CJK fonts and Chromium the tests use (apt, when missing)
	@{ [ -f $(CJK_FONT) ] && command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	    $$SUDO apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q \
	      fonts-noto-cjk chromium chromium-driver >/dev/null || echo "could not install fonts-noto-cjk / chromium: picture and browser tests will fail or skip"; \
	  else echo "no apt-get: install Noto CJK fonts and Chromium with its driver for the picture and browser tests"; fi; }

test: install ocr-engine test-tools ## run the test suite (SQLite; PostgreSQL + Redis when DATABASE_URL / REDIS_URL are set)
	$(VENV)/bin/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: install ## ruff, the import contract (funnel imports no other app …) and the migrations check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

bench: install ## benchmarks on PostgreSQL (BENCH_DATABASE_URL), figures as ratios to a same-run baseline
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) -m tests.benchmarks $(ONLY)

worker: install ## Celery worker + beat against REDIS_URL
	@test -n "$$REDIS_URL" || { echo "make worker needs REDIS_URL (e.g. redis://127.0.0.1:6379/0)"; exit 2; }
	@test -n "$$DJANGO_SETTINGS_MODULE" || echo "make worker: production settings (real keys required); export DJANGO_SETTINGS_MODULE=config.settings.dev for a local trial"
	$(VENV)/bin/celery -A config worker --beat -l info --concurrency $${CONCURRENCY:-2}

clean: ## remove the virtualenv and local data
	rm -rf $(VENV) var
