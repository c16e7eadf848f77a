# The two commands: `make sandbox` (run the demo shop) and `make test` (run the whole suite).
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) sandbox/manage.py

.PHONY: venv sandbox sandbox-setup test lint bench messages clean

$(VENV)/.installed: setup.cfg pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Need $(PYTHON) (set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,sandbox,postgres,redis]"
	touch $@

venv: $(VENV)/.installed

sandbox-setup: venv
	$(MANAGE) migrate --noinput -v0
	$(MANAGE) load_backorder_demo
	$(MANAGE) load_supply_demo
	$(MANAGE) update_index -v0
	$(MANAGE) sandbox_admin

## Set up and run the sandbox shop on http://127.0.0.1:8000 with a Celery worker and beat.
sandbox: sandbox-setup
	$(PY) sandbox/run.py

## Set up and run the whole test suite (what .ci/run calls): SQLite, then a throwaway
## PostgreSQL + Redis started and stopped by tests/run_suite.py. Extra pytest args: ARGS="-x".
test: venv
	$(PY) tests/run_suite.py $(ARGS)

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

## Update the message catalogues (nl, zh_Hans, id) from the code and compile them (GNU gettext).
MESSAGES_ENV := cd oscar_backorders && DJANGO_SETTINGS_MODULE=tests.settings PYTHONPATH=$(CURDIR):$(CURDIR)/sandbox
messages: venv
	$(MESSAGES_ENV) $(abspath $(PY)) -m django makemessages -l nl -l zh_Hans -l id \
		--no-obsolete --add-location file \
		--ignore "templates/oscar/communication/emails/commtype_order_placed_body.txt"
	$(MESSAGES_ENV) $(abspath $(PY)) -m django compilemessages

## Placement throughput and per-page query counts, plugin versus plain Oscar.
bench: venv
	$(PY) bench/query_counts.py
	$(PY) bench/placement_throughput.py
	$(PY) bench/estimates.py

clean:
	rm -rf $(VENV) sandbox/db.sqlite3 sandbox/var var
