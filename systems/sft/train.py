"""Train a LoRA (CPU) or QLoRA (CUDA) adapter with TRL's SFTTrainer.

# Quick LoRA on the embedded SmolLM2-135M-Instruct (CPU, a few minutes)
python -m systems.sft.train --config systems/sft/configs/cpu-quick.yaml

# The A30 recipe: QLoRA on a 7-8B instruct model; check memory first, without loading weights
python -m systems.sft.train --config systems/sft/configs/a30-qlora-8b.yaml --dry-run
python -m systems.sft.train --config systems/sft/configs/a30-qlora-8b.yaml

# The unsupervised alternative: continued pretraining on the raw corpus (registers `uft`)
python -m systems.sft.train --config systems/sft/configs/cpu-quick.yaml --mode uft --name uft

# RAFT-style data for sft+rag: gold passage plus distractors in every training prompt
python -m systems.sft.train --config systems/sft/configs/cpu-quick.yaml --raft --name sft-raft
"""

from __future__ import annotations

import sys
import time

from harness.errors import UserError
from systems.sft.args import TrainArgs, parse_args


def runtime(args: TrainArgs) -> dict:
    """Device, quantization, precision, checkpointing and optimizer for this machine and preset."""
    import importlib.util

    import torch

    cuda = torch.cuda.is_available()
    has_bnb = importlib.util.find_spec("bitsandbytes") is not None
    quantization = args.quantization
    if quantization == "auto":
        quantization = "4bit" if cuda and has_bnb else "none"
    if quantization == "4bit" and not (cuda and has_bnb):
        raise UserError("4-bit QLoRA needs a CUDA GPU and bitsandbytes", hint="pip install -e '.[gpu]' on a GPU machine")
    bf16 = cuda and torch.cuda.is_bf16_supported()
    checkpointing = {"auto": cuda, "on": True, "off": False}[args.gradient_checkpointing]
    optim = args.optim if args.optim != "auto" else ("paged_adamw_8bit" if cuda and has_bnb else "adamw_torch")
    return {"device": "cuda" if cuda else "cpu", "quantization": quantization, "bf16": bf16,
            "dtype": "bfloat16" if bf16 else ("float16" if cuda else "float32"),
            "gradient_checkpointing": checkpointing, "optim": optim}


def build_datasets(args: TrainArgs):
    """(train, eval, data report) in TRL's format for the chosen mode, after the contamination guard."""
    from datasets import Dataset

    from systems.sft.data import data_hashes, load_pairs, to_prompt_completion

    if args.mode == "uft":
        from systems.sft.uft import corpus_texts

        train_texts, val_texts = corpus_texts(args.corpus, seed=args.seed)
        report = {"mode": "uft", "corpus": args.corpus, "train_docs": len(train_texts), "val_docs": len(val_texts),
                  "contamination": {"clean": True, "note": "raw corpus text; no question-answer pairs"}}
        return Dataset.from_dict({"text": train_texts}), Dataset.from_dict({"text": val_texts}), report
    train, val = load_pairs(args.train_file), load_pairs(args.val_file)
    train = train[: args.max_train_examples] if args.max_train_examples else train
    val = val[: args.max_val_examples] if args.max_val_examples else val
    contamination = guard(args, train + val)
    systems = [None] * len(train), [None] * len(val)
    if args.raft:
        from systems.sft.raft import raft_system_prompts

        systems = tuple(raft_system_prompts(part, args.corpus, distractors=args.raft_distractors,
                                            gold_probability=args.raft_gold_probability, seed=args.seed)
                        for part in (train, val))
    rows = [[to_prompt_completion(p, s) for p, s in zip(part, sys_prompts)]
            for part, sys_prompts in zip((train, val), systems)]
    report = {"mode": "sft", "raft": args.raft, "train_examples": len(train), "val_examples": len(val),
              "data_hashes": data_hashes(args.train_file, args.val_file), "contamination": contamination}
    return Dataset.from_list(rows[0]), Dataset.from_list(rows[1]), report


def guard(args: TrainArgs, pairs) -> dict:
    from harness.benchmark import load_benchmark
    from systems.sft.contamination import Thresholds, check

    items = load_benchmark(args.benchmark).items
    thresholds = Thresholds(args.ngram_n, args.question_ngram_threshold, args.answer_ngram_threshold,
                            args.question_embedding_threshold)
    report = check(pairs, items, thresholds).to_dict()
    report["allowed"] = bool(args.allow_contamination)
    if not report["clean"] and not args.allow_contamination:
        shown = "; ".join(f"{h['pair_id']} ~ {h['item_id']} ({h['check']} {h['value']})" for h in report["hits"][:5])
        raise UserError(f"contamination guard: {report['n_hits']} training pairs overlap the benchmark "
                        f"'{args.benchmark}': {shown}",
                        hint="remove them, or pass --allow-contamination to train anyway (the leaderboard will say so)")
    return report


def checkpoint_dir(args: TrainArgs):
    return args.output_dir.parent / f".checkpoints-{args.name}"


def build_trainer(args: TrainArgs, env: dict, train_dataset, eval_dataset):
    import torch
    from peft import LoraConfig
    from transformers import AutoTokenizer, EarlyStoppingCallback
    from trl import SFTConfig, SFTTrainer

    from harness.backends.hf import resolve_model_path

    model_path = resolve_model_path(args.model)
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model_kwargs = {"dtype": getattr(torch, env["dtype"])}
    quantization_config = None
    if env["quantization"] == "4bit":
        from transformers import BitsAndBytesConfig

        quantization_config = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                                 bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=torch.bfloat16)
        model_kwargs["device_map"] = {"": 0}
    config = SFTConfig(
        output_dir=str(checkpoint_dir(args)), seed=args.seed, data_seed=args.seed,
        num_train_epochs=args.num_train_epochs, max_steps=args.max_steps,
        per_device_train_batch_size=args.per_device_train_batch_size,
        per_device_eval_batch_size=args.per_device_train_batch_size,
        gradient_accumulation_steps=args.gradient_accumulation_steps, learning_rate=args.learning_rate,
        lr_scheduler_type=args.lr_scheduler_type, warmup_steps=args.warmup_ratio, max_grad_norm=args.max_grad_norm,
        weight_decay=args.weight_decay, logging_steps=args.logging_steps, eval_strategy="steps",
        eval_steps=args.eval_steps, save_strategy="steps", save_steps=args.eval_steps, save_total_limit=1,
        load_best_model_at_end=True, metric_for_best_model="eval_loss", greater_is_better=False,
        bf16=env["bf16"], gradient_checkpointing=env["gradient_checkpointing"], optim=env["optim"],
        max_length=args.max_length, packing=args.mode == "uft", report_to="none", use_cpu=env["device"] == "cpu",
        include_num_input_tokens_seen=True, model_init_kwargs=model_kwargs, dataloader_num_workers=0,
        disable_tqdm=not sys.stderr.isatty(),
    )
    lora = LoraConfig(r=args.lora_r, lora_alpha=args.lora_alpha, lora_dropout=args.lora_dropout,
                      target_modules=args.target_modules, task_type="CAUSAL_LM")
    return SFTTrainer(model=model_path, args=config, train_dataset=train_dataset, eval_dataset=eval_dataset,
                      processing_class=tokenizer, peft_config=lora, quantization_config=quantization_config,
                      callbacks=[EarlyStoppingCallback(early_stopping_patience=args.early_stopping_patience)])


def main(argv: list[str] | None = None) -> int:
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        args = parse_args(argv)
        if args.dry_run:
            from systems.sft.dry_run import print_dry_run

            return print_dry_run(args)
        from systems.sft.outputs import save_outputs

        env = runtime(args)
        train_dataset, eval_dataset, data_report = build_datasets(args)
        trainer = build_trainer(args, env, train_dataset, eval_dataset)
        started = time.perf_counter()
        trainer.train()
        folder = save_outputs(args, env, trainer, data_report, time.perf_counter() - started)
        print(f"adapter saved to {folder}")
        return 0
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
