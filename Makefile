# Two commands matter: `make demo` and `make test`. Each sets up what it needs first.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
SUDO   := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
DEBS   := fluidsynth libfluidsynth3 fluid-soundfont-gm ffmpeg libsndfile1 curl jq chromium
PROMPT ?= Calm piano melody
TORCH  ?= torch==2.13.0

.PHONY: demo test lint format setup setup-dev sysdeps bench clean

demo: setup
	@mkdir -p out
	$(VENV)/bin/musicgen generate "$(PROMPT)" --duration 30 --seed 7 -o out/demo.wav

test: setup-dev
	$(PY) -m pytest

lint: setup-dev
	$(PY) -m ruff check music_gen tests bench
	$(PY) -m ruff format --check music_gen tests bench
	$(PY) -m mypy
	$(VENV)/bin/lint-imports
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --quiet -d site

format: setup-dev
	$(PY) -m ruff format music_gen tests bench
	$(PY) -m ruff check --fix music_gen tests bench

bench: setup-dev
	$(PY) bench/composer_speed.py

# System packages: FluidSynth, a General MIDI SoundFont, ffmpeg (independent loudness meter),
# Chromium (the web studio's browser tests drive it through Playwright).
sysdeps:
	@if ! dpkg -s $(DEBS) >/dev/null 2>&1; then \
		echo "Installing system packages: $(DEBS)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(DEBS); \
	fi

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# Core install: the composer path, light (no torch).
$(VENV)/.core: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q -e .
	@touch $@

# Everything, for the tests: CPU torch first so no multi-GB CUDA build is pulled.
$(VENV)/.dev: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q "$(TORCH)"
	$(PIP) install -q -e ".[all,dev]"
	@touch $@ $(VENV)/.core

# The JavaScript SDK's optional `ws` (WebSocket streaming on Node 20), when npm is there.
clients/js/node_modules/.installed: clients/js/package.json
	@if command -v npm >/dev/null 2>&1; then \
		cd clients/js && npm install --no-audit --no-fund --no-package-lock --loglevel=error && \
		touch node_modules/.installed; \
	else echo "npm not found: skipping the JavaScript SDK's optional packages"; fi

setup: sysdeps $(VENV)/.core
setup-dev: sysdeps $(VENV)/.dev clients/js/node_modules/.installed

clean:
	rm -rf $(VENV) out site .pytest_cache .mypy_cache .ruff_cache .hypothesis
