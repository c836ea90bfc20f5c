# normbench: `make run` for the study, `make test` for the checks CI runs.
#
#   make run                          # default study (config/config.yaml) -> reports/report.html
#   make run CONFIG=config/quick.yaml # another study
#   make quick                        # first look in a few minutes
#   make test                         # lint, format check, import layers, snakemake --lint, pytest
#   make clean                        # remove generated results, logs and the report

CORES ?= 2
CONFIG ?=
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

CONFIG_OPTION := $(if $(CONFIG),--configfile $(CONFIG),)

.PHONY: run quick test clean setup browser

# One shared set-up: a virtual environment with the package (editable) and the test tools,
# redone when pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# --rerun-incomplete: a job stopped by Ctrl-C (or a killed node) is simply run again; safe, since
# every output is written atomically and deterministically (the same inputs give the same bytes).
run: $(STAMP)
	$(BIN)/snakemake --cores $(CORES) --rerun-incomplete $(CONFIG_OPTION)

quick:
	$(MAKE) run CONFIG=config/quick.yaml

# The report's browser test drives Debian's chromium through chromium-driver (selenium, from
# the test extras); install them where we can (root with apt), otherwise that test is skipped
# with its reason.
browser:
	@(command -v chromium >/dev/null && command -v chromedriver >/dev/null) \
		|| (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null) \
		|| echo "chromium/chromium-driver not installed: tests/test_report_browser.py will be skipped"

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/snakemake --lint $(CONFIG_OPTION)
	$(BIN)/pytest

clean:
	rm -rf results logs reports/report.html .snakemake
