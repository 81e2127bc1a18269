"""Draft more training pairs from corpus chunks with a teacher model, for a person to review.

    # draft: a teacher on any OpenAI-compatible endpoint (e.g. `vllm serve Qwen/Qwen2.5-72B-Instruct`)
    python -m systems.sft.make_data draft --endpoint http://127.0.0.1:8000/v1 --model Qwen/Qwen2.5-72B-Instruct \
        --chunks 50 --out systems/sft/data/review/drafts.jsonl
    # review: set "status" to "accept" or "reject" on each line, then merge the accepted ones
    python -m systems.sft.make_data accept systems/sft/data/review/drafts.jsonl

Drafts that repeat existing training data or come near a benchmark question (the contamination
guard's checks) are marked ``rejected`` with the reason, so nobody accepts them by accident.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from harness.errors import UserError, run_main
from systems.sft.args import HERE, REPO

TEACHER_PROMPT = """You write training data for an assistant that answers questions about Indian cultures.
From the passage below, write {n} question-answer pairs. Questions must sound like real people
(a traveller, a new colleague, someone marrying into a family), often describing a situation; one
may rest on a common misconception that the answer corrects politely. Answers: 2-5 sentences,
accurate to the passage, naming the region or community, saying when practice varies. Use only
facts in the passage. Reply with a JSON list only: [{{"question": "...", "answer": "..."}}, ...]

Passage ({title}):
{passage}"""


def parse_pairs(text: str) -> list[dict[str, str]]:
    """The first JSON list of {question, answer} objects in a teacher's reply ([] if none)."""
    match = re.search(r"\[.*\]", text, re.DOTALL)
    if not match:
        return []
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError:
        return []
    return [{"question": d["question"].strip(), "answer": d["answer"].strip()} for d in data
            if isinstance(d, dict) and isinstance(d.get("question"), str) and isinstance(d.get("answer"), str)
            and d["question"].strip() and d["answer"].strip()]


def draft(args) -> int:
    from harness.backends.openai_compat import OpenAIBackend
    from harness.benchmark import load_benchmark
    from harness.generation import GenerationParams, Prompt
    from systems.rag.ingest import load_corpus, split_documents
    from systems.sft.contamination import Thresholds, check
    from systems.sft.data import Pair, load_pairs

    chunks = split_documents(load_corpus(args.corpus), 1200, 100)
    random.Random(args.seed).shuffle(chunks)
    chunks = chunks[: args.chunks]
    teacher = OpenAIBackend(model=args.model, endpoint=args.endpoint, api_key_env=args.api_key_env,
                            concurrency=args.concurrency)
    prompts = [Prompt(item_id=str(n), messages=[{"role": "user", "content": TEACHER_PROMPT.format(
        n=args.pairs_per_chunk, title=c.metadata.get("title", c.metadata["doc_id"]), passage=c.page_content)}])
        for n, c in enumerate(chunks)]
    completions = teacher.generate(prompts, GenerationParams(max_new_tokens=1200, temperature=0.7, seed=args.seed))
    drafts, unparsed = [], 0
    for chunk, completion in zip(chunks, completions):
        pairs = parse_pairs(completion.text)
        unparsed += not pairs
        for pair in pairs:
            drafts.append(Pair(id=f"draft-{len(drafts):05d}", source_docs=[chunk.metadata["doc_id"]],
                               category=chunk.metadata.get("category"), region=chunk.metadata.get("region"),
                               messages=[{"role": "user", "content": pair["question"]},
                                         {"role": "assistant", "content": pair["answer"]}]))
    existing = [p for f in (args.train_file, args.val_file) if Path(f).is_file() for p in load_pairs(f)]
    reasons: dict[str, str] = {}
    thresholds = Thresholds(question_embedding=args.question_embedding_threshold)
    for hit in check(drafts, load_benchmark(args.benchmark).items, thresholds).hits:
        reasons.setdefault(hit.pair_id, f"near benchmark item {hit.item_id} ({hit.check} {hit.value})")
    earlier = {p.id: n for n, p in enumerate(existing + drafts)}  # of two repeats, keep the first
    for hit in check(drafts, [_as_item(p) for p in existing + drafts], thresholds).hits:
        if hit.pair_id not in reasons and earlier[hit.item_id] < earlier[hit.pair_id]:
            reasons[hit.pair_id] = f"repeats {hit.item_id} ({hit.check} {hit.value})"
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as handle:
        for pair in drafts:
            reason = reasons.get(pair.id)
            handle.write(json.dumps({"id": pair.id, "status": "rejected" if reason else "pending", "reason": reason,
                                     "messages": pair.messages, "source_docs": pair.source_docs,
                                     "category": pair.category, "region": pair.region}, ensure_ascii=False) + "\n")
    pending = sum(1 for p in drafts if p.id not in reasons)
    print(f"{len(drafts)} drafts from {len(chunks)} chunks ({unparsed} replies held no JSON list): "
          f"{pending} pending review, {len(reasons)} rejected as duplicates or near the benchmark -> {out}")
    return 0


def _as_item(pair):
    from harness.records import Item

    return Item(id=pair.id, question=pair.question, reference_answer=pair.answer)


def accept(args) -> int:
    from systems.sft.data import check_messages, load_pairs

    from harness.files import iter_jsonl

    accepted = []
    for _, where, row in iter_jsonl(args.review, "review file"):
        status = row.get("status")
        if status not in ("pending", "accept", "reject", "rejected"):
            raise UserError(f"field 'status': '{status}' is not accept, reject, pending or rejected", where=where)
        if status == "accept":
            check_messages(row.get("messages"), where)
            accepted.append(row)
    known = {p.id for p in load_pairs(args.train_file)} if Path(args.train_file).is_file() else set()
    with open(args.train_file, "a", encoding="utf-8") as handle:
        for row in accepted:
            row_id = row["id"] if row["id"] not in known else f"{row['id']}-{len(known)}"
            known.add(row_id)
            handle.write(json.dumps({"id": row_id, "messages": row["messages"], "source_docs": row.get("source_docs", []),
                                     "category": row.get("category"), "region": row.get("region")},
                                    ensure_ascii=False) + "\n")
    print(f"appended {len(accepted)} accepted pairs to {args.train_file}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m systems.sft.make_data", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("draft", help="draft pairs with a teacher model into a review file")
    p.add_argument("--endpoint", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--api-key-env", dest="api_key_env", default="OPENAI_API_KEY")
    p.add_argument("--corpus", default=str(REPO / "systems" / "rag" / "corpus"))
    p.add_argument("--benchmark", default="indian_cultural_nuance")
    p.add_argument("--train-file", dest="train_file", default=str(HERE / "data" / "train.jsonl"))
    p.add_argument("--val-file", dest="val_file", default=str(HERE / "data" / "val.jsonl"))
    p.add_argument("--chunks", type=int, default=20)
    p.add_argument("--pairs-per-chunk", dest="pairs_per_chunk", type=int, default=3)
    p.add_argument("--question-embedding-threshold", dest="question_embedding_threshold", type=float, default=0.75)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=str(HERE / "data" / "review" / "drafts.jsonl"))
    p = sub.add_parser("accept", help="append the pairs marked accept in a review file to the training data")
    p.add_argument("review")
    p.add_argument("--train-file", dest="train_file", default=str(HERE / "data" / "train.jsonl"))
    return parser


def main(argv: list[str] | None = None) -> int:
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    args = build_parser().parse_args(argv)
    return run_main(lambda: {"draft": draft, "accept": accept}[args.command](args))


if __name__ == "__main__":
    raise SystemExit(main())
