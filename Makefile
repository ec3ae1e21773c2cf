# One command each to set up, demo, test, lint and benchmark. See README.md.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PYTHON3 ?= python3
# The torch pin is declared once, in grader/pins.py.
TORCH_VERSION := $(shell sed -n 's/^TORCH_VERSION = "\(.*\)"$$/\1/p' grader/pins.py)

.PHONY: setup demo test test-all lint docker bench clean validate-seeds

setup: $(VENV)/.installed

# torch is installed first and pinned: the local CPU wheel. An unpinned torch pulls a CUDA build.
$(VENV)/.installed: pyproject.toml grader/pins.py
	$(PYTHON3) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==$(TORCH_VERSION)
	$(PIP) install --quiet -e ".[test]"
	touch $@

# Grade a sample candidate's submission (a folder, one file per exercise) and print the table.
demo: setup
	$(VENV)/bin/grader grade examples/candidate --sandbox auto --junit out/demo.xml --json out/demo.json

# The project's tests. Docker tests run when an engine and the sandbox image are there
# (make docker); GRADER_REQUIRE_DOCKER=1 turns their skip into a failure, as in CI.
test: setup
	$(VENV)/bin/pytest

# Also the long fuzzing run (10,000 examples) and other slow tests.
test-all: setup
	$(VENV)/bin/pytest -m ""

# The whole bank, every claim of grader validate on 5 distinct seeds (a flaky wrong variant fails).
validate-seeds: setup
	$(VENV)/bin/grader validate --seeds 5 --sandbox process

lint: setup
	$(VENV)/bin/ruff check grader tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# A Docker engine, a base image (local, when no registry answers) and the sandbox image.
docker: setup
	PYTHON=$(PY) bash scripts/ci-provision.sh

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) out tests/output .pytest_cache
