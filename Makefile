# The two commands: `make sandbox` (run the demo shop) and `make test` (run the whole suite).
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) sandbox/manage.py

.PHONY: venv sandbox sandbox-setup test oscar-suite lint bench messages clean

$(VENV)/.installed: setup.cfg pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Need $(PYTHON) (set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,sandbox,postgres,redis,oscar-suite]"
	touch $@

venv: $(VENV)/.installed

sandbox-setup: venv
	$(MANAGE) migrate --noinput -v0
	$(MANAGE) sandbox_site
	$(MANAGE) load_backorder_demo
	$(MANAGE) load_supply_demo
	$(MANAGE) update_index -v0
	$(MANAGE) sandbox_admin

## Set up and run the sandbox shop on http://127.0.0.1:8000 (SANDBOX_HOST=host:port to change it)
## with a Celery worker and beat; the Site is set to that host, so emails link there.
sandbox: sandbox-setup
	$(PY) sandbox/run.py

## Set up and run the whole test suite (what .ci/run calls): SQLite, then a throwaway
## PostgreSQL + Redis started and stopped by tests/run_suite.py, then django-oscar's own suite
## with the plugin installed (as make oscar-suite; only when no ARGS are given).
## Extra pytest args for the project's suite: ARGS="-x".
test: venv
	$(PY) tests/run_suite.py $(ARGS)

## django-oscar's own test suite with the plugin installed exactly as README says (on a throwaway
## PostgreSQL). OSCAR_TESTS: the tests/ folder of a django-oscar checkout (default: the copy in
## ../shared/oscar-tests/tests). OSCAR_SUITE_ARGS="--plain" runs plain Oscar for the baseline,
## "--sqlite" runs on SQLite; pytest args go after "--".
OSCAR_TESTS ?= $(abspath ../shared/oscar-tests/tests)
oscar-suite: venv
	$(PY) tests/integrator/run_oscar_suite.py $(OSCAR_SUITE_ARGS) $(OSCAR_TESTS)

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

## Update the message catalogues (nl, zh_Hans, id) from the code and compile them (GNU gettext).
MESSAGES_ENV := cd oscar_backorders && DJANGO_SETTINGS_MODULE=tests.settings PYTHONPATH=$(CURDIR):$(CURDIR)/sandbox
messages: venv
	$(MESSAGES_ENV) $(abspath $(PY)) -m django makemessages -l nl -l zh_Hans -l id \
		--no-obsolete --add-location file \
		--ignore "templates/oscar/communication/emails/commtype_order_placed_body.*"
	$(MESSAGES_ENV) $(abspath $(PY)) -m django compilemessages

## Placement throughput and per-page query counts, plugin versus plain Oscar.
bench: venv
	$(PY) bench/query_counts.py
	$(PY) bench/placement_throughput.py
	$(PY) bench/estimates.py

clean:
	rm -rf $(VENV) sandbox/db.sqlite3 sandbox/var var
