"""Form filling with an in-process model: after a prompt, read the model's probabilities over a few
choices for each field in turn (``SCORE accuracy:`` -> " 1" ... " 5"), append the likeliest, go on.

One prefill per prompt; later fields reuse the KV cache. Weak models that cannot keep a verdict
format still give a probability-weighted score this way (the G-Eval recipe), always parseable.
"""

from __future__ import annotations


def choice_token_ids(tokenizer, choices: list[str]) -> tuple[list[int], list[list[int]]]:
    """(tokens shared by every choice, to append to the prefix; the distinguishing token of each choice).

    Tokenizers differ: ' 3' is one token in some and a space plus '3' in others (SmolLM2). A token
    that every choice starts with belongs to the prefix; the next one tells the choices apart.
    """
    spelled = [tokenizer(" " + c.strip(), add_special_tokens=False)["input_ids"] for c in choices]
    shared = 0
    while all(len(t) > shared + 1 for t in spelled) and len({t[shared] for t in spelled}) == 1:
        shared += 1
    groups = []
    for choice, tokens in zip(choices, spelled):
        variants = {tokens[shared]}
        if shared == 0:  # also accept the spelling without a leading space
            variants.add(tokenizer(choice.strip(), add_special_tokens=False)["input_ids"][0])
        groups.append(sorted(variants))
    flat = [i for group in groups for i in group]
    if len(flat) != len(set(flat)):
        raise ValueError(f"choices {choices} share their distinguishing tokens; form filling cannot tell them apart")
    return spelled[0][:shared], groups


def form_fill(backend, texts: list[str], fields: list[tuple[str, list[str]]], adapter: str | None = None,
              on_done=None) -> list[list[dict[str, float]]]:
    """Per text, per field: {choice: probability renormalised over the choices}."""
    import torch

    tokenizer = backend.tokenizer
    model, context = backend._model_for(adapter)
    spelled = [choice_token_ids(tokenizer, choices) for _, choices in fields]
    shared = [s for s, _ in spelled]
    groups = [g for _, g in spelled]
    results: list[list[dict[str, float]]] = []
    for start in range(0, len(texts), backend.batch_size):
        batch = texts[start : start + backend.batch_size]
        encoded = tokenizer([t + fields[0][0] for t in batch], return_tensors="pt", padding=True,
                            add_special_tokens=False).to(backend.device)
        ids, mask = encoded["input_ids"], encoded["attention_mask"]
        if shared[0]:
            extra = torch.tensor([shared[0]] * len(batch), device=backend.device)
            ids, mask = torch.cat([ids, extra], dim=1), torch.cat([mask, torch.ones_like(extra)], dim=1)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        past, rows = None, [[] for _ in batch]
        with torch.inference_mode(), context:
            for k, (_, choices) in enumerate(fields):
                output = model(input_ids=ids, attention_mask=mask, position_ids=positions, past_key_values=past,
                               use_cache=True, logits_to_keep=1)
                past = output.past_key_values
                logprobs = torch.log_softmax(output.logits[:, -1, :].float(), dim=-1)
                scores = torch.stack([torch.logsumexp(logprobs[:, group], dim=-1) for group in groups[k]], dim=-1)
                probs = torch.softmax(scores, dim=-1)
                for row in range(len(batch)):
                    rows[row].append({c: float(p) for c, p in zip(choices, probs[row])})
                if k + 1 == len(fields):
                    break
                suffix = tokenizer(fields[k + 1][0], add_special_tokens=False)["input_ids"] + shared[k + 1]
                chosen = probs.argmax(dim=-1).tolist()
                ids = torch.tensor([[groups[k][c][0], *suffix] for c in chosen], device=backend.device)
                mask = torch.cat([mask, torch.ones_like(ids)], dim=1)
                positions = positions[:, -1:] + torch.arange(1, ids.shape[1] + 1, device=backend.device)
        results += rows
        if on_done:
            on_done(len(batch))
    return results
