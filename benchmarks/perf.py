"""Generation speed of the transformers backend, as ratios (not a timed test).

    python -m benchmarks.perf [--model embedded] [--n 16] [--batch-size 8] [--max-new-tokens 64]

(a) harness overhead: TransformersBackend.generate time / a bare loop of tokenizer +
    model.generate over the same prompts and batch size (target <= 1.10);
(b) batching: throughput at --batch-size against one prompt at a time (target >= 2x).
"""

from __future__ import annotations

import argparse
import os
import time


def questions(n: int) -> list[str]:
    from harness.benchmark import load_benchmark, known_benchmarks

    if "indian_cultural_nuance" in known_benchmarks():
        return [i.question for i in load_benchmark("indian_cultural_nuance", split="dev", limit=n).items]
    return [f"What should a visitor know about local customs in Indian state number {i}?" for i in range(n)]


def raw_generate(backend, texts: list[str], batch_size: int, max_new_tokens: int) -> int:
    """The bare baseline: tokenize a batch with left padding, call model.generate, decode."""
    import torch

    tokenizer, model = backend.tokenizer, backend.hf_model
    produced = 0
    for start in range(0, len(texts), batch_size):
        encoded = tokenizer(texts[start : start + batch_size], return_tensors="pt", padding=True,
                            add_special_tokens=False).to(backend.device)
        with torch.inference_mode():
            output = model.generate(**encoded, max_new_tokens=max_new_tokens, do_sample=False,
                                    pad_token_id=tokenizer.pad_token_id, temperature=None, top_p=None, top_k=None)
        new = output[:, encoded["input_ids"].shape[1]:]
        tokenizer.batch_decode(new, skip_special_tokens=True)
        produced += int((new != tokenizer.pad_token_id).sum())
    return produced


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--n", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    args = parser.parse_args(argv)

    from harness.backends.hf import TransformersBackend
    from harness.generation import GenerationParams, Prompt

    backend = TransformersBackend(model=args.model, batch_size=args.batch_size)
    prompts = [Prompt(item_id=str(i), messages=[{"role": "user", "content": q}])
               for i, q in enumerate(questions(args.n))]
    texts = [backend.render(p.messages) for p in prompts]
    params = GenerationParams(max_new_tokens=args.max_new_tokens)
    backend.generate(prompts[:2], params)  # warm-up: load weights, first kernels

    raw_s, raw_tokens = timed(lambda: raw_generate(backend, texts, args.batch_size, args.max_new_tokens))
    harness_s, completions = timed(lambda: backend.generate(prompts, params))
    harness_tokens = sum(c.completion_tokens for c in completions)
    backend.batch_size = 1
    single_s, singles = timed(lambda: backend.generate(prompts, params))
    single_tokens = sum(c.completion_tokens for c in singles)

    print(f"model {args.model}, {args.n} prompts, batch size {args.batch_size}, max_new_tokens {args.max_new_tokens}, "
          f"device {backend.device}, threads {__import__('torch').get_num_threads()}")
    print(f"raw model.generate loop : {raw_s:7.2f} s  {raw_tokens / raw_s:7.1f} tokens/s")
    print(f"harness, batched        : {harness_s:7.2f} s  {harness_tokens / harness_s:7.1f} tokens/s")
    print(f"harness, one at a time  : {single_s:7.2f} s  {single_tokens / single_s:7.1f} tokens/s")
    print(f"(a) harness / raw time           = {harness_s / raw_s:.3f}  (target <= 1.10)")
    print(f"(b) batched / one-at-a-time rate = {(harness_tokens / harness_s) / (single_tokens / single_s):.2f}x "
          f"(target >= 2x; answers/s ratio {single_s / harness_s:.2f}x)")


if __name__ == "__main__":
    main()
