# The README's quick start is `make run` and `make test`; both create .venv when it is missing.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
ASSETS := $(VENV)/share/solara/cdn/.fetched
ARGS  ?=

# The first Python >= 3.12 found: $PYTHON, python3.13/3.12/python3 on PATH, then pyenv's installs.
define find_python
for c in "$$PYTHON" python3.14 python3.13 python3.12 python3 python \
         $$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
  [ -n "$$c" ] || continue; \
  if "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then echo "$$c"; exit 0; fi; \
done; exit 1
endef

.PHONY: help run test test-fast lint format bench app clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(PY):
	@py=$$($(find_python)) || { echo "error: no Python >= 3.12 found (tried \$$PYTHON, python3.14..python3, ~/.pyenv/versions). Install one, or set PYTHON=/path/to/python3.12" >&2; exit 1; }; \
	echo "creating $(VENV) with $$py ($$($$py --version))"; \
	"$$py" -m venv $(VENV)

# `make run` needs the package and a local sweep's launchers only (~600 MB); the suite also needs
# the dev tools, the page (viz: solara, playwright) and Ray (cluster), ~1.4 GB. A full install
# also serves `make run`.
$(RUN_STAMP): $(PY) pyproject.toml
	@if [ $(STAMP) -nt pyproject.toml ]; then echo "$(VENV): the full install serves make run"; else \
	  $(PY) -m pip install --quiet --upgrade pip && $(PY) -m pip install --quiet -e '.[sweep]'; fi
	@touch $@

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,viz,sweep,cluster]'
	@touch $(STAMP)

run: $(RUN_STAMP)  ## run the default scenario (extra Hydra overrides: make run ARGS="scenario=china_rise seed=3")
	$(PY) -m sim $(ARGS)

test: $(STAMP) $(ASSETS)  ## the full test suite, slow and browser tests included
	$(PY) -m pytest $(ARGS)

test-fast: $(STAMP)  ## the suite without slow and browser tests
	$(PY) -m pytest -m "not slow and not browser" $(ARGS)

bench: $(STAMP)  ## time steps against the numpy floor, end to end, memory (ARGS="--quick": a smoke run)
	$(PY) experiments/benchmark/bench.py $(ARGS)

# The page's browser bundles: solara fetches them from a CDN at run time, which a closed network
# lacks; `npm pack` takes the exact versions its template names from the npm registry, once,
# into solara's own cache (<venv>/share/solara/cdn), from where the server hands them out; the
# page's plotly.js is the copy the plotly package ships.
$(ASSETS): $(STAMP)
	@set -e; src=$$($(PY) -c 'import solara, pathlib; print(pathlib.Path(solara.__file__).parent)'); \
	fa=$$($(PY) -c 'from solara.server.settings import assets; print(assets.fontawesome_path.split("/")[1])'); \
	pkgs="$$(grep -rhoE '(\{\{ *cdn *\}\}|getCdn\(\)\})/(@[a-z0-9-]+/)?[a-z0-9.-]+@[0-9]+\.[0-9]+\.[0-9]+(-[a-z0-9.]+)?' \
	  --include='*.j2' --include='*.vue' --include='*.py' $$src/server/templates $$src/widgets $$src/components $$src/lab | sed -E 's/^[^/]*\///' | sort -u) $$fa"; \
	tmp=$$(mktemp -d); for pkg in $$pkgs; do \
	  echo "solara asset: $$pkg"; (cd $$tmp && npm pack --silent "$$pkg" >/dev/null); \
	  rm -rf $(dir $@)$$pkg; mkdir -p $(dir $@)$$pkg; tar xzf $$tmp/*.tgz -C $(dir $@)$$pkg --strip-components=1; rm -f $$tmp/*.tgz; \
	done; rm -rf $$tmp; \
	plotly=$$($(PY) -c 'from sim.app.widget import PLOTLY_PACKAGE as p; print(p)'); \
	mkdir -p $(dir $@)$$plotly; cp "$$($(PY) -c 'import plotly, pathlib; print(pathlib.Path(plotly.__file__).parent)')/package_data/plotly.min.js" $(dir $@)$$plotly/; \
	touch $@

app: $(STAMP) $(ASSETS)  ## the teaching page (sim/app/, solara under uvicorn: sim/app/serve.py) at http://127.0.0.1:8765 (PORT=...)
	SOLARA_TELEMETRY_MIXPANEL_ENABLE=false $(PY) -m sim.app.serve --host 127.0.0.1 --port $(or $(PORT),8765)

lint: $(STAMP)  ## ruff check and format check
	$(VENV)/bin/ruff check sim tests experiments
	$(VENV)/bin/ruff format --check sim tests experiments

format: $(STAMP)  ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix sim tests experiments
	$(VENV)/bin/ruff format sim tests experiments

clean:  ## remove the environment and outputs
	rm -rf $(VENV) outputs multirun .pytest_cache .ruff_cache
