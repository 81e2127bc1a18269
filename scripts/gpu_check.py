"""One prepared check of the A30 training path on a GPU machine: memory, speed, and generation overhead.

    bash scripts/fetch_gpu_wheels.sh                 # here: trl, bitsandbytes, ... wheels into .whl/
    python3 scripts/gpu_check.py --out $OUT/gpu_check.json     # there (carry .whl)
    python scripts/gpu_check.py --tiny               # anywhere, CPU included: the same code on tiny shapes

1. Training: a randomly initialised model of the a30-qlora-8b preset's shape (Qwen2.5-7B-Instruct,
   from the preset's model_shape: no hub needed) is saved to disk and loaded by the training script's
   own ``load_model`` with the preset's options (4-bit NF4, double quantisation, bf16, k-bit
   preparation), then trained by its ``build_trainer`` for ``--steps`` optimizer steps at the preset's
   sequence length, micro-batch and accumulation, with paged 8-bit AdamW. Reports measured memory
   (after loading, after attaching LoRA, peak allocated and reserved) against the ``--dry-run``
   estimate part by part, training tokens/s, and the A30 wall time projected for 1,500 pairs x 3 epochs.
2. Generation: on a random-init Qwen2.5-0.5B shape, harness generation time over a bare
   ``model.generate`` loop on the same prompts (target <= 1.10), and the form-filling judge's throughput.

Missing packages (the GPU machine has no trl or bitsandbytes and no registry) are installed from the
wheels in ``--wheels`` (default .whl/) with ``pip --no-deps --no-index`` into a private folder.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PRESET = REPO / "systems" / "sft" / "configs" / "a30-qlora-8b.yaml"
# Qwen2.5-0.5B-Instruct's shape, for the generation and judge measurements
SMALL = {"hidden_size": 896, "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14,
         "num_key_value_heads": 2, "vocab_size": 151936, "tie_word_embeddings": True}
TINY = {"hidden_size": 128, "intermediate_size": 256, "num_hidden_layers": 2, "num_attention_heads": 4,
        "num_key_value_heads": 2, "vocab_size": 2048, "tie_word_embeddings": False}
# dense bf16 tensor TFLOP/s and memory TB/s from the vendors' data sheets (SXM parts)
CARDS = {"A30": (165, 0.933), "H100": (989, 3.35), "H200": (989, 4.8), "A100": (312, 2.04)}
PAIRS, EPOCHS = 1500, 3


def ensure_packages(wheels: Path) -> list[str]:
    """pip-install (no deps, no index) each wheel whose distribution is not installed; returns their names."""
    missing = []
    for wheel in sorted(wheels.glob("*.whl")) if wheels.is_dir() else []:
        dist = wheel.name.split("-")[0]
        try:
            importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            missing.append(wheel)
    if missing:
        site = Path(tempfile.gettempdir()) / "gpu_check_site"
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--no-compile",
                        "--target", str(site), *map(str, missing)], check=True)
        sys.path.insert(0, str(site))
        importlib.invalidate_caches()
    return [w.name.split("-")[0] for w in missing]


def word_tokenizer(size: int):
    """A byte-level BPE tokenizer trained in code (no hub) on w0..wN and the judge's verdict words, so
    each is one token; Qwen2's own tokenizer class rebuilds it from its vocabulary and merges."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    specials = ["<pad>", "<unk>", "<s>", "</s>"]
    words = [str(d) for d in range(10)] + ["yes", "no", "A", "B", "TIE", "SCORE", "FLAG", "VERDICT"]
    words += [f"w{i}" for i in range(900)]
    core = ByteLevelBPETokenizer()
    core.train_from_iterator([" ".join(words)] * 4, vocab_size=size, min_frequency=1, special_tokens=specials,
                             show_progress=False)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core._tokenizer, pad_token="<pad>", unk_token="<unk>",
                                        bos_token="<s>", eos_token="</s>")
    tokenizer.chat_template = ("{% for m in messages %}{{ m['role'] }} {{ m['content'] }} </s> {% endfor %}"
                               "{% if add_generation_prompt %}assistant {% endif %}")
    return tokenizer


def save_random_model(shape: dict, folder: Path, device: str, vocab_words: int) -> Path:
    """A randomly initialised Qwen2 of ``shape`` in bf16, saved with the word tokenizer."""
    import torch
    from transformers import AutoModelForCausalLM, Qwen2Config

    tokenizer = word_tokenizer(min(vocab_words, shape["vocab_size"]))
    config = Qwen2Config(**shape, max_position_embeddings=4096, bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(0)
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    del model
    if device == "cuda":
        torch.cuda.empty_cache()
    return folder


def synthetic(n: int, length: int, seed: int):
    """Prompt-completion rows of about ``length`` words (one token each), so every step is full length."""
    import random

    from datasets import Dataset

    rng = random.Random(seed)
    words = lambda k: " ".join(f"w{rng.randrange(900)}" for _ in range(k))  # noqa: E731
    return Dataset.from_list([{"prompt": words(length // 4), "completion": words(length)} for _ in range(n)])


class StepClock:
    """Wall time at each optimizer step end, to leave the first (warm-up) steps out of tokens/s."""

    def __init__(self):
        from transformers import TrainerCallback

        clock = self

        class Callback(TrainerCallback):
            def on_step_end(self, args, state, control, **kwargs):
                clock.marks.append((time.perf_counter(), state.num_input_tokens_seen))

        self.marks: list[tuple[float, int]] = []
        self.callback = Callback()

    def tokens_per_second(self, skip: int = 2) -> float:
        marks = self.marks[skip:] if len(self.marks) > skip + 1 else self.marks
        (t0, n0), (t1, n1) = marks[0], marks[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else float("nan")


def gib(n: float) -> float:
    return round(n / 1024**3, 3)


def train_check(workdir: Path, tiny: bool, steps: int, device: str) -> dict:
    import torch

    from systems.sft.args import parse_args
    from systems.sft.dry_run import estimate_for
    from systems.sft.train import build_trainer, load_model

    shape = TINY if tiny else parse_args(["--config", str(PRESET), "--dry-run"]).args.model_shape
    folder = save_random_model(shape, workdir / "train-model", device, vocab_words=1024)
    overrides = ["--model_name_or_path", str(folder), "--output_root", str(workdir / "adapters"),
                 "--max_steps", str(steps), "--eval_steps", str(steps), "--logging_steps", "1"]
    if tiny:
        overrides += ["--max_length", "64", "--gradient_accumulation_steps", "2"]
    if device == "cpu":
        overrides += ["--use_cpu", "true"]
    options = parse_args(["--config", str(PRESET), *overrides])
    options.args.model_shape = None  # the estimate reads the saved model's config
    training = options.training
    micro, length = training.per_device_train_batch_size, training.max_length
    rows = micro * training.gradient_accumulation_steps * steps
    cuda = device == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    model = load_model(options)
    after_load = torch.cuda.memory_allocated() if cuda else None
    clock = StepClock()
    trainer = build_trainer(options, synthetic(rows, length, 0), synthetic(2 * micro, length, 1), model=model)
    trainer.add_callback(clock.callback)
    after_lora = torch.cuda.memory_allocated() if cuda else None
    started = time.perf_counter()
    trainer.train()
    wall = time.perf_counter() - started
    estimate = estimate_for(options)
    parts = dict(estimate.as_rows())
    measured = {"after_load_gib": gib(after_load) if cuda else None,
                "lora_attached_gib": gib(after_lora - after_load) if cuda else None,
                "peak_allocated_gib": gib(torch.cuda.max_memory_allocated()) if cuda else None,
                "peak_reserved_gib": gib(torch.cuda.max_memory_reserved()) if cuda else None}
    compared = {"weights": (measured["after_load_gib"], parts["weights"]),
                "lora (params at attach)": (measured["lora_attached_gib"], parts["lora"]),
                "peak allocated vs total": (measured["peak_allocated_gib"], estimate.total / 1024**3),
                "peak reserved vs total": (measured["peak_reserved_gib"], estimate.total / 1024**3)}
    quant = model.model.layers[0].self_attn.q_proj
    quant = getattr(quant, "base_layer", quant)  # under the LoRA wrapper
    return {"shape": shape, "quantized_layer": type(quant).__name__,
            "optimizer": str(getattr(training.optim, "value", training.optim)),
            "steps": trainer.state.global_step, "micro_batch": micro, "seq_len": length,
            "accumulation": training.gradient_accumulation_steps, "wall_seconds": round(wall, 1),
            "tokens_seen": int(trainer.state.num_input_tokens_seen), "tokens_per_second": clock.tokens_per_second(),
            "seconds_per_step": (clock.marks[-1][0] - clock.marks[0][0]) / max(1, len(clock.marks) - 1),
            "estimate_gib": {k: round(v, 3) for k, v in parts.items()} | {"total": round(estimate.total / 1024**3, 3)},
            "measured": measured,
            "compared": {k: {"measured": m, "estimate": round(e, 3), "estimate_over_measured":
                             round(e / m, 3) if m else None, "verdict": verdict(m, e)}
                         for k, (m, e) in compared.items()}}


def verdict(measured: float | None, estimate: float) -> str:
    """The rule the estimator is held to: never below the measurement, and within 15% of it."""
    if not measured:
        return "not measured (no CUDA)"
    if estimate < measured:
        return "estimate BELOW measured: correct systems/sft/memory.py"
    return "ok (within 15%)" if estimate <= 1.15 * measured else f"estimate {estimate / measured - 1:.0%} over measured"


def average_pair_tokens() -> float:
    """Mean tokens per training pair of the repo's data, at ~0.75 words per token (as --dry-run without a tokenizer)."""
    from systems.sft.data import load_pairs

    pairs = load_pairs(REPO / "systems" / "sft" / "data" / "train.jsonl")
    return sum(len(" ".join(m["content"] for m in p.messages).split()) / 0.75 for p in pairs) / len(pairs)


def projection(train: dict, card: str | None, ratio: float | None) -> dict:
    """A30 wall time for 1,500 pairs x 3 epochs: measured time x (this card's / the A30's bf16 throughput)."""
    steps = -(-PAIRS // (train["micro_batch"] * train["accumulation"])) * EPOCHS
    if ratio is None and card in CARDS:
        ratio = CARDS[card][0] / CARDS["A30"][0]
        why = (f"{card} / A30 dense bf16 tensor throughput {CARDS[card][0]} / {CARDS['A30'][0]} TFLOP/s: QLoRA steps "
               f"at {train['micro_batch']}x{train['seq_len']} tokens are matmul-bound; the memory-bandwidth ratio "
               f"{CARDS[card][1] / CARDS['A30'][1]:.1f} would be the optimistic bound")
    elif ratio is not None:
        why = "given with --ratio"
    else:
        return {"note": f"no projection: card {card!r} is not in {sorted(CARDS)} and no --ratio was given"}
    tokens = PAIRS * EPOCHS * average_pair_tokens()
    return {"ratio": round(ratio, 2), "why": why, "optimizer_steps": steps,
            "full_length_hours": round(steps * train["seconds_per_step"] * ratio / 3600, 2),
            "by_tokens_hours": round(tokens / train["tokens_per_second"] * ratio / 3600, 2),
            "note": "full_length: every step padded to max_length; by_tokens: the data's own tokens "
                    "(~0.75 words/token) at the measured tokens/s"}


def generation_check(workdir: Path, tiny: bool, device: str) -> dict:
    from benchmarks.perf import raw_generate, timed
    from harness.backends.hf import TransformersBackend
    from harness.generation import GenerationParams, Prompt

    folder = save_random_model(TINY if tiny else SMALL, workdir / "gen-model", device, vocab_words=1024)
    n, new = (8, 16) if tiny else (64, 128)
    backend = TransformersBackend(model=str(folder), device=device, batch_size=8 if tiny else 32)
    prompts = [Prompt(item_id=str(i), messages=[{"role": "user", "content": " ".join(f"w{(i * 7 + k) % 900}"
                                                                              for k in range(40 + i % 9))}])
               for i in range(n)]
    params = GenerationParams(max_new_tokens=new)
    backend.generate(prompts[:2], params)  # load and warm up
    texts = [backend.render(p.messages) for p in prompts]
    raw_s, raw_tokens = timed(lambda: raw_generate(backend, texts, backend.batch_size, new))
    harness_s, completions = timed(lambda: backend.generate(prompts, params))
    result = {"shape": "tiny" if tiny else "Qwen2.5-0.5B", "prompts": n, "max_new_tokens": new,
              "batch_size": backend.batch_size, "raw_seconds": round(raw_s, 3), "harness_seconds": round(harness_s, 3),
              "raw_tokens": raw_tokens, "harness_tokens": sum(c.completion_tokens for c in completions),
              "harness_over_raw": round(harness_s / raw_s, 3), "target": "<= 1.10"}
    backend.close()
    result["judge"] = judge_check(folder, tiny)
    return result


def judge_check(folder: Path, tiny: bool) -> dict:
    from benchmarks.judge_perf import workload
    from harness.judge.judge import Judge, parse_judge_spec
    from harness.rubric import load_rubric

    judge = Judge(parse_judge_spec(f"hf-form:{folder}"), load_rubric("cultural_nuance"))
    singles, games = workload(1 if tiny else 8)
    judge.grade(singles[:1])  # load and warm up
    started = time.perf_counter()
    judge.grade(singles)
    graded = time.perf_counter()
    judge.compare(games)
    ended = time.perf_counter()
    return {"grades": len(singles), "grades_per_second": round(len(singles) / (graded - started), 2),
            "games": len(games), "games_per_second": round(len(games) / (ended - graded), 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="tiny shapes, a few steps; runs on CPU too")
    parser.add_argument("--steps", type=int, default=25, help="optimizer steps to train (20-30 on a GPU)")
    parser.add_argument("--wheels", default=str(REPO / ".whl"), help="wheels for packages missing here")
    parser.add_argument("--ratio", type=float, help="this card's speed over an A30's, if not a known card")
    parser.add_argument("--skip-generation", action="store_true")
    parser.add_argument("--out", help="write the results as JSON here")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    installed = ensure_packages(Path(args.wheels))
    sys.path.insert(0, str(REPO))
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu" and not args.tiny:
        print("error: no CUDA GPU here; use --tiny to run the same code on tiny shapes", file=sys.stderr)
        return 2
    name = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    card = next((c for c in CARDS if re.search(c, name)), None)
    report = {"device": name, "torch": torch.__version__, "installed_from_wheels": installed,
              "versions": {p: importlib.metadata.version(p) for p in ("transformers", "trl", "peft", "bitsandbytes")}}
    steps = min(args.steps, 3) if args.tiny else args.steps
    with tempfile.TemporaryDirectory(prefix="gpu_check-") as tmp:
        report["train"] = train_check(Path(tmp), args.tiny, steps, device)
        report["a30_projection"] = projection(report["train"], card, args.ratio)
        if not args.skip_generation:
            report["generation"] = generation_check(Path(tmp), args.tiny, device)
    text = json.dumps(report, indent=2, default=str)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
