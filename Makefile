# The two commands: `make run` and `make test`. Everything else is a helper for them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench venv messages clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Migrate, load demo data and users, serve admin + API (gunicorn: WEB_WORKERS × WEB_THREADS) + marketplace sandbox.
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py serve

## The whole test suite (PostgreSQL when DATABASE_URL points to one, SQLite otherwise).
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

## Benchmarks at full size; needs DATABASE_URL pointing to PostgreSQL.
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

## Recompile the Korean translation after editing locale/ko/LC_MESSAGES/django.po.
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l ko --ignore '.venv/*' --ignore 'var/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) var/*.sqlite3*
