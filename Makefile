VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
STAMP := $(VENV)/.installed
# Test processes: most tests wait on real Controllers, Agents and databases, so two workers pay even on 2 cores.
TEST_WORKERS ?= 2

.PHONY: run test lint bench fuzz chaos clean screenshots

$(STAMP): pyproject.toml uv.lock
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check 'uv>=0.13,<0.14'
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --locked --inexact --quiet
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/stellwerk standalone --data stellwerk-data --http --deploy examples

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache --quiet 2>/dev/null || $(BIN)/lint-imports --no-cache

test: lint
	-sh scripts/ensure-databases.sh
	-sh scripts/ensure-chromium.sh
	$(BIN)/pytest -n $(TEST_WORKERS)

# schemathesis over the whole API with 500 cases per operation, then the fuzz tests of the workflow decoder,
# the expressions and the journal, which `make test` runs lightly, 20 times harder (1-2 minutes a file).
FUZZ_TESTS := tests/inventory/test_never_raises.py tests/expr/test_fuzz.py tests/journal/test_fuzz.py
FUZZ_SCALE ?= 20

fuzz: $(STAMP)
	STELLWERK_FUZZ_EXAMPLES=500 $(BIN)/pytest tests/cockpit/api/test_fuzz.py
	STELLWERK_FUZZ_SCALE=$(FUZZ_SCALE) $(BIN)/pytest --timeout=1800 $(FUZZ_TESTS)

# Faults against a whole system under load (not in CI; tests/chaos runs each fault once in `make test`).
chaos: $(STAMP)
	$(BIN)/python bench/chaos.py $(CHAOS_ARGS)

bench: $(STAMP)
	for script in $(filter-out bench/_%,$(wildcard bench/*.py)); do $(BIN)/python $$script $(BENCH_ARGS) || exit 1; done

screenshots: $(STAMP)
	-sh scripts/ensure-chromium.sh
	STELLWERK_SCREENSHOTS=docs/screenshots $(BIN)/pytest -p no:cacheprovider tests/e2e/browser/test_screenshots.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
