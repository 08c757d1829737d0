# Quick start: `make run` (sample cycle into out/) and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup system run test bench clean

setup: system $(STAMP)

system:
	@bash scripts/install-system.sh

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

run: setup
	$(VENV)/bin/mailmerge run

test: setup
	$(VENV)/bin/pytest -n 2 --dist worksteal -q

bench: setup
	$(PY) bench/bench.py
	$(PY) bench/pdfcheck_cost.py

clean:
	rm -rf out bench/out
