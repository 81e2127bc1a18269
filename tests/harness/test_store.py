import json

from harness.keys import generation_key as generation_cache_key
from harness.store import JsonlStore, KeyedCache


def test_partial_last_line_is_cut_on_open(tmp_path):
    path = tmp_path / "g.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n{"a": 3, "tru')  # what kill -9 mid-write leaves
    store = JsonlStore(path)
    assert [r["a"] for r in store] == [1, 2]
    store.append({"a": 3})
    store.close()
    assert [json.loads(line)["a"] for line in path.read_text().splitlines()] == [1, 2, 3]


def test_cache_key_depends_on_fingerprint_prompt_adapter_and_params():
    messages = [{"role": "user", "content": "hi"}]
    params = {"max_new_tokens": 8, "temperature": 0.0}
    key = generation_cache_key("fp-a", messages, None, params)
    assert key == generation_cache_key("fp-a", messages, None, dict(params))
    assert key != generation_cache_key("fp-b", messages, None, params)
    assert key != generation_cache_key("fp-a", [{"role": "user", "content": "hi!"}], None, params)
    assert key != generation_cache_key("fp-a", messages, "sft", params)
    assert key != generation_cache_key("fp-a", messages, None, {**params, "max_new_tokens": 9})


def test_keyed_cache_survives_reopen(tmp_path):
    cache = KeyedCache(tmp_path / "c.jsonl")
    cache.put("k", {"text": "x"})
    cache.close()
    assert KeyedCache(tmp_path / "c.jsonl").get("k") == {"text": "x"}
