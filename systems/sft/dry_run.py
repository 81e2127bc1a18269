"""``--dry-run``: examples, tokens, steps and the peak GPU memory estimate, without loading weights."""

from __future__ import annotations

import math

from harness.errors import UserError
from systems.sft.args import Options
from systems.sft.memory import GIB, Estimate, ModelShape, estimate


def model_shape(options: Options) -> ModelShape:
    """The preset's ``model_shape`` if given, else the config.json of a local or cached model."""
    if options.args.model_shape:
        try:
            return ModelShape(**options.args.model_shape)
        except TypeError as exc:
            raise UserError(f"field 'model_shape': {exc}") from None
    from transformers import AutoConfig

    from harness import embedded

    model = options.model.model_name_or_path
    source = str(embedded.ensure_checkpoint()) if embedded.is_embedded(model) else model
    try:
        return ModelShape.from_config(AutoConfig.from_pretrained(source))
    except OSError:
        raise UserError(f"the config of '{model}' is not on this machine",
                        hint="add model_shape (hidden_size, intermediate_size, num_hidden_layers, ...) to the preset") from None


def estimate_for(options: Options) -> Estimate:
    training = options.training
    half = options.model.dtype in ("bfloat16", "float16") or bool(training.bf16 or training.fp16)
    return estimate(model_shape(options), micro_batch=training.per_device_train_batch_size,
                    seq_len=training.max_length, lora_r=options.model.lora_r, quantization=options.args.quantization,
                    compute_bytes=2 if half else 4, optimizer=str(getattr(training.optim, "value", training.optim)),
                    gradient_checkpointing=bool(training.gradient_checkpointing))


def count_tokens(options: Options) -> tuple[int, int, str]:
    """(examples, tokens) of the training data, with the model's tokenizer when it is on disk."""
    from systems.sft.data import load_pairs

    args, max_length = options.args, options.training.max_length

    if args.mode == "uft":
        from systems.sft.uft import corpus_texts

        texts = corpus_texts(args.corpus, seed=options.training.seed)[0]
    else:
        pairs = load_pairs(args.train_file)[: args.max_train_examples or None]
        texts = [" ".join(m["content"] for m in p.messages) for p in pairs]
    try:
        from transformers import AutoTokenizer

        from harness.backends.hf import resolve_model_path

        tokenizer = AutoTokenizer.from_pretrained(resolve_model_path(options.model.model_name_or_path))
        tokens = sum(len(ids) for ids in tokenizer(texts)["input_ids"])
        how = "model tokenizer"
    except (OSError, ValueError):
        tokens = sum(round(len(t.split()) / 0.75) for t in texts)
        how = "approximate: tokenizer not on this machine, ~0.75 words per token"
    if args.mode == "uft":
        return math.ceil(tokens / max_length), tokens, how + f"; packed into {max_length}-token blocks"
    return len(texts), tokens, how


def print_dry_run(options: Options) -> int:
    from rich.console import Console
    from rich.table import Table

    args, training = options.args, options.training
    examples, tokens, how = count_tokens(options)
    per_step = training.per_device_train_batch_size * training.gradient_accumulation_steps
    steps = (training.max_steps if training.max_steps > 0
             else math.ceil(examples / per_step) * math.ceil(training.num_train_epochs))
    result = estimate_for(options)
    console = Console()
    console.print(f"[bold]{args.name}[/bold] ({args.mode}{', RAFT' if args.raft else ''}) on "
                  f"{options.model.model_name_or_path}: {result.params / 1e9:.2f} B parameters, "
                  f"LoRA r={options.model.lora_r}: {result.lora_params / 1e6:.1f} M trainable; "
                  f"quantization {args.quantization}, optimizer {getattr(training.optim, 'value', training.optim)}, "
                  f"gradient checkpointing {'on' if training.gradient_checkpointing else 'off'}")
    console.print(f"examples {examples}, tokens {tokens} ({how}), effective batch {per_step}, "
                  f"epochs {training.num_train_epochs}, optimizer steps {steps}")
    table = Table(title=f"estimated peak GPU memory (micro-batch {training.per_device_train_batch_size} x "
                        f"{training.max_length} tokens)")
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


def last_measured_peak(args) -> float | None:
    """The peak GPU memory a previous run of this adapter recorded in its summary.json, if any."""
    import json

    summary = args.output_dir / "summary.json"
    if not summary.is_file():
        return None
    return json.loads(summary.read_text()).get("peak_gpu_memory_gib")
