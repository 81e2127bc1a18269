from harness.backends.hf import TransformersBackend
from harness.generation import GenerationParams, Prompt

PARAMS = GenerationParams(max_new_tokens=12)


def prompts(texts):
    return [Prompt(item_id=str(i), messages=[{"role": "user", "content": t}]) for i, t in enumerate(texts)]


def test_batched_generation_matches_one_at_a_time(tiny_model):
    texts = ["Hi", "Tell me about the festivals of Kerala in some detail please", "What is Holi?"]
    batched = TransformersBackend(model=str(tiny_model), batch_size=8).generate(prompts(texts), PARAMS)
    single = TransformersBackend(model=str(tiny_model), batch_size=1).generate(prompts(texts), PARAMS)
    assert [c.text for c in batched] == [c.text for c in single]  # left padding keeps greedy outputs intact
    assert all(c.completion_tokens <= 12 and c.prompt_tokens > 0 for c in batched)


def test_results_keep_input_order_and_report_progress(tiny_model):
    backend = TransformersBackend(model=str(tiny_model), batch_size=2)
    done = []
    texts = ["a", "a much longer prompt than the others, by far", "mid length prompt"]
    completions = backend.generate(prompts(texts), PARAMS, on_done=done.append)
    reference = [backend.generate(prompts([t]), PARAMS)[0].text for t in texts]
    assert [c.text for c in completions] == reference
    assert sum(done) == 3


def test_identity_changes_with_weights(tiny_model, tmp_path):
    from tests.conftest import build_tiny_llama

    other = build_tiny_llama(tmp_path / "other", tiny_model, seed=1)
    assert TransformersBackend(model=str(tiny_model)).identity() != TransformersBackend(model=str(other)).identity()
