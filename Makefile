# Two commands for a new user: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app smartsociety
CATALOGS := $(wildcard smartsociety/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run serve test test-sqlite test-postgres serve install test-deps system-deps translations \
        extract-messages clean assets lint

PORT ?= 5000
# The development mail catcher's port (mail is shown at /dev/mail and printed here).
DEV_MAIL_PORT ?= 8025

run: install translations assets
	@mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) demo load
	@# Mail goes to a local catcher (shown at /dev/mail); the jobs worker runs every job when it
	@# is due (docs/jobs.md): the mail sender retries what failed, page views wait in
	@# instance/views until the flush adds them to the database, every minute, and so on.
	export MAIL_PORT=$(DEV_MAIL_PORT) SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)}; \
	$(FLASK) devmail serve & $(FLASK) jobs run & \
	trap 'kill $$(jobs -p) 2>/dev/null' EXIT; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# The production set-up on this machine: gunicorn, PostgreSQL, Redis, the jobs worker.
serve: install translations assets serve-deps
	$(BIN)/python -m pip install -q -e '.[production]'
	$(BIN)/python -m smartsociety.ops.serve

serve-deps:
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	test -f /usr/share/dict/dutch || missing="$$missing wdutch"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# The suite runs in parallel (pytest-xdist), one worker per core; each worker has its own
# database (and, in the PostgreSQL pass, its own server). `make test PYTEST_WORKERS=0` runs serially.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_WORKERS)

# Lint first (ruff: pyflakes, pycodestyle, import order, bugbear, pyupgrade; pyproject.toml).
lint: test-deps
	$(BIN)/ruff check .

test: test-deps translations assets lint
	$(PYTEST)
	SMARTSOCIETY_TEST_DATABASE=postgresql $(PYTEST) -m "not browser and not load"

test-sqlite: test-deps translations assets
	$(PYTEST)

test-postgres: test-deps translations
	SMARTSOCIETY_TEST_DATABASE=postgresql $(PYTEST) -m "not browser and not load"

install: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[postgres]'
	touch $@

test-deps: $(VENV)/.installed-test system-deps

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test,postgres,production]'
	touch $@

# Debian packages and the npm package the tests drive; CI runs as root on a clean machine.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	test -f /usr/share/dict/dutch || missing="$$missing wdutch"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@test -f tests/browser/node_modules/axe-core/axe.min.js || \
	  (cd tests/browser && npm ci --no-audit --no-fund --silent)

translations: install $(COMPILED)

# Browser libraries from npm (assets/package.json, pinned in its lock file), copied into
# static/vendor/ (not in git): the site serves them itself, so no CDN and the
# Content-Security-Policy stays 'self'. Leaflet and its clustering plugin for the sensor map,
# Swagger UI for the API's documentation page.
VENDOR := static/vendor
assets: $(VENDOR)/.built

$(VENDOR)/.built: assets/package.json assets/package-lock.json
	@command -v npm >/dev/null || $(MAKE) system-deps
	cd assets && npm ci --no-audit --no-fund --silent
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/leaflet $(VENDOR)/markercluster $(VENDOR)/swagger-ui
	cp assets/node_modules/leaflet/dist/leaflet.js assets/node_modules/leaflet/dist/leaflet.css $(VENDOR)/leaflet/
	cp -r assets/node_modules/leaflet/dist/images $(VENDOR)/leaflet/
	cp assets/node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
	   assets/node_modules/leaflet.markercluster/dist/MarkerCluster.css \
	   assets/node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css $(VENDOR)/markercluster/
	cp assets/node_modules/leaflet/LICENSE $(VENDOR)/leaflet/LICENSE
	cp assets/node_modules/leaflet.markercluster/MIT-LICENCE.txt $(VENDOR)/markercluster/ 2>/dev/null || true
	cp assets/node_modules/swagger-ui-dist/swagger-ui-bundle.js \
	   assets/node_modules/swagger-ui-dist/swagger-ui.css \
	   assets/node_modules/swagger-ui-dist/LICENSE $(VENDOR)/swagger-ui/
	touch $@

%.mo: %.po
	$(BIN)/pybabel compile -f -i $< -o $@

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o smartsociety/translations/messages.pot .
	$(BIN)/pybabel update -i smartsociety/translations/messages.pot -d smartsociety/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance .pytest_cache
