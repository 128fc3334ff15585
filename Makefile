# Every target creates .venv and installs vitnb (editable, with the dev extra) first if needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.vitnb-installed

.PHONY: install demo test test-slow check-jupyter lint-workflows export clean-nbs readme docs test-docs

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing vitnb and its dependencies into $(VENV) (first run only; torch is large)"
	@set -o pipefail; $(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]' 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
	@touch $@

install: $(STAMP)

# The main job: train Mini-ViT on the embedded digits dataset, then evaluate the best checkpoint.
demo: $(STAMP)
	@if [ -d runs/demo ]; then echo "replacing the previous demo run in runs/demo"; rm -rf runs/demo; fi
	$(BIN)/vitnb_train --model mini_vit --dataset digits --patch-size 2 --epochs 50 --batch-size 64 --lr 2e-3 --warmup-epochs 3 --save-dir runs --run-name demo
	$(BIN)/vitnb_eval --checkpoint runs/demo/best.pth --dataset digits
	@echo "plots: runs/demo/curves.png  checkpoint: runs/demo/best.pth  config: runs/demo/config.json"

# The whole test suite: export and clean checks, then every notebook under nbdev-test.
test: $(STAMP)
	@PATH="$(abspath $(BIN)):$$PATH" bash tools/test.sh

# Also the cells marked `#| slow` (trainings of minutes).
test-slow: $(STAMP)
	@PATH="$(abspath $(BIN)):$$PATH" bash tools/test.sh --flags slow

# Notebooks in a plain Jupyter kernel without a GPU: every `#| cuda` cell skips itself with a printed reason
# (tools/check_jupyter.py says what this covers; `--all` executes every notebook).
check-jupyter: $(STAMP)
	@PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python tools/check_jupyter.py

# The GitHub Actions workflow files, checked with actionlint (installed by the dev extra).
lint-workflows: $(STAMP)
	$(BIN)/actionlint -color=false && echo "actionlint: .github/workflows/*.yaml ok"

export: $(STAMP)
	$(BIN)/nbdev-export

clean-nbs: $(STAMP)
	$(BIN)/nbdev-clean

# README.md from nbs/index.ipynb: re-run the index notebook (its results tables read nbs/results/ and nbs/bench/), then convert.
readme: $(STAMP)
	$(BIN)/nbdev-test nbs/index.ipynb --save
	$(BIN)/nbdev-clean --fname nbs/index.ipynb
	$(BIN)/python tools/build_readme.py

# The docs site in _docs/: Quarto (nbdev-docs) when `quarto` is on PATH, else the offline build (nbdev's notebook
# processing, then Sphinx + myst-nb + Furo; see tools/build_docs.py). Installs the `docs` extra first.
DOCS_STAMP := $(VENV)/.vitnb-docs-installed
$(DOCS_STAMP): $(STAMP) pyproject.toml
	@set -o pipefail; $(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev,docs]' 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
	@touch $@

docs: $(DOCS_STAMP)
	@PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python tools/build_docs.py

# Opens the built site in headless Chromium (apt-get installs Debian's chromium when missing): titles, internal
# links, images, math, search, no network; screenshots in build/docs-screenshots/.
test-docs: docs
	@$(BIN)/python tools/test_docs.py
