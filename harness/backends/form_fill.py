"""Form filling with an in-process model: after a prompt, read the model's probabilities over a few
choices for each field in turn (``SCORE accuracy:`` -> " 1" ... " 5"), append the likeliest, go on.

Prompts sharing a prefix (one item's instructions, question and reference, graded for several
answers) prefill it once; later fields reuse the KV cache. Weak models that cannot keep a verdict
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


MIN_SHARED_PREFIX = 32  # tokens two prompts must share before one prefill serves both


def _common(a: list[int], b: list[int]) -> int:
    return next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def prefix_groups(ids: list[list[int]], keys: list | None = None,
                  min_shared: int = MIN_SHARED_PREFIX) -> list[tuple[int, list[int]]]:
    """(shared prefix length, member indices): prompts with the same key (e.g. the item) form a group,
    or without keys, neighbours in sorted order sharing ``min_shared`` tokens. Every member keeps at
    least one token after the prefix (the step that reads the first field)."""
    if keys is not None:
        by_key: dict = {}
        for i, key in enumerate(keys):
            by_key.setdefault(key, []).append(i)
        clusters = list(by_key.values())
    else:
        clusters = []
        for i in sorted(range(len(ids)), key=lambda i: ids[i]):
            if clusters and _common(ids[clusters[-1][-1]], ids[i]) >= min_shared:
                clusters[-1].append(i)
            else:
                clusters.append([i])
    groups = []
    for members in clusters:
        shared = min(len(ids[i]) - 1 for i in members)
        for i in members[1:]:
            shared = min(shared, _common(ids[members[0]], ids[i]))
        groups.append((shared, members))
    return groups


def form_fill(backend, texts: list[str], fields: list[tuple[str, list[str]]], adapter: str | None = None,
              on_done=None, keys: list | None = None, share_across_groups: bool = True) -> list[list[dict[str, float]]]:
    """Per text, per field: {choice: probability renormalised over the choices}.

    Prompts that share a prefix (one item's question and reference, graded for several answers;
    ``keys`` names the item of each text) are prefilled once: the prefix's KV cache is repeated over
    each batch of continuations, which are left-padded between prefix and continuation so every row
    ends at the same step. What every group shares (the rubric's instructions and criteria, before
    any item) is prefilled once for the whole call and extended per group
    (``share_across_groups``).
    """
    import copy

    import torch

    tokenizer = backend.tokenizer
    model, context = backend._model_for(adapter)
    spelled = [choice_token_ids(tokenizer, choices) for _, choices in fields]
    shared = [s for s, _ in spelled]
    groups = [g for _, g in spelled]
    ids = [row + shared[0] for row in tokenizer([t + fields[0][0] for t in texts], add_special_tokens=False)["input_ids"]]
    results: list[list[dict[str, float]] | None] = [None] * len(texts)
    device, pad = backend.device, tokenizer.pad_token_id
    groups_of_prefix = prefix_groups(ids, keys)
    common = min(p for p, _ in groups_of_prefix)
    for _, members in groups_of_prefix[1:]:
        common = min(common, _common(ids[groups_of_prefix[0][1][0]], ids[members[0]]))
    with torch.inference_mode(), context:
        base = None
        if share_across_groups and len(groups_of_prefix) > 1 and common >= MIN_SHARED_PREFIX:
            start = torch.tensor([ids[groups_of_prefix[0][1][0]][:common]], device=device)
            base = model(input_ids=start, use_cache=True, logits_to_keep=1).past_key_values
        for prefix_length, members in groups_of_prefix:
            if base is None:
                prefix = torch.tensor([ids[members[0]][:prefix_length]], device=device)
                prefilled = model(input_ids=prefix, use_cache=True, logits_to_keep=1).past_key_values
            elif prefix_length > common:
                rest = torch.tensor([ids[members[0]][common:prefix_length]], device=device)
                prefilled = model(input_ids=rest, past_key_values=copy.deepcopy(base), use_cache=True,
                                  logits_to_keep=1).past_key_values
            else:
                prefilled = copy.deepcopy(base)
            for start in range(0, len(members), backend.batch_size):
                batch = members[start : start + backend.batch_size]
                rows = _fill_batch(model, tokenizer, fields, groups, shared, copy.deepcopy(prefilled), prefix_length,
                                   [ids[i][prefix_length:] for i in batch], pad, device)
                for i, row in zip(batch, rows):
                    results[i] = row
                if on_done:
                    on_done(len(batch))
    return results  # type: ignore[return-value]


def _fill_batch(model, tokenizer, fields, groups, shared, past, prefix_length: int, continuations: list[list[int]],
                pad: int, device) -> list[list[dict[str, float]]]:
    import torch

    width = max(len(c) for c in continuations)
    ids = torch.tensor([[pad] * (width - len(c)) + c for c in continuations], device=device)
    tail = torch.tensor([[0] * (width - len(c)) + [1] * len(c) for c in continuations], device=device)
    mask = torch.cat([torch.ones(len(continuations), prefix_length, dtype=tail.dtype, device=device), tail], dim=1)
    positions = prefix_length + (tail.cumsum(-1) - 1).clamp(min=0)
    if len(continuations) > 1:
        past.batch_repeat_interleave(len(continuations))
    rows: list[list[dict[str, float]]] = [[] for _ in continuations]
    for k, (_, choices) in enumerate(fields):
        output = model(input_ids=ids, attention_mask=mask, position_ids=positions, past_key_values=past,
                       use_cache=True, logits_to_keep=1)
        past = output.past_key_values
        logprobs = torch.log_softmax(output.logits[:, -1, :].float(), dim=-1)
        scores = torch.stack([torch.logsumexp(logprobs[:, group], dim=-1) for group in groups[k]], dim=-1)
        probs = torch.softmax(scores, dim=-1)
        for row in range(len(continuations)):
            rows[row].append({c: float(p) for c, p in zip(choices, probs[row])})
        if k + 1 == len(fields):
            break
        suffix = tokenizer(fields[k + 1][0], add_special_tokens=False)["input_ids"] + shared[k + 1]
        chosen = probs.argmax(dim=-1).tolist()
        ids = torch.tensor([[groups[k][c][0], *suffix] for c in chosen], device=device)
        mask = torch.cat([mask, torch.ones_like(ids)], dim=1)
        positions = positions[:, -1:] + torch.arange(1, ids.shape[1] + 1, device=device)
    return rows
