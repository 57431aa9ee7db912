# Pay.Parts Explorer. `make lab` opens the explorer; `make test` runs every test.
# Both create .venv and install the pinned requirements on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# JupyterLab refuses to run as root unless told; CI and some containers are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: install lab test soak regression notebooks demo screenshots lint format sandbox shop bench clean e2e-stress

# uv installs the same pinned list as pip in seconds instead of a minute or more; it
# comes from PyPI into the venv itself (its pin is in requirements.txt). Where it
# cannot be had, pip does the same job.
UV_PIN := $(shell grep -E '^uv==' requirements.txt)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@if $(BIN)/python -m pip install --quiet --disable-pip-version-check "$(UV_PIN)"; then \
		echo "installing the pinned requirements with $$($(BIN)/uv --version)"; \
		$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.txt && \
		$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .; \
	else \
		echo "uv is not available: installing with pip (slower)"; \
		$(BIN)/python -m pip install --quiet -r requirements.txt && \
		$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .; \
	fi
	touch $(STAMP)

install: $(STAMP)

lab: install  ## open JupyterLab on notebooks/ (00_start_here first) against the local sandbox
	@# This product's JupyterLab defaults (no news question) live in the venv, not ~/.jupyter;
	@# the user's own settings still win over them.
	mkdir -p $(VENV)/share/jupyter/lab/settings/overrides.d
	cp jupyterlab-settings/payparts-explorer.json $(VENV)/share/jupyter/lab/settings/overrides.d/
	PAYPARTS_ENV=$${PAYPARTS_ENV:-sandbox} $(BIN)/jupyter lab --notebook-dir=notebooks \
		--ServerApp.ip=127.0.0.1 $(ROOT_FLAG) \
		--LabApp.default_url=/lab/tree/00_start_here.ipynb \
		--LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate

NBVAL := --nbval --nbval-sanitize-with tests/nbval/sanitize.cfg --nbval-cell-timeout=300

test: install  ## every test: lint, unit, sandbox, client, CLI, widgets, notebooks (nbval)
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest tests notebooks $(NBVAL) -m "not soak"

soak: install  ## the runs over a minute: schemathesis with 2000 examples per operation
	$(BIN)/python -m pytest tests -m soak -s

regression: install  ## the regression notebook alone, against the sandbox (beta: see README)
	$(BIN)/python -m pytest notebooks/10_regression.ipynb $(NBVAL)

notebooks: install  ## re-run every notebook and store its outputs (what nbval compares against)
	$(BIN)/python tools/run_notebooks.py

lint: install  ## ruff, and the package's layers as pyproject.toml's import-linter contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

sandbox: install  ## the sandbox in the foreground on http://127.0.0.1:8765
	$(BIN)/python -m payparts_helpers.sandbox --port 8765

# The sandbox runs in the background; the trap stops it when the shop stops (Ctrl-C,
# or the shop failing to start). A background job of a non-interactive shell ignores
# SIGINT, so it is ended with SIGTERM, which the sandbox handles cleanly.
shop: install  ## the reference shop (examples/shop) on http://127.0.0.1:8770/ against the sandbox on 8765
	@$(BIN)/python -m payparts_helpers.sandbox --port 8765 & sandbox=$$!; \
	trap 'kill $$sandbox 2>/dev/null; wait $$sandbox 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	echo "Reference shop: http://127.0.0.1:8770/  (sandbox: http://127.0.0.1:8765; Ctrl-C stops both)"; \
	PAYPARTS_ENV=sandbox PAYPARTS_BASE_URL=http://127.0.0.1:8765 $(BIN)/python -m examples.shop --port 8770

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

DEMO_PORT ?= 8866

demo: install  ## the explorer as a Voilà app (no code cells) against the sandbox
	@echo "Pay.Parts Explorer demo: http://127.0.0.1:$(DEMO_PORT)/  (Ctrl-C stops it)"
	$(BIN)/voila notebooks/explorer.ipynb --no-browser --port=$(DEMO_PORT) \
		--Voila.ip=127.0.0.1 --show_tracebacks=False

screenshots: install  ## regenerate docs/img/ from the browser tests
	PAYPARTS_SCREENSHOTS=docs/img $(BIN)/python -m pytest tests/e2e -q

bench: install  ## every benchmark's paired ratio and its CI; writes bench/RESULTS.md (needs wrk, node)
	@command -v wrk >/dev/null || echo "bench_sandbox_throughput needs wrk: apt-get install -y wrk"
	@test -x bench/node_modules/.bin/prism || npm ci --prefix bench --ignore-scripts --no-audit --no-fund \
		|| echo "bench_sandbox_throughput needs Prism: npm ci --prefix bench (needs node and npm)"
	$(BIN)/python bench/run_all.py

e2e-stress: install  ## the browser tests 10 times in a row with every CPU kept busy: failures, median, max
	E2E_STRESS_PYTHON=$(BIN)/python bash tools/e2e_stress.sh

.PHONY: notebook-screenshots
notebook-screenshots: install  ## each notebook after Run All in JupyterLab: docs/img/notebook-*.png (needs chromium)
	$(BIN)/python tools/notebook_screenshots.py
