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
# numba's on-disk cache of the solvers' kernels, filled once here so that no study compiles
KERNELS_WARM := $(VENV)/.kernels-warm
KERNELS := $(wildcard src/normbench/models/kernels/*.py)

CONFIG_OPTION := $(if $(CONFIG),--configfile $(CONFIG),)

.PHONY: run quick test clean setup browser

# One shared set-up: a virtual environment with the package (editable) and the test tools,
# redone when pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Compile every solver kernel into numba's on-disk cache (__pycache__ beside the kernels, or
# NUMBA_CACHE_DIR), with the signatures the study uses: about 40 s of CPU once, redone when a
# kernel changes. A study then loads them instead of compiling inside its first fits.
$(KERNELS_WARM): $(STAMP) $(KERNELS)
	$(BIN)/python -m normbench.models.warm
	touch $(KERNELS_WARM)

setup: $(KERNELS_WARM)

run: $(KERNELS_WARM)
	$(BIN)/snakemake --cores $(CORES) $(CONFIG_OPTION)

quick:
	$(MAKE) run CONFIG=config/quick.yaml

# The report's browser test drives Debian's chromium through chromium-driver (selenium, from
# the test extras); install them where we can (root with apt), otherwise that test is skipped
# with its reason.
browser:
	@(command -v chromium >/dev/null && command -v chromedriver >/dev/null) \
		|| (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null) \
		|| echo "chromium/chromium-driver not installed: tests/test_report_browser.py will be skipped"

test: $(KERNELS_WARM) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/snakemake --lint $(CONFIG_OPTION)
	$(BIN)/pytest

clean:
	rm -rf results logs reports/report.html .snakemake
