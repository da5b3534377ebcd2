# The two commands of the README: `make run` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8050

.PHONY: run test lint install browser samples etl screenshots bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

## run: build the embedded SQLite warehouse from the bundled samples (first time), then serve
run: install
	$(BIN)/python -m etl run
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python dashboard.py

## test: lint and types first (seconds), then the whole test suite, with the real browser, PostgreSQL and Redis
test: lint browser
	$(BIN)/python -m pytest

## lint: ruff and mypy as configured in pyproject.toml
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

## browser: Debian's Chromium, its driver and CJK fonts for the browser tests and screenshots
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then \
		echo "installing chromium, chromium-driver and fonts-noto-cjk from Debian"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null; \
	fi

samples: install
	$(BIN)/python -m etl samples

etl: install
	$(BIN)/python -m etl run

## screenshots: every page at 1920x1080 and 3840x2160 (and the laptop size) into docs/screenshots
screenshots: install browser
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf var .pytest_cache
