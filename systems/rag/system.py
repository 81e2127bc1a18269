"""``rag``: retrieve passages from the Indian-culture corpus and answer with them in the prompt."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field

from harness.generation import Prompt
from harness.hashing import hash_text
from harness.records import Item, RetrievedDoc
from harness.registry import register_system
from harness.system import System, SystemConfig
from systems.base.system import user_message

HERE = Path(__file__).resolve().parent
CORPUS_DIR = HERE / "corpus"


class RagConfig(SystemConfig):
    corpus: str = str(CORPUS_DIR)
    k: int = Field(default=4, ge=1, le=50)
    search: Literal["dense", "mmr", "hybrid"] = "dense"
    fetch_k: int = Field(default=20, ge=1)
    mmr_lambda: float = Field(default=0.5, ge=0, le=1)
    chunk_size: int = Field(default=1000, ge=100)
    chunk_overlap: int = Field(default=150, ge=0)
    embedder: str = "embedded"
    prompt_file: str = str(HERE / "prompt.md")


def format_passages(hits) -> str:
    return "\n\n".join(f"[{n}] {h.text.strip()}" for n, h in enumerate(hits, start=1))


class RetrievalMixin:
    """Retrieval shared by ``rag`` and ``sft+rag``: index lifecycle, passages, provenance."""

    config: RagConfig
    adapter_name: str | None = None

    @cached_property
    def index_settings(self):
        from systems.rag.index import IndexSettings

        return IndexSettings(corpus=self.config.corpus, embedder=self.config.embedder,
                             chunk_size=self.config.chunk_size, chunk_overlap=self.config.chunk_overlap)

    @cached_property
    def index_folder(self) -> Path:
        from systems.rag.index import build

        return build(self.index_settings)

    @cached_property
    def retriever(self):
        from systems.rag.index import embeddings, load
        from systems.rag.retrieve import Retriever

        store, _ = load(self.index_folder, self.config.embedder)
        return Retriever(store, embeddings(self.config.embedder), self.config.search, self.config.k,
                         self.config.fetch_k, self.config.mmr_lambda)

    @cached_property
    def instructions(self) -> str:
        return Path(self.config.prompt_file).read_text(encoding="utf-8").strip()

    def retrieval_fingerprint(self) -> dict:
        return {"index": self.index_folder.name, "prompt": hash_text(self.instructions)}

    def retrieval_prompts(self, items: list[Item]) -> list[Prompt]:
        all_hits = self.retriever.retrieve([i.question for i in items])
        prompts = []
        for item, hits in zip(items, all_hits):
            context = format_passages(hits)
            system = f"{self.instructions}\n\nPassages:\n{context}"
            prompts.append(Prompt(
                item_id=item.id, adapter=self.adapter_name,
                messages=[{"role": "system", "content": system}, user_message(self.question_template, item)],
                retrieved=[RetrievedDoc(doc_id=h.doc_id, chunk_id=h.chunk_id, score=h.score) for h in hits],
                context_tokens=self.backend.count_tokens(context),
            ))
        return prompts


@register_system("rag")
class RagSystem(RetrievalMixin, System):
    family = "rag"
    Config = RagConfig

    def fingerprint_parts(self):
        return self.retrieval_fingerprint()

    def prepare(self, items: list[Item]) -> list[Prompt]:
        return self.retrieval_prompts(items)
