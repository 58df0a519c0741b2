# Every target sets itself up: a fresh clone needs only `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run chat lock test scale-test bench lint validate report doctor postgres haproxy chromium site clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@echo "embedding the bundled knowledge once (cached for later starts)"
	$(BIN)/python -m bot ask "what is SB 54" >/dev/null || echo "could not warm the vector cache: the bot will embed at its first start"
	touch $(STAMP)

run: $(STAMP)  ## start the bot (console adapter unless tokens are configured)
	$(BIN)/python -m bot run

chat: $(STAMP)  ## talk to the bot in this terminal
	$(BIN)/python -m bot chat

test: $(STAMP) chromium  ## the whole suite
	$(BIN)/python -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 1; fi; exit $$rc

scale-test: $(STAMP) postgres haproxy  ## 3 bot processes behind HAProxy, one killed mid-way (minutes; CI runs it)
	SCALE_TEST_REQUIRED=1 $(BIN)/python -m pytest -m scale -s tests/test_scale.py; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 1; fi; exit $$rc

bench: $(STAMP)  ## answer quality, speed, memory
	$(BIN)/python bench/bench.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

validate: $(STAMP)
	$(BIN)/python -m bot validate --strict

report: $(STAMP)
	$(BIN)/python -m bot report

doctor: $(STAMP)
	$(BIN)/python -m bot doctor

postgres:  ## a PostgreSQL server for tests/test_postgres.py (Debian's package; skipped without)
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then echo "PostgreSQL is installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else echo "cannot install PostgreSQL here: its tests will be skipped"; fi

haproxy:  ## Debian's HAProxy for tests/test_scale.py and bench/scale.py (skipped without, except in make scale-test)
	@if command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ]; then echo "HAProxy is installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian's HAProxy for the scale test"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null; } \
	  || echo "could not install HAProxy: the scale test will fail under make scale-test, be skipped elsewhere"; \
	else echo "cannot install HAProxy here (needs root and apt-get): the scale test will fail under make scale-test, be skipped elsewhere"; fi

chromium:  ## Debian's Chromium for tests/test_site_browser.py (Playwright drives it; skipped without)
	@if [ -x /usr/bin/chromium ]; then echo "Chromium is installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian's Chromium for the website's browser tests"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	  || echo "could not install Chromium: the browser tests will be skipped"; \
	else echo "cannot install Chromium here (needs root and apt-get): the browser tests will be skipped"; fi

site: $(STAMP)  ## the FAQ as a static website in data/site (serve that folder with any web server)
	$(BIN)/python -m bot site --out data/site

lock:  ## re-resolve the dependencies to their newest allowed releases into constraints.txt
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -e '.[dev]'
	{ sed -n '/^#/p' constraints.txt; .lock-venv/bin/pip freeze --exclude-editable; } > constraints.new
	mv constraints.new constraints.txt
	rm -rf .lock-venv
	@echo "constraints.txt re-resolved: run make test, then commit it"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
