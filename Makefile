# The two set-up commands of the README: `make demo` (the main job) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# The main job, offline: both tasks on a handful of intents, then a summary of the logs.
demo: install
	$(BIN)/inspect eval tasks/gsm8k_multiturn.py --model scripted/assistant -T simulator=scripted \
		--limit 5 --log-dir logs/demo --display plain
	$(BIN)/python -c "from inspect_ai.analysis import samples_df; \
		df = samples_df('logs/demo'); print(df[['id', 'score_task_score']].to_string(index=False))"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# pytest exits 5 when it collected no tests: that is a failure here, not a pass.
test: lint
	$(BIN)/pytest -q; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$status
