# Every target installs what it needs first, so `make test` and `make run` work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install browser run test bench lint clean weights

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

# the real-browser tests drive Debian's Chromium through Playwright (never `playwright install`)
CHROMIUM := /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || (apt-get install -y -q chromium >/dev/null 2>&1 || \
		(apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)) || \
		(echo "could not install Chromium: run 'sudo apt-get install -y chromium'" && exit 1)

# one BLAS thread per process: two test processes share the two cores
THREADS := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
test: $(STAMP) browser
	$(THREADS) $(BIN)/python -m pytest -q -n 2 --dist load

# the app on http://localhost:8501
run: $(STAMP)
	$(THREADS) $(MALLOC_ENV) $(BIN)/python -m streamlit run app.py --server.port 8501

# glibc hands freed blocks of a few MB back to the kernel and faults them in again on the next call;
# holding on to them is worth 10-25% at the largest benchmark sizes
MALLOC_ENV := MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_MMAP_THRESHOLD_=268435456

bench: $(STAMP)
	$(MALLOC_ENV) $(BIN)/python -m bench

# the attention page's shipped model and its with/without-attention comparison (rnn_core/weights/), trained
# from the example's seed; tests/test_attention_study.py checks that they reproduce
weights: $(STAMP)
	$(THREADS) $(BIN)/python -m rnn_core.attention_study

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
