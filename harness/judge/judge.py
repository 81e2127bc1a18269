"""One judge: a model on either backend plus a rubric. Grades answers and compares pairs.

Choose it with ``--judge``: ``embedded`` (the local SmolLM2, weak), ``hf:MODEL_OR_PATH``, or
``openai:MODEL@URL`` (vLLM, llama.cpp, Ollama, a hosted API). Unparseable replies are retried
with sampling, then recorded as unparsed: never scored.
"""

from __future__ import annotations

from functools import cached_property

from harness.errors import UserError
from harness.generation import Completion, GenerationParams, Prompt
from harness.hashing import hash_value
from harness.judge.parse import SingleVerdict, parse_pairwise, parse_single, weighted_scores
from harness.judge.prompts import pairwise_prompt, single_prompt
from harness.judge.specs import JudgeSpec, parse_judge_spec  # noqa: F401  (parse_judge_spec re-exported)
from harness.records import Item
from harness.rubric import Rubric

WEAK_JUDGES = {"embedded"}


class Judge:
    def __init__(self, spec: JudgeSpec, rubric: Rubric, *, backend=None, retries: int = 2, max_new_tokens: int = 320,
                 top_logprobs: int = 5, api_key_env: str = "OPENAI_API_KEY", concurrency: int = 16,
                 batch_size: int = 8):
        self.spec, self.rubric, self.retries = spec, rubric, retries
        self.params = GenerationParams(max_new_tokens=max_new_tokens, temperature=0.0, top_logprobs=top_logprobs)
        self._backend = backend
        self._backend_options = {"api_key_env": api_key_env, "concurrency": concurrency, "batch_size": batch_size}

    @cached_property
    def backend(self):
        if self._backend is not None:
            return self._backend
        from harness.backends import make_backend

        backend = make_backend(self.spec.backend, model=self.spec.model, endpoint=self.spec.endpoint,
                               **self._backend_options)
        if hasattr(backend, "check"):
            backend.check()
        return backend

    def close(self) -> None:
        if "backend" in self.__dict__ and self._backend is None:
            self.backend.close()

    @cached_property
    def fingerprint(self) -> str:
        return hash_value({"judge": self.backend.identity(), "params": self.params.model_dump(),
                           "mode": self.spec.mode, "rubric": [self.rubric.name, self.rubric.version, self.rubric.prompt_hash]})

    def _form(self, conversations, fields, keys=None) -> list[list[dict[str, float]]]:
        """Form-fill each prompt; prompts with the same key (the item) share one prefill of their prefix."""
        from harness.backends.form_fill import form_fill

        texts = [self.backend.render(messages) for messages in conversations]
        return form_fill(self.backend, texts, fields, keys=keys)

    def _complete(self, conversations: list[list[dict[str, str]]], accept) -> list[tuple[Completion, object, int]]:
        """Generate, parse with ``accept(index, completion)``; retry what failed with sampling.
        (completion, parsed, attempts) per conversation."""
        prompts = [Prompt(item_id=str(i), messages=m) for i, m in enumerate(conversations)]
        results: list = [None] * len(prompts)
        pending = list(range(len(prompts)))
        for attempt in range(self.retries + 1):
            params = self.params if attempt == 0 else self.params.model_copy(
                update={"temperature": 0.7, "seed": self.params.seed + attempt})
            completions = self.backend.generate([prompts[i] for i in pending], params)
            still = []
            for i, completion in zip(pending, completions):
                parsed = None if completion.error else accept(i, completion)
                results[i] = (completion, parsed, attempt + 1)
                if parsed is None:
                    still.append(i)
            pending = still
            if not pending:
                break
        return results

    def grade(self, pairs: list[tuple[Item, str]]) -> list[tuple[Completion, SingleVerdict | None, int]]:
        rubric = self.rubric
        low, high = rubric.scale["min"], rubric.scale["max"]
        if self.spec.mode == "form":
            return self._grade_form(pairs)

        def accept(_, completion: Completion):
            verdict = parse_single(completion.text, rubric.criterion_ids, rubric.flags, low, high)
            if verdict is None:
                return None
            return weighted_scores(completion.logprobs, completion.text, verdict, rubric.criterion_ids, low, high)

        return self._complete([single_prompt(rubric, item, answer) for item, answer in pairs], accept)

    def _grade_form(self, pairs):
        rubric = self.rubric
        scale = [str(v) for v in range(rubric.scale["min"], rubric.scale["max"] + 1)]
        fields = [(("" if n == 0 else "\n") + f"SCORE {c}:", [f" {v}" for v in scale])
                  for n, c in enumerate(rubric.criterion_ids)]
        fields += [(f"\nFLAG {flag}:", [" yes", " no"]) for flag in rubric.flags]
        results = []
        for distributions in self._form([single_prompt(rubric, item, answer) for item, answer in pairs], fields,
                                        keys=[item.id for item, _ in pairs]):
            scores = {c: sum(int(v.strip()) * p for v, p in dist.items())
                      for c, dist in zip(rubric.criterion_ids, distributions)}
            flags = {f: dist[" yes"] > 0.5 for f, dist in zip(rubric.flags, distributions[len(scores):])}
            raw = "form-filled: " + "; ".join(f"{c}={s:.2f}" for c, s in scores.items())
            results.append((Completion(text=raw), SingleVerdict(scores, flags, weighted=True), 1))
        return results

    def compare(self, triples: list[tuple[Item, str, str]]) -> list[tuple[Completion, str | None, int]]:
        """Verdicts 'a' (first shown), 'b' (second) or 'tie' for each (item, first, second)."""
        if self.spec.mode == "form":
            fields = [("VERDICT:", [" A", " B", " TIE"])]
            conversations = [pairwise_prompt(self.rubric, item, a, b) for item, a, b in triples]
            verdicts = []
            for [dist] in self._form(conversations, fields, keys=[item.id for item, _, _ in triples]):
                choice = max(dist, key=dist.get)
                raw = "form-filled: " + ", ".join(f"{k.strip()}={v:.2f}" for k, v in dist.items())
                verdicts.append((Completion(text=raw), {" A": "a", " B": "b", " TIE": "tie"}[choice], 1))
            return verdicts
        return self._complete([pairwise_prompt(self.rubric, item, a, b) for item, a, b in triples],
                              lambda _, completion: parse_pairwise(completion.text))

    def support(self, cases) -> list[tuple[Completion, list[bool] | None, int, list[float] | None]]:
        """Per ``SupportCase``: (completion, supported per sentence or None when unparsed, attempts,
        the probability of "yes" per sentence on a form-filling judge, else None)."""
        from harness.judge.support import answer_prompt, parse_support, sentence_prompt

        if self.spec.mode == "form":
            flat = [(k, sentence) for k, case in enumerate(cases) for sentence in case.sentences]
            fields = [("SUPPORTED:", [" yes", " no"])]
            filled = self._form([sentence_prompt(cases[k].passages, s) for k, s in flat], fields,
                                keys=[k for k, _ in flat]) if flat else []
            probabilities: list[list[float]] = [[] for _ in cases]
            for (k, _), [dist] in zip(flat, filled):
                probabilities[k].append(dist[" yes"])
            return [(Completion(text="form-filled: " + ", ".join(f"{n}={p:.2f}" for n, p in enumerate(ps, 1))),
                     [p > 0.5 for p in ps], 1, ps) for ps in probabilities]
        return [(completion, parsed, attempts, None) for completion, parsed, attempts in self._complete(
            [answer_prompt(case) for case in cases],
            lambda k, completion: parse_support(completion.text, len(cases[k].sentences)))]

