"""Train a LoRA or QLoRA adapter with TRL's SFTTrainer; options are TRL's own (SFTConfig, ModelConfig).

# Quick LoRA on the embedded SmolLM2-135M-Instruct (CPU, a few minutes)
python -m systems.sft.train --config systems/sft/configs/cpu-quick.yaml

# QLoRA on CPU: the A30 preset's path (4-bit NF4, k-bit preparation, checkpointing, paged 8-bit AdamW)
python -m systems.sft.train --config systems/sft/configs/cpu-qlora.yaml

# The A30 recipe: QLoRA on a 7-8B instruct model; check memory first, without loading weights
python -m systems.sft.train --config systems/sft/configs/a30-qlora-8b.yaml --dry-run
python -m systems.sft.train --config systems/sft/configs/a30-qlora-8b.yaml

# Any option of SFTConfig or ModelConfig overrides the preset, under TRL's name
python -m systems.sft.train --config systems/sft/configs/cpu-quick.yaml --lora_r 64 --name sft-r64

# The unsupervised alternative: continued pretraining on the raw corpus (registers `uft`)
python -m systems.sft.train --config systems/sft/configs/cpu-quick.yaml --mode uft --name uft

# UFT then SFT (system `uft+sft`): SFT continues training the UFT adapter
python -m systems.sft.train --config systems/sft/configs/cpu-quick.yaml --init-adapter adapters/uft --name uft-sft

# RAFT-style data for sft+rag: gold passage plus distractors in every training prompt
python -m systems.sft.train --config systems/sft/configs/cpu-quick.yaml --raft --name sft-raft

# More processes or GPUs, unchanged (DDP; FSDP or DeepSpeed ZeRO-3 configs in systems/sft/accelerate/)
accelerate launch --num_processes 2 -m systems.sft.train --config systems/sft/configs/a30-qlora-8b.yaml

``--init-adapter`` keeps training the given adapter (loaded trainable over the same base) rather
than merging it into the base first. The result stays one LoRA over the unchanged base model, so it
is served like every other variant (vLLM ``--lora-modules``, one server per base model) and
fingerprinted by one adapter hash; merging into a 4-bit NF4 base would re-quantise its weights and
make a new full-size base that cannot share that server. The adapter's own rank, alpha and target
modules therefore carry over and the ``lora_*`` options are not used.
"""

from __future__ import annotations

import sys
import time

from harness.errors import UserError
from systems.sft.args import Options, parse_args


def runtime(options: Options) -> dict:
    """What this run used: read from the options, never chosen by device."""
    training = options.training
    return {"device": training.device.type, "quantization": options.args.quantization, "dtype": options.model.dtype or "float32",
            "bf16": bool(training.bf16), "gradient_checkpointing": bool(training.gradient_checkpointing),
            "optim": str(getattr(training.optim, "value", training.optim))}


def build_datasets(options: Options):
    """(train, eval, data report) in TRL's format for the chosen mode, after the contamination guard."""
    from datasets import Dataset

    from systems.sft.data import data_hashes, load_pairs, to_prompt_completion

    args = options.args
    if args.mode == "uft":
        from systems.sft.uft import corpus_texts

        train_texts, val_texts = corpus_texts(args.corpus, seed=options.training.seed)
        report = {"mode": "uft", "corpus": args.corpus, "train_docs": len(train_texts), "val_docs": len(val_texts),
                  "contamination": {"clean": True, "note": "raw corpus text; no question-answer pairs"}}
        return Dataset.from_dict({"text": train_texts}), Dataset.from_dict({"text": val_texts}), report
    train, val = load_pairs(args.train_file), load_pairs(args.val_file)
    train = train[: args.max_train_examples] if args.max_train_examples else train
    val = val[: args.max_val_examples] if args.max_val_examples else val
    contamination = guard(options, train + val)
    systems = [None] * len(train), [None] * len(val)
    if args.raft:
        from systems.sft.raft import raft_system_prompts

        systems = tuple(raft_system_prompts(part, args.corpus, distractors=args.raft_distractors,
                                            gold_probability=args.raft_gold_probability, seed=options.training.seed)
                        for part in (train, val))
    rows = [[to_prompt_completion(p, s) for p, s in zip(part, sys_prompts)]
            for part, sys_prompts in zip((train, val), systems)]
    report = {"mode": "sft", "raft": args.raft, "train_examples": len(train), "val_examples": len(val),
              "data_hashes": data_hashes(args.train_file, args.val_file), "contamination": contamination}
    return Dataset.from_list(rows[0]), Dataset.from_list(rows[1]), report


def guard(options: Options, pairs) -> dict:
    from harness.benchmark import load_benchmark
    from systems.sft.contamination import Thresholds, check

    args = options.args
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


def load_model(options: Options):
    """The base model as TRL's SFTTrainer would load it, then k-bit preparation when quantised."""
    from trl import get_quantization_config
    from trl.trainer.utils import create_model_from_path

    from harness.backends.hf import resolve_model_path

    training, model_args = options.training, options.model
    kwargs = {"revision": model_args.model_revision, "attn_implementation": model_args.attn_implementation,
              "dtype": model_args.dtype or "float32", "trust_remote_code": training.trust_remote_code,
              **(training.model_init_kwargs or {})}
    quantization = get_quantization_config(model_args)
    if quantization is not None:
        kwargs["quantization_config"] = quantization
    if training.distributed_state.distributed_type in ("MULTI_GPU", "DEEPSPEED", "FSDP", "MULTI_CPU"):
        kwargs["device_map"] = None  # as SFTTrainer: the launcher places each process's copy or shard
    model = create_model_from_path(resolve_model_path(model_args.model_name_or_path), **kwargs)
    if quantization is not None:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=bool(training.gradient_checkpointing),
            gradient_checkpointing_kwargs=training.gradient_checkpointing_kwargs)
    return model


def attach_adapter(options: Options, model):
    """(model, peft_config): a fresh LoRA from ModelConfig, or the ``--init-adapter`` one, trainable."""
    from pathlib import Path

    from trl import get_peft_config

    if not options.args.init_adapter:
        return model, get_peft_config(options.model)
    from peft import PeftModel

    folder = Path(options.args.init_adapter)
    if not (folder / "adapter_config.json").is_file():
        raise UserError(f"--init-adapter {folder}: no adapter_config.json there",
                        hint="train the first stage first, e.g. --mode uft --name uft")
    return PeftModel.from_pretrained(model, str(folder), is_trainable=True), None


def build_trainer(options: Options, train_dataset, eval_dataset, model=None):
    """SFTTrainer over ``model`` (default: ``load_model(options)``) with a LoRA attached."""
    from transformers import AutoTokenizer, EarlyStoppingCallback
    from trl import SFTTrainer

    from harness.backends.hf import resolve_model_path

    tokenizer = AutoTokenizer.from_pretrained(resolve_model_path(options.model.model_name_or_path))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model, peft_config = attach_adapter(options, model if model is not None else load_model(options))
    return SFTTrainer(model=model, args=options.training, train_dataset=train_dataset, eval_dataset=eval_dataset,
                      processing_class=tokenizer, peft_config=peft_config,
                      callbacks=[EarlyStoppingCallback(early_stopping_patience=options.args.early_stopping_patience)])


def main(argv: list[str] | None = None) -> int:
    """The command line: a UserError (bad option, bad data, contamination) is one line on stderr and exit 2."""
    import os

    from harness.errors import run_main

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    return run_main(lambda: train(argv))


def train(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    if options.args.dry_run:
        from systems.sft.dry_run import print_dry_run

        return print_dry_run(options)
    from systems.sft.outputs import save_outputs

    options.training.disable_tqdm = options.training.disable_tqdm or not sys.stderr.isatty()
    train_dataset, eval_dataset, data_report = build_datasets(options)
    trainer = build_trainer(options, train_dataset, eval_dataset)
    started = time.perf_counter()
    trainer.train()
    folder = save_outputs(options, runtime(options), trainer, data_report, time.perf_counter() - started)
    if folder is not None:
        print(f"adapter saved to {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
