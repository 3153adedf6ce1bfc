# keras-dl: every target sets itself up (virtualenv + `pip install -e .[dev]`) before doing its job.
# The install runs again only when setup.cfg or pyproject.toml change (stamp file). pip does
# not byte-compile what it installs (--no-compile: Python compiles each module it imports, once);
# compiling all of TensorFlow, JAX and torch doubled each install (89 s against 42 s).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.keras-dl-installed
RUN_STAMP := $(VENV)/.keras-dl-run-installed
# The other backends each get a virtualenv of their own (the same install, plus the backend).
# torch is pinned: pip takes 2.13.0's CPU build from disk here, where an unpinned torch pulls
# a CUDA build of several GB.
JAX_VENV   ?= .venv-jax
TORCH_VENV ?= .venv-torch
TORCH_PIN  ?= torch==2.13.0
# The suites run on one pytest-xdist worker per core (on our 2 cores: make test 6 min against
# 8.5-10 serially); the tests that share a recipe's quick run stay on one worker (loadgroup).
# TEST_WORKERS=0 runs them in this process, as a plain `pytest` does.
TEST_WORKERS ?= auto
PYTEST_ARGS := -n $(TEST_WORKERS) --dist loadgroup
RUNS   ?=
METRIC ?= val_loss
SMOOTH ?= 0
SEEDS  ?= 3
# Worker processes for the members of reproduce, sweep and check-book (auto: one per core,
# as memory allows); 1 runs them one after another in one process.
JOBS   ?= 1
OUT    ?= runs/compare/compare-$(shell date +%Y%m%d-%H%M%S).png

.DEFAULT_GOAL := help
.PHONY: help setup recipe reproduce sweep report list compare test test-jax test-torch test-slow lint bench check-book notebooks test-notebooks docs test-ray test-wheel clean

help: ## show this help
	@echo "keras-dl: Deep Learning with Python recipes on Keras 3"
	@echo
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo
	@echo "  e.g.  make recipe NAME=digits ARGS='--epochs 10 --seed 1'"
	@echo "        make reproduce NAME=reuters SEEDS=5 ARGS='--bottleneck'"
	@echo "        make compare RUNS='runs/digits/20261123-101500 runs/digits/20261123-101620'"

# Running recipes needs keras-dl alone; the tests, lint and benchmarks need its dev extras
# too (pytest, ruff, hypothesis...), which a learner who only runs recipes never installs.
$(RUN_STAMP): setup.cfg pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "keras-dl needs Python 3.10 or newer; run make PYTHON=python3.11 ...")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade --quiet pip
	$(PY) -m pip install --no-compile -e .
	@touch $(RUN_STAMP)

$(STAMP): setup.cfg pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "keras-dl needs Python 3.10 or newer; run make PYTHON=python3.11 ...")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade --quiet pip
	$(PY) -m pip install --no-compile -e '.[dev]'
	@touch $(STAMP) $(RUN_STAMP)

$(JAX_VENV)/.keras-dl-installed: setup.cfg pyproject.toml
	@test -x $(JAX_VENV)/bin/python || $(PYTHON) -m venv $(JAX_VENV)
	$(JAX_VENV)/bin/python -m pip install --upgrade --quiet pip
	$(JAX_VENV)/bin/python -m pip install --no-compile -e '.[dev,jax]'
	@touch $@

$(TORCH_VENV)/.keras-dl-installed: setup.cfg pyproject.toml
	@test -x $(TORCH_VENV)/bin/python || $(PYTHON) -m venv $(TORCH_VENV)
	$(TORCH_VENV)/bin/python -m pip install --upgrade --quiet pip
	$(TORCH_VENV)/bin/python -m pip install --no-compile '$(TORCH_PIN)' -e '.[dev,torch]'
	@touch $@

# Notebooks and the documentation site need their own extras beside the dev ones.
EXTRAS_STAMP := $(VENV)/.keras-dl-extras-installed
$(EXTRAS_STAMP): $(STAMP)
	$(PY) -m pip install --no-compile -e '.[dev,notebooks,docs,ray]'
	@touch $@

setup: $(STAMP) ## create .venv and install keras-dl with its dev extras (recipes alone: make list)

recipe: $(RUN_STAMP) ## run one recipe: make recipe NAME=digits [ARGS='--quick']
	@test -n "$(NAME)" || { echo "usage: make recipe NAME=<name> [ARGS='...']; see: make list"; exit 2; }
	$(PY) -m keras_dl run $(NAME) $(ARGS)

reproduce: $(RUN_STAMP) ## one recipe over seeds: make reproduce NAME=reuters SEEDS=5|3,7,11 [ARGS=...]
	@test -n "$(NAME)" || { echo "usage: make reproduce NAME=<name> [SEEDS=5] [ARGS='...']; see: make list"; exit 2; }
	$(PY) -m keras_dl reproduce $(NAME) --seeds $(SEEDS) --jobs $(JOBS) $(ARGS)

sweep: $(RUN_STAMP) ## one recipe over a grid: make sweep NAME=digits GRID="epochs=5,10 batch-size=32,128" [ARGS=...]
	@test -n "$(NAME)" -a -n "$(GRID)" || { echo 'usage: make sweep NAME=<name> GRID="epochs=5,10 batch-size=32,128" [ARGS="--quick"]; see: make list'; exit 2; }
	$(PY) -m keras_dl sweep $(NAME) $(foreach point,$(GRID),--grid $(point)) --jobs $(JOBS) $(ARGS)

report: $(RUN_STAMP) ## one static page of every run: runs/index.html (make report RUNS_DIR=runs)
	$(PY) -m keras_dl report $(or $(RUNS_DIR),runs)

list: $(RUN_STAMP) ## list the recipes with one-line descriptions
	@$(PY) -m keras_dl list

compare: $(RUN_STAMP) ## overlay runs or seed groups: make compare RUNS="dir1 dir2" [METRIC=val_loss SMOOTH=0.9 ARGS=--no-group]
	@test -n "$(RUNS)" || { echo 'usage: make compare RUNS="runs/<recipe>/<run> runs/<recipe>/reproduce-<stamp>" [METRIC=val_accuracy] [ARGS="--band std"]'; exit 2; }
	$(PY) -m keras_dl compare $(RUNS) --metric $(METRIC) --smooth $(SMOOTH) --out $(OUT) $(ARGS)

test: $(STAMP) ## run the test suite (fast checks; slow real-data checks are marked and skipped)
	$(PY) -m pytest $(PYTEST_ARGS)

test-jax: $(JAX_VENV)/.keras-dl-installed ## the test suite on the JAX backend (its own .venv-jax)
	KERAS_BACKEND=jax $(JAX_VENV)/bin/python -m pytest $(PYTEST_ARGS)

test-torch: $(TORCH_VENV)/.keras-dl-installed ## the test suite on the PyTorch backend (.venv-torch, torch 2.13.0)
	KERAS_BACKEND=torch $(TORCH_VENV)/bin/python -m pytest $(PYTEST_ARGS)

test-slow: $(STAMP) ## run only the slow, full-settings checks
	$(PY) -m pytest -m slow $(PYTEST_ARGS)

lint: $(STAMP) ## ruff
	$(PY) -m ruff check keras_dl recipes tests bench tools conftest.py

bench: $(STAMP) $(JAX_VENV)/.keras-dl-installed $(TORCH_VENV)/.keras-dl-installed ## speed: keras_dl vs the book's code, on TensorFlow, JAX and torch
	$(PY) bench/speed.py --interpreter jax=$(JAX_VENV)/bin/python --interpreter torch=$(TORCH_VENV)/bin/python $(ARGS)

check-book: $(STAMP) ## every recipe over seeds, judged against the book; writes bench/results/book.md
	$(PY) bench/check_book.py --jobs $(JOBS)

notebooks: $(EXTRAS_STAMP) ## notebooks/NAME.ipynb for every recipe, generated from its script (never edit them)
	$(PY) -m keras_dl notebook --all --out notebooks

test-notebooks: $(EXTRAS_STAMP) ## execute every notebook top to bottom at --quick size (fails on any error)
	$(PY) -m keras_dl notebook --all --check --out notebooks
	$(PY) tools/run_notebooks.py notebooks --argv=--quick

docs: $(EXTRAS_STAMP) ## the documentation site, site/index.html (mkdocs-material; warnings are errors)
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --site-dir site

test-ray: $(EXTRAS_STAMP) ## members as Ray tasks on a local Ray instance (TensorFlow)
	$(PY) -m pytest -m ray

test-wheel: $(STAMP) ## build the wheel, install it into a fresh virtualenv, run list and a --quick recipe from an empty folder
	bash tools/test_wheel.sh $(PY)

clean: ## remove the virtualenv and caches (runs/ is kept)
	rm -rf $(VENV) $(JAX_VENV) $(TORCH_VENV) *.egg-info .pytest_cache .ruff_cache .hypothesis build dist site
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
