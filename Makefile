# Quick start: `make run` (sample cycle into out/) and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
LOCKVENV := .venv-lock

.PHONY: setup system run test bench clean lock

setup: system $(STAMP)

system:
	@bash scripts/install-system.sh

# Exact versions with their hashes from requirements.lock, then the project itself without resolving again.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --require-hashes -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	@touch $(STAMP)

# Refresh requirements.lock to the newest versions pyproject.toml allows (pip-tools in a venv of its own).
lock:
	@test -x $(LOCKVENV)/bin/pip-compile || (python3 -m venv $(LOCKVENV) && $(LOCKVENV)/bin/pip install -q pip-tools)
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCKVENV)/bin/pip-compile -q --upgrade --generate-hashes --extra test \
		--strip-extras --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

run: setup
	$(VENV)/bin/mailmerge run

# The linter (with import order) and the type checker first: a finding fails the test run as a test would.
test: setup
	$(VENV)/bin/ruff check src tests tools bench
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -n 2 --dist worksteal -q

BENCHES := bench.py shared_pages_pair.py pdfcheck_cost.py framewrap_cost.py bench_office.py bench_workspace.py \
           bench_send.py

# Every bench runs, whatever an earlier one says (a missed target is one line among the figures);
# the exit status is non-zero when any of them missed a target or failed.
bench: setup
	@status=0; for script in $(BENCHES); do $(PY) bench/$$script || { echo "MISS or failure: bench/$$script"; status=1; }; done; exit $$status

clean:
	rm -rf out bench/out
