# Two commands: `make run` (build the warehouse from the bundled data) and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# The offline defaults of Prefect and Great Expectations are defined once, in flows/offline.py: every Python entry
# point applies them (the CLI, the tests' conftest, the benchmarks). Only pip's setting stays here: pip runs before
# the project's Python exists.
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test test-all report browser lint bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

# After a run, the publication is written again when the warehouse is newer than it (a night with nothing changed
# only points to it).
WAREHOUSE := $(or $(OBSERVATOIRE_HOME),.)/warehouse/observatoire.duckdb
PUBLICATION := reports/out/diagnostic.html

run: $(STAMP)
	$(VENV)/bin/observatoire run
	@if [ ! -f $(PUBLICATION) ] || [ $(WAREHOUSE) -nt $(PUBLICATION) ]; then $(MAKE) --no-print-directory report; fi
	@echo "publication: $(PUBLICATION) (portraits: reports/out/portraits/index.html)"

report: $(STAMP)
	$(VENV)/bin/observatoire report
	$(VENV)/bin/observatoire portrait --grouping bassin_minier

# Headless Chromium + chromedriver (Debian packages) for the browser test; skipped when already there or no apt.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && exit 0; \
	if command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	else echo "no apt-get: install Chromium and chromedriver by hand for tests/test_browser.py" >&2; fi

# The default set (383 tests, 7.7 min on 2 cores, 2026-12-06): everything but the tests marked slow. CI runs them all (test-all).
test: $(STAMP)
	$(PY) -m pytest -m "not slow"

test-all: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	$(PY) benchmarks/bench_build.py
	$(PY) benchmarks/measure.py

clean:
	rm -rf landing warehouse/*.duckdb warehouse/*.duckdb.tmp warehouse/store .prefect reports/out exports
