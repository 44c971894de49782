# golive: two commands on a fresh machine.
#   make demo   the full gate against the embedded demo target (sets itself up)
#   make test   golive's own tests (sets itself up; .ci/run calls exactly this)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: demo test system-deps lint bench clean seed-coverage

$(VENV): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(VENV)

system-deps:
	bash scripts/system-deps.sh

demo: $(VENV)
	$(VENV)/bin/golive demo

test: $(VENV) system-deps
	PY=$(PY) bash scripts/install-allure.sh
	$(PY) -m pytest tests -n 2 --dist loadgroup -p no:locust -p no:cacheprovider -q $(TEST_ARGS)

seed-coverage: $(VENV)
	$(PY) scripts/seed_coverage.py

# every bench, then one table (figure, target, measured, ok); BENCH_ARGS=--quick for a first look
bench: $(VENV) system-deps
	$(PY) bench/run_all.py $(BENCH_ARGS)

lint: $(VENV)
	$(VENV)/bin/ruff check golive checks tests load bench

clean:
	rm -rf $(VENV) reports/allure-results reports/*.json reports/*.md reports/*.xml .golive
