# Fresh-machine entry points. `make demo` and `make test` create .venv, install
# torch (TORCH_SPEC; the default takes the pinned CPU wheel where one is on disk)
# and the package with the extras the tests need, then run.
PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
EXTRAS ?= ax,parquet,bench,dev
BIN := $(VENV)/bin

.PHONY: install demo test lint

$(BIN)/.installed: setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS)]"
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/botorch-roma design --overwrite

test: install
	$(BIN)/python -m pytest test -q

lint: install
	$(BIN)/ruff check botorch_roma test scripts
	$(BIN)/ruff format --check botorch_roma test scripts
