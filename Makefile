# Labour-mobility scenarios: the analysis as a DAG.
#
#   make reports   venv -> raw data -> processed tables -> report matrix (reports.yml)
#                  -> the out-of-date reports (ipynb + HTML), on warm worker processes -> reports/index.html
#   make test      venv -> raw data -> processed tables -> pytest (unit tests + nbval)
#
# Every target is a real file, so a second run does no work.  A failed step
# leaves no up-to-date-looking target (.DELETE_ON_ERROR and temporary files);
# a failed report keeps the previous good one.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules
# Reports build in parallel, one job per core unless `-j` is given.
# (A sub-make, such as the one `make data` starts, shares its parent's jobs.)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
ifeq ($(MAKELEVEL),0)
ifeq ($(filter -j% --jobs%,$(MAKEFLAGS)),)
MAKEFLAGS += --jobs=$(JOBS)
endif
endif
# The job count Make runs with (`-jN`, `--jobs=N` or JOBS): the report workers, one per job.
MAKE_JOBS = $(or $(lastword $(patsubst --jobs=%,%,$(patsubst -j%,%,$(filter -j% --jobs=%,$(MAKEFLAGS))))),$(JOBS))
# Parallel jobs print whole, one target at a time; not for `make lab`, whose server must print its URL at once.
ifeq ($(filter lab,$(MAKECMDGOALS)),)
MAKEFLAGS += --output-sync=target
endif

PYTHON_BOOT ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KERNEL := labour-mobility
INSTALLED := $(VENV)/.installed
RAW_MANIFEST := data/raw/MANIFEST.json
PROCESSED_MANIFEST := data/processed/manifest.json

# What each stage reads, derived from the package's folders: rebuilding happens
# only when one of these changes.
CORE_FILES := analysis/paths.py analysis/errors.py
FETCH_INPUTS := analysis/data/sources.yml analysis/data/sources.py analysis/data/tables.py $(CORE_FILES)
BUILD_INPUTS := $(sort $(wildcard analysis/data/*.py analysis/data/*.yml analysis/data/*.csv) $(CORE_FILES))
PACKAGE_FILES := $(sort $(shell find analysis -type f \( -name '*.py' -o -name '*.yml' -o -name '*.csv' -o -name '*.md' \) -not -path '*/__pycache__/*'))
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))

# The report matrix (reports.yml) becomes REPORT_RUNS and per-report prerequisites
# (notebook and parameter file).  Only read when reports are asked for, so that
# `make help` or `make test` never need it.
ifneq ($(filter reports reports/%,$(MAKECMDGOALS)),)
-include reports/.matrix.mk
endif
REPORT_HTML := $(REPORT_RUNS:%=reports/%.html)

.PHONY: help install data reports test lab clean distclean lock benchmark notebooks FORCE

help: ## show this help
	@echo "Labour-mobility scenarios. Main commands:"
	@echo "  make reports   build everything and write reports/<name>.html"
	@echo "  make test      run the unit tests and nbval on the committed notebooks"
	@echo
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-11s %s\n", $$1, $$2}'
	@echo
	@echo "Without internet, set LMS_DATA_MIRROR to a folder laid out like shared/data."

install: $(INSTALLED) ## create .venv, install the package (pinned) and register the Jupyter kernel

# The editable install and the kernelspec hold absolute paths: a copied or moved checkout would run the
# original's code (or fail once it is gone).  Checked whenever .venv exists (one Python start, isolated
# so that the package is imported as kernels and scripts import it); a stale one is re-registered here.
ifneq ($(wildcard $(INSTALLED)),)
ENV_PROBLEM := $(shell $(PY) -I -m analysis.environment --root "$(CURDIR)" 2>&1 | tail -n 1)
ifneq ($(strip $(ENV_PROBLEM)),)
$(info $(ENV_PROBLEM))
$(shell $(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e . >/dev/null 2>&1 && \
  $(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (labour-mobility)" >/dev/null 2>&1)
ifneq ($(strip $(shell $(PY) -I -m analysis.environment --root "$(CURDIR)" 2>&1 | tail -n 1)),)
$(error the environment still points elsewhere after re-registering: remove .venv (rm -rf .venv) and run make again)
endif
$(info re-registered the package and the $(KERNEL) kernel with this checkout)
endif
endif

# Python caches compiled bytecode beside each module, unless PYTHONDONTWRITEBYTECODE is set (as on the project's
# machines).  Then every process, kernel and test worker compiles pandas, NumPy and the package again: 5.5 s against
# 1.8 s to import pandas, pyarrow, Matplotlib, SciPy and statsmodels.  Make's commands therefore cache it (in .venv
# and in __pycache__ folders, which git ignores), each module once, when first imported; compiling all 1.3 GB of
# packages at install (`uv pip install --compile-bytecode`) took 13 s more.
unexport PYTHONDONTWRITEBYTECODE

# uv (pinned) installs the pinned packages about ten times faster than pip: 4 s against 42-55 s for the whole
# set, downloads included, on the project's machine.  pip installs uv itself, and takes over if uv fails.
UV_VERSION := 0.13.9
UV := $(VENV)/bin/uv
$(INSTALLED): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	@$(UV) --version 2>/dev/null | grep -q " $(UV_VERSION)" || \
	  $(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(UV) pip install --quiet --python $(PY) -c constraints.txt -e '.[test]' || \
	  $(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (labour-mobility)" >/dev/null
	@touch $@

# Make compares modification times only: a raw file or processed table deleted or
# corrupted after its manifest was written would look up to date.  `verify --remove`
# checks every file against its SHA-256 first and removes what is missing or
# corrupt together with the manifest vouching for it, so that Make redoes it.
data: | $(INSTALLED) ## fetch and verify the raw files, then build data/processed (anything missing or corrupt is redone)
	$(PY) -m analysis verify --remove
	@$(MAKE) --no-print-directory $(PROCESSED_MANIFEST)

# Each manifest also depends on the files it vouches for: one written after it
# (edited or replaced) makes every goal fetch or rebuild, not only `make data`.
RAW_FILES := $(wildcard data/raw/*/*)
PROCESSED_TABLES := $(wildcard data/processed/*.parquet)

$(RAW_MANIFEST): $(FETCH_INPUTS) $(RAW_FILES) | $(INSTALLED)
	$(PY) -m analysis fetch

$(PROCESSED_MANIFEST): $(RAW_MANIFEST) $(BUILD_INPUTS) $(INSTALLED) $(PROCESSED_TABLES)
	$(PY) -m analysis build

# A failed report keeps its previous HTML and its one-line reason in reports/.failed/NAME.txt;
# the index is still rebuilt (marking it), and `make reports` then fails naming it.
reports: reports/index.html reports/methods.html ## every report of reports.yml (ipynb + HTML), reports/index.html and reports/methods.html
	@failed=$$(ls reports/.failed 2>/dev/null | sed -n 's/\.txt$$//p' | tr '\n' ' ' || true); \
	if [ -n "$$failed" ]; then echo "error: reports failed (marked in reports/index.html): $$failed" >&2; exit 1; fi

reports/.matrix.mk: reports.yml analysis/report/matrix.py $(NOTEBOOKS) $(PROCESSED_MANIFEST) | $(INSTALLED)
	$(PY) -m analysis matrix

# Make decides which reports are out of date: a report whose HTML is older than the data, the package,
# its notebook, its parameter file or a file its parameters name.  Its rule only notes its name (in
# OUTDATED, and in reports/.outdated, at once, inside Make); all of them are then built by ONE command,
# `python -m analysis report NAME...`, on one worker process per job, each keeping a warm kernel.
OUTDATED :=
reports/%.html: $(PROCESSED_MANIFEST) $(PACKAGE_FILES) $(INSTALLED)
	$(eval OUTDATED += $*)$(file >reports/.outdated,$(strip $(OUTDATED)))

# Remade after every report rule (FORCE), so that Make reads its time afresh: newer than the index
# whenever a report is out of date.
reports/.outdated: $(REPORT_HTML) FORCE
	@touch -a $@

# Each report goes through temporary files; one that fails keeps the previous report, leaves its
# notebook and one-line reason in reports/.failed/ and prints that line.  The failure is ignored here
# (`-`) so that the index is still rebuilt (marking it); the next `make reports` retries the report,
# and `reports` itself fails.
reports/index.html: reports/.outdated reports/.matrix.mk
	$(if $(strip $(OUTDATED)),-$(PY) -m analysis report --jobs $(MAKE_JOBS) $(strip $(OUTDATED)))
	$(PY) -m analysis site

# The methods page: docs/methods.md with its tables computed from the data (validation, models, sources).
reports/methods.html: docs/methods.md $(PROCESSED_MANIFEST) $(PACKAGE_FILES) $(INSTALLED)
	$(PY) -m analysis methods

# Tests run on one worker per core (pytest-xdist); --dist loadfile keeps a file, and a notebook's cells, on one worker.
TEST_JOBS ?= $(JOBS)
test: data $(INSTALLED) ## unit tests and nbval on the committed notebooks
	$(PY) -m pytest -n $(TEST_JOBS) --dist loadfile

# JupyterLab at the repository root, new notebooks on the project kernel; `make lab LAB_IP=0.0.0.0 LAB_PORT=8890`
# to serve another interface or port. Jupyter refuses root without --allow-root, so it is added for root only.
LAB_PORT ?= 8888
LAB_IP ?= localhost
JUPYTER ?= $(VENV)/bin/jupyter
lab: $(PROCESSED_MANIFEST) $(INSTALLED) ## JupyterLab at the repository root on the project kernel (LAB_PORT, LAB_IP)
	$(JUPYTER) lab --notebook-dir=. --ip=$(LAB_IP) --port=$(LAB_PORT) \
	  --MappingKernelManager.default_kernel_name=$(KERNEL) $$(if [ "$$(id -u)" -eq 0 ]; then echo --allow-root; fi)

benchmark: $(PROCESSED_MANIFEST) $(INSTALLED) ## time the engine, the replacement-migration solver, the partnership dataset, the education data and probabilistic projections
	$(PY) benchmarks/bench_partnerships.py
	$(PY) benchmarks/bench_projection.py
	$(PY) benchmarks/bench_replacement.py
	$(PY) benchmarks/bench_education.py
	$(PY) benchmarks/bench_trajectories.py

notebooks: $(PROCESSED_MANIFEST) $(INSTALLED) ## re-execute the committed notebooks in place (their default parameters), for nbval
	for notebook in $(NOTEBOOKS); do \
	  $(VENV)/bin/jupyter nbconvert --log-level=WARN --to notebook --execute --inplace \
	    --ExecutePreprocessor.kernel_name=$(KERNEL) --ExecutePreprocessor.timeout=600 "$$notebook"; \
	done

clean: ## remove reports (ad hoc ones in reports/custom too), processed tables and cached trajectory runs (raw files and .venv stay)
	rm -rf reports/*.ipynb reports/*.html reports/screenshots reports/custom .pytest_cache .hypothesis
	find reports -mindepth 1 -maxdepth 1 -name '.*' ! -name .gitkeep -exec rm -rf {} +
	find data/processed -mindepth 1 ! -name .gitkeep -delete
	rm -rf data/cache
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +

distclean: clean ## also remove the raw files and .venv
	find data/raw -mindepth 1 ! -name .gitkeep -delete
	rm -rf $(VENV)

lock: ## re-resolve dependencies from pyproject.toml in a scratch venv and rewrite constraints.txt
	rm -rf .lock-venv && $(PYTHON_BOOT) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -e '.[test]'
	{ echo "# Exact versions of every package (transitive too), so outputs do not drift."; \
	  echo "# Regenerate with \`make lock\` after changing dependencies in pyproject.toml."; \
	  .lock-venv/bin/pip freeze --exclude-editable | grep -v '^-e'; } > constraints.txt.tmp
	mv constraints.txt.tmp constraints.txt && rm -rf .lock-venv

# A parameter file deleted by hand is rewritten with the others.
reports/.params/%.json:
	$(PY) -m analysis matrix
