# normbench: `make run` for the study, `make test` for the checks CI runs.
#
#   make run                          # default study (config/config.yaml) -> reports/report.html
#   make run CONFIG=config/quick.yaml # another study
#   make quick                        # first look in a few minutes
#   make test                         # lint, format check, import layers, snakemake --lint, pytest
#   make clean                        # remove generated results, logs, the report and its figures
#   make lock                         # re-resolve requirements/lock.txt (UPGRADE=1: newest releases)

CORES ?= 2
CONFIG ?=
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every distribution `make setup` installs, exact versions with their hashes, resolved for
# CPython $(LOCK_PYTHON) on Linux x86_64 (manylinux_2_28) by `make lock`.
LOCK := requirements/lock.txt
LOCK_PYTHON := 3.11
LOCK_PLATFORM := x86_64-manylinux_2_28
# The resolver `make lock` runs, in a virtual environment of its own (not the study's).
LOCK_TOOLS := build/lock-tools
UV_VERSION := 0.13.9
# numba's on-disk cache of the solvers' kernels, filled once here so that no study compiles
KERNELS_WARM := $(VENV)/.kernels-warm
KERNELS := $(wildcard src/normbench/models/kernels/*.py)

CONFIG_OPTION := $(if $(CONFIG),--configfile $(CONFIG),)

.PHONY: run quick test clean setup browser lock

# One shared set-up: a virtual environment with exactly the locked distributions (every hash
# checked; pip refuses a file or a dependency the lock does not name), then the package itself,
# editable and without dependencies, built by the locked setuptools (no build isolation, so no
# unhashed download). Redone when the lock or pyproject.toml changes; the stamp holds the lock's
# sha256, which tests/test_environment.py reads to know that this environment came from the lock.
$(STAMP): $(LOCK) pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -c 'import sys; v = "%d.%d" % sys.version_info[:2]; \
		sys.exit(None if v == "$(LOCK_PYTHON)" else \
		f"$(LOCK) is for Python $(LOCK_PYTHON), $(VENV) has {v}: remove $(VENV) and run make with PYTHON=python$(LOCK_PYTHON)")'
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	sha256sum $(LOCK) > $(STAMP)

# Compile every solver kernel into numba's on-disk cache (__pycache__ beside the kernels, or
# NUMBA_CACHE_DIR), with the signatures the study uses: about 40 s of CPU once, redone when a
# kernel changes. A study then loads them instead of compiling inside its first fits.
$(KERNELS_WARM): $(STAMP) $(KERNELS)
	$(BIN)/python -m normbench.models.warm
	touch $(KERNELS_WARM)

setup: $(KERNELS_WARM)

# Re-resolve the lock from pyproject.toml (its dependencies, the test extra) and the build
# requirements (requirements/build.in), keeping the current pins where they still fit;
# UPGRADE=1 takes the newest releases instead. Then `make setup` installs it.
lock:
	test -x $(LOCK_TOOLS)/bin/uv || { $(PYTHON) -m venv $(LOCK_TOOLS) \
		&& $(LOCK_TOOLS)/bin/python -m pip install --quiet uv==$(UV_VERSION); }
	$(LOCK_TOOLS)/bin/uv pip compile --quiet pyproject.toml requirements/build.in --extra test \
		--generate-hashes --python-version $(LOCK_PYTHON) --python-platform $(LOCK_PLATFORM) \
		$(if $(UPGRADE),--upgrade,) --output-file $(LOCK)
	{ echo "# normbench's locked environment: CPython $(LOCK_PYTHON) on Linux x86_64 ($(LOCK_PLATFORM))."; \
	  echo "# \`make setup\` installs exactly these (pip --require-hashes); \`make lock\` regenerates it."; \
	  cat $(LOCK); } > $(LOCK).tmp && mv $(LOCK).tmp $(LOCK)

# --rerun-incomplete: a job stopped by Ctrl-C (or a killed node) is simply run again; safe, since
# every output is written atomically and deterministically (the same inputs give the same bytes).
run: $(KERNELS_WARM)
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

test: $(KERNELS_WARM) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/snakemake --lint $(CONFIG_OPTION)
	$(BIN)/pytest

clean:
	rm -rf results logs reports/report.html reports/figures .snakemake
