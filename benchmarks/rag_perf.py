"""RAG index and retrieval speed, as figures against targets (not a timed test).

    python -m benchmarks.rag_perf [--corpus PATH] [--queries 200] [--search dense]

Reports index build time for the corpus (target <= 60 s on 2 cores), cached load time (<= 3 s),
median retrieval latency for one query at a time (<= 25 ms), and recall@k / MRR of the items'
gold documents over the whole benchmark (target recall@4 >= 0.85).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=None)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--search", default="dense", choices=["dense", "mmr", "hybrid"])
    args = parser.parse_args(argv)

    from harness.benchmark import load_benchmark
    from systems.rag.index import IndexSettings, build, embeddings, load
    from systems.rag.retrieve import Retriever
    from systems.rag.system import RagConfig

    config = RagConfig(**({"corpus": args.corpus} if args.corpus else {}))
    settings = IndexSettings(corpus=config.corpus, embedder=config.embedder, chunk_size=config.chunk_size,
                             chunk_overlap=config.chunk_overlap)
    embeddings(config.embedder).embed_query("warm up the embedder")  # model load is not index build
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["HARNESS_INDEX_DIR"] = scratch
        started = time.perf_counter()
        folder = build(settings, force=True)
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        store, details = load(folder, config.embedder)
        load_s = time.perf_counter() - started
        retriever = Retriever(store, embeddings(config.embedder), args.search, config.k, config.fetch_k)
        items = load_benchmark("indian_cultural_nuance").items
        questions = [i.question for i in items][: args.queries]
        retriever.retrieve(questions[:3])
        from harness.report.retrieval import item_metrics

        scored = [item_metrics(i.gold_docs, [h.doc_id for h in hits])
                  for i, hits in zip(items, retriever.retrieve([i.question for i in items])) if i.gold_docs]
        latencies = []
        for question in questions:
            started = time.perf_counter()
            retriever.retrieve([question])
            latencies.append((time.perf_counter() - started) * 1000)
    print(f"corpus {config.corpus}: {details['documents']} documents, {details['chunks']} chunks "
          f"(chunk size {config.chunk_size}, overlap {config.chunk_overlap}), search {args.search}")
    print(f"index build         : {build_s:6.1f} s   (target <= 60 s)   ratio {build_s / 60:.2f}")
    print(f"cached load          : {load_s:6.2f} s   (target <= 3 s)    ratio {load_s / 3:.2f}")
    recall = sum(r for r, _ in scored) / len(scored)
    print(f"recall@{config.k} / MRR  : {recall:.3f} / {sum(m for _, m in scored) / len(scored):.3f} over "
          f"{len(scored)} benchmark items with gold docs (target recall@4 >= 0.85)")
    median = statistics.median(latencies)
    print(f"retrieval, median    : {median:6.1f} ms  (target <= 25 ms)  ratio {median / 25:.2f}; "
          f"p95 {sorted(latencies)[int(0.95 * len(latencies)) - 1]:.1f} ms over {len(latencies)} queries")


if __name__ == "__main__":
    main()
