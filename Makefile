# The two commands: `make run` and `make test`. Everything else is a helper of theirs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test install lint translations bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile -d web/translations

run: install
	$(BIN)/cadenza db upgrade
	$(BIN)/cadenza seed-demo
	@echo ""
	@echo "  Cadenza web:     http://127.0.0.1:5000/   (log in as demo@cadenza.example / cadenza-demo)"
	@echo "  Reports (live):  http://127.0.0.1:8501/   (open from a client's workspace)"
	@echo "  Sandbox networks: http://127.0.0.1:5055/  (Facebook, Instagram, LinkedIn, X, Mastodon, Bluesky; password: sandbox)"
	@echo ""
	$(BIN)/cadenza up

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Refresh the message catalogue after changing UI text; then translate web/translations/it/LC_MESSAGES/messages.po.
extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ --no-location --sort-output -o web/translations/messages.pot .
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations --no-fuzzy-matching

bench: install
	$(BIN)/python -m bench $(BENCH)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
