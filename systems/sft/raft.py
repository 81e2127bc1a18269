"""RAFT-style training prompts: the gold passage plus distractors, in the sft+rag inference format.

A model fine-tuned without context can get worse when handed retrieved passages. RAFT trains it
with the prompt it will see: the RAG instructions and numbered passages, where the gold passage
is present with probability ``gold_probability`` and hard distractors (top retrieved chunks from
other documents) fill the rest, shuffled.
"""

from __future__ import annotations

import random

from systems.sft.data import Pair


def raft_system_prompts(pairs: list[Pair], corpus: str, *, distractors: int, gold_probability: float,
                        seed: int) -> list[str]:
    from systems.rag.index import IndexSettings, build, embeddings, load
    from systems.rag.retrieve import Retriever, hit
    from systems.rag.system import RagConfig, format_passages

    config = RagConfig(corpus=corpus)
    settings = IndexSettings(corpus=corpus, embedder=config.embedder, chunk_size=config.chunk_size,
                             chunk_overlap=config.chunk_overlap)
    store, _ = load(build(settings), config.embedder)
    retriever = Retriever(store, embeddings(config.embedder), "dense", k=distractors + 8)
    instructions = open(config.prompt_file, encoding="utf-8").read().strip()
    by_doc: dict[str, list] = {}
    for chunk in retriever.chunks:
        by_doc.setdefault(chunk.metadata["doc_id"], []).append(chunk)
    rng = random.Random(seed)
    prompts = []
    for pair, hits in zip(pairs, retriever.retrieve([p.question for p in pairs])):
        gold_ids = set(pair.source_docs)
        gold = [h for h in hits if h.doc_id in gold_ids][:1]
        if not gold and gold_ids & by_doc.keys():
            gold = [hit(by_doc[sorted(gold_ids & by_doc.keys())[0]][0], 0.0)]
        chosen = [h for h in hits if h.doc_id not in gold_ids][:distractors]
        if gold and rng.random() < gold_probability:
            chosen = chosen[: distractors - 1] + gold if distractors else gold
        rng.shuffle(chosen)
        prompts.append(f"{instructions}\n\nPassages:\n{format_passages(chosen)}")
    return prompts
