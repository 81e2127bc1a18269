"""``--dry-run``: examples, tokens, steps and the peak GPU memory estimate, without loading weights."""

from __future__ import annotations

import math

from harness.errors import UserError
from systems.sft.args import TrainArgs
from systems.sft.memory import GIB, Estimate, ModelShape, estimate


def model_shape(args: TrainArgs) -> ModelShape:
    """The preset's ``model_shape`` if given, else the config.json of a local or cached model."""
    if args.model_shape:
        return ModelShape(**args.model_shape)
    from transformers import AutoConfig

    from harness import embedded

    source = str(embedded.ensure_checkpoint()) if embedded.is_embedded(args.model) else args.model
    try:
        return ModelShape.from_config(AutoConfig.from_pretrained(source))
    except OSError:
        raise UserError(f"the config of '{args.model}' is not on this machine",
                        hint="add model_shape (hidden_size, intermediate_size, num_hidden_layers, ...) to the preset") from None


def estimate_for(args: TrainArgs, env: dict | None = None) -> Estimate | None:
    env = env or {}
    quantization = env.get("quantization") or ("4bit" if args.quantization in ("auto", "4bit") else "none")
    checkpointing = env.get("gradient_checkpointing", args.gradient_checkpointing != "off")
    optim = env.get("optim") if env.get("optim") else ("paged_adamw_8bit" if args.optim == "auto" else args.optim)
    return estimate(model_shape(args), micro_batch=args.per_device_train_batch_size, seq_len=args.max_length,
                    lora_r=args.lora_r, quantization=quantization, compute_bytes=2, optimizer=optim,
                    gradient_checkpointing=checkpointing)


def count_tokens(args: TrainArgs) -> tuple[int, int, str]:
    """(examples, tokens) of the training data, with the model's tokenizer when it is on disk."""
    from systems.sft.data import load_pairs

    if args.mode == "uft":
        from systems.sft.uft import corpus_texts

        texts = corpus_texts(args.corpus, seed=args.seed)[0]
    else:
        pairs = load_pairs(args.train_file)[: args.max_train_examples or None]
        texts = [" ".join(m["content"] for m in p.messages) for p in pairs]
    try:
        from transformers import AutoTokenizer

        from harness.backends.hf import resolve_model_path

        tokenizer = AutoTokenizer.from_pretrained(resolve_model_path(args.model))
        tokens = sum(len(ids) for ids in tokenizer(texts)["input_ids"])
        how = "model tokenizer"
    except (OSError, ValueError):
        tokens = sum(round(len(t.split()) / 0.75) for t in texts)
        how = "approximate: tokenizer not on this machine, ~0.75 words per token"
    if args.mode == "uft":
        return math.ceil(tokens / args.max_length), tokens, how + f"; packed into {args.max_length}-token blocks"
    return len(texts), tokens, how


def print_dry_run(args: TrainArgs) -> int:
    from rich.console import Console
    from rich.table import Table

    examples, tokens, how = count_tokens(args)
    per_step = args.per_device_train_batch_size * args.gradient_accumulation_steps
    steps = args.max_steps if args.max_steps > 0 else math.ceil(examples / per_step) * math.ceil(args.num_train_epochs)
    result = estimate_for(args)
    console = Console()
    console.print(f"[bold]{args.name}[/bold] ({args.mode}{', RAFT' if args.raft else ''}) on {args.model}: "
                  f"{result.params / 1e9:.2f} B parameters, LoRA r={args.lora_r}: "
                  f"{result.lora_params / 1e6:.1f} M trainable")
    console.print(f"examples {examples}, tokens {tokens} ({how}), effective batch {per_step}, "
                  f"epochs {args.num_train_epochs}, optimizer steps {steps}")
    table = Table(title=f"estimated peak GPU memory (micro-batch {args.per_device_train_batch_size} x "
                        f"{args.max_length} tokens)")
    table.add_column("part")
    table.add_column("GiB", justify="right")
    for name, gib in result.as_rows():
        table.add_row(name, f"{gib:.2f}")
    table.add_row("[bold]total[/bold]", f"[bold]{result.total / GIB:.2f}[/bold]")
    console.print(table)
    verdict = "fits" if result.fits(args.gpu_memory_gib) else "does NOT fit"
    console.print(f"{verdict} in {args.gpu_memory_gib:g} GiB "
                  f"({result.total / GIB / args.gpu_memory_gib:.0%} of it)")
    measured = last_measured_peak(args)
    if measured is not None:
        console.print(f"the last GPU run of '{args.name}' measured a peak of {measured:.2f} GiB: the estimate is "
                      f"{result.total / GIB / measured:.2f}x the measurement")
    return 0


def last_measured_peak(args: TrainArgs) -> float | None:
    """The peak GPU memory a previous run of this adapter recorded in its summary.json, if any."""
    import json

    summary = args.output_dir / "summary.json"
    if not summary.is_file():
        return None
    return json.loads(summary.read_text()).get("peak_gpu_memory_gib")
