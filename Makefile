# Every target installs what it needs first, so `make test` and `make run` work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install browser haproxy run serve test bench bench-classroom lint clean weights

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

# `make serve` puts Debian's HAProxy in front of the replicas
haproxy:
	@command -v haproxy >/dev/null || test -x /usr/sbin/haproxy || \
		(apt-get install -y -q haproxy >/dev/null 2>&1 || \
		(apt-get update -q >/dev/null && apt-get install -y -q haproxy >/dev/null)) || \
		(echo "could not install HAProxy: run 'sudo apt-get install -y haproxy'" && exit 1)

# one BLAS thread per process: two test processes share the two cores
THREADS := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
test: $(STAMP) browser haproxy
	$(THREADS) $(BIN)/python -m pytest -q -n 2 --dist load

# the app on http://localhost:8501
run: $(STAMP)
	$(THREADS) $(MALLOC_ENV) $(BIN)/python -m streamlit run deploy/asgi.py --server.port 8501

# a class on one server: REPLICAS Streamlit processes (default one per core) behind HAProxy with cookie
# affinity on http://localhost:$(PORT); replicas on REPLICA_PORT, REPLICA_PORT+1, ... (loopback only)
REPLICAS     ?= $(shell nproc 2>/dev/null || echo 2)
PORT         ?= 8501
REPLICA_PORT ?= 8511
HOST         ?= 127.0.0.1
serve: $(STAMP) haproxy
	$(BIN)/python -m deploy.serve --replicas $(REPLICAS) --port $(PORT) --replica-port $(REPLICA_PORT) --host $(HOST)

# glibc hands freed blocks of a few MB back to the kernel and faults them in again on the next call;
# holding on to them is worth 10-25% at the largest benchmark sizes
MALLOC_ENV := MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_MMAP_THRESHOLD_=268435456

bench: $(STAMP)
	$(MALLOC_ENV) $(BIN)/python -m bench

# 30 students and 10 trainers over Streamlit's websocket protocol against the `make serve` set-up
bench-classroom: $(STAMP) haproxy
	$(BIN)/python -m bench classroom

# the shipped models (rnn_core/weights/), each trained from its seed and checked by a test to reproduce:
# the attention page's model and its with/without-attention comparison (tests/test_attention_study.py), and
# the Generate and explorer pages' ready-trained default: the LSTM of rnn_core.text_model.DEFAULTS on the
# generated corpus (tests/test_text_outcome.py trains it again and compares)
weights: $(STAMP)
	$(THREADS) $(BIN)/python -m rnn_core.attention_study
	$(THREADS) $(BIN)/python -m rnn_core train text --corpus structured --quiet --out rnn_core/weights/structured_lstm.npz

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
