# Two commands: `make lab` and `make test`. Both create the virtual environment from the lock
# when it is missing or older than the lock, install this package editable and register the
# course's Jupyter kernel. GPU=1 uses a separate environment with CUDA builds (see below).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
PROFILE ?= quick
LAB_FLAGS ?=
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
PYTEST_FLAGS ?=
export TF_CPP_MIN_LOG_LEVEL := 2
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Python may write .pyc files (see WARM below), whatever the caller's environment says.
export PYTHONDONTWRITEBYTECODE :=

# CPU (default): .venv from requirements.lock (Linux x86_64 and macOS arm64).
# GPU=1: .venv-gpu from requirements-gpu.lock (Linux x86_64, NVIDIA driver >= 580): torch's
# CUDA 13 build and tensorflow[and-cuda] (CUDA 12 libraries as pip packages).
GPU ?=
ifeq ($(GPU),1)
VENV := .venv-gpu
LOCK := requirements-gpu.lock
KERNEL_NAME := gan-tutorial-gpu
KERNEL_LABEL := GAN tutorial (.venv-gpu, CUDA)
else
VENV := .venv
LOCK := requirements.lock
KERNEL_NAME := gan-tutorial
KERNEL_LABEL := GAN tutorial (.venv)
endif
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lab test unit notebooks check-repo site-check lint docs-times strip lock lock-cpu lock-gpu clean-data \
  check-fluidsynth check-gpu venv gpu-notebooks bench

venv: $(STAMP)

check-fluidsynth:
	@$(PYTHON) -c "import ctypes.util, sys; sys.exit(0 if any(ctypes.util.find_library(n) for n in ('fluidsynth', 'libfluidsynth-3', 'libfluidsynth-2')) else 1)" || { \
	  echo ""; \
	  echo "The FluidSynth library is missing; the course renders its audio with it. Install it:"; \
	  echo "  Debian/Ubuntu:    sudo apt-get install -y libfluidsynth3"; \
	  echo "  macOS (Homebrew): brew install fluid-synth"; \
	  echo "  conda:            conda install -c conda-forge fluidsynth"; \
	  echo "then run make again."; \
	  exit 1; }

# Installs with uv (pinned in the lock; tens of seconds where pip takes minutes), in two passes.
# The lock names PyTorch's wheel index (--extra-index-url) for torch, and uv stops at an index it
# cannot reach: so first every pin except torch, from PyPI; then torch from the lock's index, or,
# where that index is unreachable, from pip's find-links folders ($$PIP_FIND_LINKS), or with pip.
# --no-deps: the lock is complete (tests/test_lock.py checks it).
UV = $(BIN)/uv pip install --python $(BIN)/python --quiet --no-deps
# Bytecode: python -m gan_tutorial.warmup compiles only the modules the course imports, and
# librosa's numba kernels, in three processes side by side (its docstring says why). Python
# writes .pyc files under make (PYTHONDONTWRITEBYTECODE is emptied above), so a module the
# warm-up missed is compiled once, by the first process that imports it.
WARM = $(BIN)/python -m gan_tutorial.warmup
FIND_LINKS = $(foreach d,$(PIP_FIND_LINKS),--find-links $(d))
$(STAMP): $(LOCK) pyproject.toml | check-fluidsynth
	@$(PYTHON) -c "import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)" || { \
	  echo "Python 3.11 is required (found $$($(PYTHON) --version)). Set PYTHON=/path/to/python3.11."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$$(grep -m1 '^uv==' $(LOCK))"
	$(UV) -r <(grep -v -e '^--extra-index-url' -e '^torch==' $(LOCK))
	$(UV) -r $(LOCK) 2>/dev/null || $(UV) --no-index $(FIND_LINKS) -r <(grep '^torch==' $(LOCK)) \
	  || $(BIN)/python -m pip install --quiet --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@echo "Compiling the modules the course imports, and librosa's numba kernels (about a minute)..."
	@$(WARM) tensorflow & a=$$!; $(WARM) torch & b=$$!; $(WARM) librosa & c=$$!; \
	  wait $$a && wait $$b && wait $$c
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL_NAME) --display-name "$(KERNEL_LABEL)" >/dev/null
	-@git config --local filter.nbstripout.clean >/dev/null 2>&1 || $(BIN)/nbstripout --install >/dev/null 2>&1
	@touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(ROOT_FLAG) $(LAB_FLAGS)

# Every test: the unit tests and every notebook once (nbval). Neither touches a learner's
# work: the notebooks write under build/outputs/ ($$GAN_TUTORIAL_OUTPUTS), not notebooks/outputs/.
# In the quick profile three processes run side by side on one thread each (no thread pool
# spins while another process works): the unit tests, notebooks 00 -> 22 -> 23 -> 22c, and
# the others in order (22b -> 25 -> 26: 25 reads 22b's samples, 26 reads 25's); notebook 24,
# which reads every notebook's samples, runs last. Longer profiles run the notebooks one at a time on every core.
test: $(STAMP)
	$(MAKE) --no-print-directory $(if $(QUICK),-j3 --output-sync=target) unit nb-streams
	$(MAKE) --no-print-directory nb-last

# pytest exits 5 when PYTEST_FLAGS (say -k) selects nothing in one part; that part passes.
NOTHING_SELECTED_IS_OK = || { rc=$$?; [ $$rc -eq 5 ] && echo "(no tests selected here)" || exit $$rc; }
TEST_OUTPUTS := $(CURDIR)/build/outputs
QUICK := $(filter quick,$(PROFILE))
ONE_THREAD := $(if $(QUICK),GAN_TUTORIAL_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE)
NB_LAST := notebooks/24_evaluation.ipynb
NB_B := notebooks/00_setup_and_data.ipynb notebooks/22_audio_gan_keras.ipynb \
  notebooks/23_stability_tricks.ipynb notebooks/22c_symbolic_music_gan.ipynb
NB_A := $(filter-out $(NB_B) $(NB_LAST),$(sort $(wildcard notebooks/[0-9]*.ipynb)))
# nbval executes each notebook once; notebooks/conftest.py stores each passed notebook in the
# site's jupyter-cache (build/book/PROFILE/jupyter_cache), so `make book` runs none again.
NBVAL = GAN_TUTORIAL_PROFILE=$(PROFILE) GAN_TUTORIAL_OUTPUTS=$(TEST_OUTPUTS) $(BIN)/python -m pytest \
  --nbval-lax --nbval-current-env --nbval-cell-timeout=3000 -p no:cacheprovider --durations=10 \
  $(PYTEST_FLAGS)

# The unit tests leave out the repository checks (make check-repo) and the browser test of
# the site (make site-check); each of those has its own target.
unit: $(STAMP)
	$(ONE_THREAD) GAN_TUTORIAL_PROFILE=$(PROFILE) $(BIN)/python -m pytest tests -p no:cacheprovider \
	  -m "not repo and not site" --durations=20 $(PYTEST_FLAGS) $(NOTHING_SELECTED_IS_OK)

notebooks: $(STAMP)
	$(MAKE) --no-print-directory $(if $(QUICK),-j2 --output-sync=target) nb-streams
	$(MAKE) --no-print-directory nb-last

.PHONY: nb-streams nb-a nb-b nb-last
nb-streams: nb-a nb-b
nb-a: $(STAMP)
	$(ONE_THREAD) $(NBVAL) $(NB_A) $(NOTHING_SELECTED_IS_OK)
nb-b: $(STAMP)
	$(ONE_THREAD) $(NBVAL) $(NB_B) $(NOTHING_SELECTED_IS_OK)
nb-last: $(STAMP)
	$(NBVAL) $(NB_LAST) $(NOTHING_SELECTED_IS_OK)

# Repository checks: the locks resolve (needs PyPI; a skip says so), actionlint, `make lab`
# serves JupyterLab, Makefile dry runs. -rs prints why a check was skipped.
check-repo: $(STAMP)
	$(BIN)/python -m pytest tests -p no:cacheprovider -m repo -rs $(PYTEST_FLAGS)

# The built site (make book) in headless Chromium; it builds nothing itself.
site-check: $(STAMP)
	GAN_TUTORIAL_PROFILE=$(PROFILE) $(BIN)/python -m pytest tests/test_book.py -p no:cacheprovider \
	  -m site -rs $(PYTEST_FLAGS)

# Fails with a message unless torch sees a CUDA device; prints what both frameworks see.
check-gpu: $(STAMP)
	$(BIN)/python -c "import sys, torch; print('torch', torch.__version__, 'CUDA', torch.version.cuda, 'available:', torch.cuda.is_available()); sys.exit(0 if torch.cuda.is_available() else 'torch sees no CUDA device: check nvidia-smi (CUDA 13 builds need driver >= 580) and that GPU=1 is set')"
	$(BIN)/python -c "import tensorflow as tf; print('tensorflow', tf.__version__, 'GPUs:', tf.config.list_physical_devices('GPU'))"

# The gpu profile (larger data, longer runs) on the CUDA environment.
gpu-notebooks:
	$(MAKE) check-gpu notebooks GPU=1 PROFILE=gpu

# Times chapter 25's training step in PROFILE (python -m gan_tutorial.torch.bench; --help
# lists its flags), e.g. make bench PROFILE=laptop BENCH_FLAGS="--json bench.json --compare old.json"
BENCH_FLAGS ?=
bench: $(STAMP)
	$(BIN)/python -m gan_tutorial.torch.bench --profile $(PROFILE) $(BENCH_FLAGS)

lint: $(STAMP)
	$(BIN)/ruff check gan_tutorial tests notebooks docs book .ci
	$(BIN)/ruff format --check gan_tutorial tests docs book .ci
	$(BIN)/mypy

# The notebooks' run times live in docs/run_times.toml; this rewrites the README's and the
# instructors' guide's tables and every notebook header from it (tests/test_run_times.py checks).
docs-times: $(STAMP)
	$(BIN)/python docs/run_times.py --write

strip: $(STAMP)
	$(BIN)/nbstripout notebooks/*.ipynb

# Regenerate the locks from requirements.in / requirements-gpu.in with uv (from .venv). uv needs
# torch's wheel metadata from PyTorch's index; where that index is unreachable, point the
# resolver at a folder that holds the +cpu wheel instead:
#   make lock TORCH_SOURCE="--find-links /path/to/wheels"
# Hashes are left out: the +cpu wheel's hash can only come from PyTorch's index, and pip's
# hash-checking mode is all or nothing.
PYPI_INDEX := https://pypi.org/simple
TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu
TORCH_SOURCE ?= --extra-index-url $(TORCH_CPU_INDEX)
UV_COMPILE = .venv/bin/uv pip compile --no-config --python-version 3.11 \
  --index-url $(PYPI_INDEX) --index-strategy unsafe-best-match --no-header --quiet
NO_FRAMEWORK_LINES := grep -v -E '^(--extra-index-url|torch==|tensorflow(-cpu)?==)'

lock: lock-cpu lock-gpu

lock-cpu:
	cp requirements.lock /tmp/gan-tutorial.lock
	$(UV_COMPILE) --universal $(TORCH_SOURCE) requirements.in -o /tmp/gan-tutorial.lock
	{ echo "# Generated by 'make lock' from requirements.in (uv pip compile --universal, Python 3.11)."; \
	  echo "# Installs on Linux x86_64 (CPU torch from PyTorch's index below) and macOS arm64. Do not edit by hand."; \
	  echo "--extra-index-url $(TORCH_CPU_INDEX)"; \
	  cat /tmp/gan-tutorial.lock; } > requirements.lock

lock-gpu:
	cp requirements-gpu.lock /tmp/gan-tutorial-gpu.lock 2>/dev/null || true
	$(UV_COMPILE) --python-platform x86_64-manylinux_2_28 requirements-gpu.in \
	  <($(NO_FRAMEWORK_LINES) requirements.in) -c <($(NO_FRAMEWORK_LINES) requirements.lock) \
	  --no-annotate -o /tmp/gan-tutorial-gpu.lock
	{ echo "# Generated by 'make lock' from requirements-gpu.in and requirements.in (uv pip compile, Linux x86_64,"; \
	  echo "# Python 3.11), with every shared pin equal to requirements.lock. Do not edit by hand."; \
	  cat /tmp/gan-tutorial-gpu.lock; } > requirements-gpu.lock

# Built datasets and the test/site outputs; a learner's notebooks/outputs/ stays (delete it
# yourself to drop your trained models).
clean-data:
	rm -rf data/cache build/outputs

# The course website (Sphinx + myst-nb + sphinx-book-theme, configured in book/): renders every
# notebooks/[0-9]*.ipynb in PROFILE (quick by default; the published site uses PROFILE=laptop).
# Executed notebooks come from build/book/<profile>/jupyter_cache, where `make notebooks`
# leaves them; a notebook missing there is executed (BOOK_REQUIRE_CACHED=1 makes that an
# error instead). Writes build/book/<profile>/html/; notebook outputs go to build/outputs/.
BOOK_DIR = build/book/$(PROFILE)
BOOK_FLAGS ?=
BOOK_REQUIRE_CACHED ?=
.PHONY: book book-clean

book: $(STAMP)
	GAN_TUTORIAL_PROFILE=$(PROFILE) GAN_TUTORIAL_OUTPUTS=$(TEST_OUTPUTS) BOOK_REQUIRE_CACHED=$(BOOK_REQUIRE_CACHED) \
	  $(BIN)/sphinx-build -b html -d $(BOOK_DIR)/doctrees book $(BOOK_DIR)/html $(BOOK_FLAGS)
	@echo "The site: $(BOOK_DIR)/html/index.html"

book-clean:
	rm -rf $(BOOK_DIR)

# Exercises: every reference solution in solutions/ passes its checker, every listed wrong
# answer fails with its hint (tests/test_exercises.py, Keras cases included).
.PHONY: solutions
solutions: $(STAMP)
	$(BIN)/python -m pytest tests/test_exercises.py -p no:cacheprovider -q $(PYTEST_FLAGS)
