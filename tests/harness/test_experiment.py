"""One experiment end to end on a tiny model: named variants of rag and sft, a control benchmark, a
form-filling judge on the anchor plan, and every section the verdict relies on in the leaderboard."""

import json

import pytest

from harness.cli import main
from harness.hashing import hash_file
from tests.conftest import write_jsonl

ITEMS = [
    {"id": f"m{k}", "question": q, "category": c, "region": "south", "key_points": kp,
     "reference_answer": " ".join(kp) + ".", "split": "dev"}
    for k, (q, c, kp) in enumerate([
        ("What happens at Pongal?", "festivals", ["Rice is boiled with milk until it overflows"]),
        ("How should I behave in a gurdwara?", "religion", ["Visitors cover their heads", "Shoes are removed"]),
        ("What is langar?", "religion", ["Langar is a free community kitchen"]),
        ("When is Pongal held?", "festivals", ["Pongal falls in January"]),
        ("What does overflowing rice mean at Pongal?", "festivals", ["Overflowing rice is a sign of abundance"]),
        ("Who eats at langar?", "religion", ["Everyone eats langar seated together"]),
    ])
]
CONTROL = [{"id": f"c{k}", "question": q, "key_points": kp, "reference_answer": kp[0] + ".", "split": "dev"}
           for k, (q, kp) in enumerate([("Why does ice float?", ["Ice is less dense than water"]),
                                         ("How long should an egg boil?", ["About eight minutes gives a firm yolk"]),
                                         ("What is Oktoberfest?", ["Oktoberfest is a beer festival in Munich"])])]
DOCS = {"pongal.md": "---\nid: fest-pongal\ntitle: Pongal\n---\nPongal is the Tamil harvest festival in January. "
                     "Rice is boiled with milk until it overflows, a sign of abundance.\n",
        "gurdwara.md": "---\nid: relig-gurdwara\ntitle: Gurdwara visits\n---\nVisitors to a gurdwara remove their "
                       "shoes and cover their heads. Langar, the free community kitchen, serves everyone seated "
                       "together.\n"}


def make_adapter(folder, tiny_model, rank, train_file):
    import torch
    import yaml
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(rank)
    model = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_model),
                           LoraConfig(r=rank, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    model.save_pretrained(folder)
    (folder / "training_config.yaml").write_text(yaml.safe_dump({"lora_r": rank}))
    (folder / "data.json").write_text(json.dumps({"mode": "sft", "train_examples": 1, "train_file": str(train_file),
                                                  "data_hashes": {str(train_file): hash_file(train_file, 64)}}))


@pytest.mark.slow
def test_variants_control_and_judge_make_a_complete_leaderboard(tmp_path, tiny_model, monkeypatch):
    monkeypatch.setenv("HARNESS_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    main_bench = tmp_path / "main"
    main_bench.mkdir()
    write_jsonl(main_bench / "items.jsonl", ITEMS)
    (main_bench / "benchmark.yaml").write_text("name: tiny_main\nversion: '1'\nsplits: [dev]\n")
    control = tmp_path / "control"
    control.mkdir()
    write_jsonl(control / "items.jsonl", CONTROL)
    (control / "benchmark.yaml").write_text("name: tiny_control\nversion: '1'\nrole: control\nsplits: [dev]\n")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in DOCS.items():
        (corpus / name).write_text(text)
    train = write_jsonl(tmp_path / "train.jsonl", [{"id": "t1", "messages": [
        {"role": "user", "content": "Tell me about Pongal"},
        {"role": "assistant", "content": "Rice is boiled with milk until it overflows, a sign of abundance."}]}])
    for rank in (2, 4):
        make_adapter(tmp_path / f"sft-r{rank}", tiny_model, rank, train)
    config = tmp_path / "run.yaml"
    config.write_text(f"""
benchmark: {main_bench}
split: dev
model: {tiny_model}
max_new_tokens: 8
corpus: {corpus}
out: {tmp_path / 'out'}
systems:
  base:
  rag-k1: {{kind: rag, k: 1, chunk_size: 300, chunk_overlap: 30}}
  rag-k2: {{kind: rag, k: 2, search: hybrid, chunk_size: 300, chunk_overlap: 30}}
  sft-r2: {{kind: sft, adapter: {tmp_path / 'sft-r2'}}}
  sft-r4: {{kind: sft, adapter: {tmp_path / 'sft-r4'}}}
judge: [hf-form:{tiny_model}]
control: {control}
""")
    assert main(["run", "--config", str(config), "--dry-run"]) == 0
    assert not (tmp_path / "out" / "runs").exists()  # a dry run writes nothing
    assert main(["run", "--config", str(config)]) == 0

    runs = {json.loads(p.read_text())["benchmark"]["name"]: p.parent
            for p in (tmp_path / "out" / "runs").glob("*/manifest.json")}
    assert set(runs) == {"tiny_main", "tiny_control"}
    manifest = json.loads((runs["tiny_main"] / "manifest.json").read_text())
    assert {name: e["kind"] for name, e in manifest["systems"].items()} == {
        "base": "base", "rag-k1": "rag", "rag-k2": "rag", "sft-r2": "sft", "sft-r4": "sft"}
    assert manifest["systems"]["sft-r4"]["details"]["adapter_hash"]
    games = [json.loads(line) for line in (runs["tiny_main"] / "pairwise.jsonl").read_text().splitlines()]
    pairs = {frozenset((g["first_system"], g["second_system"])) for g in games}
    # anchor plan: 4 against base, plus 2 x 2 SFT-family vs RAG-family pairs; never rag vs rag
    assert len(pairs) == 8 and frozenset(("rag-k1", "rag-k2")) not in pairs
    assert len(games) == 8 * len(ITEMS) * 2
    assert not (runs["tiny_control"] / "pairwise.jsonl").exists()  # the control gets single grades only
    assert (runs["tiny_control"] / "judgments.jsonl").is_file()

    board = (tmp_path / "out" / "leaderboard.md").read_text()
    verdict = board.split("\n## ")[0]
    assert "vs RAG-K" in verdict and "best of 2 x 2 variants" in verdict
    assert "has no judge check under this rubric version" in verdict
    assert "taught items" in verdict and "on general questions" in verdict
    for heading in ("## Taught vs untaught items", "## Over-specialisation control", "## Iteration history",
                    "## RAG diagnostics", "length-controlled"):
        assert heading.lower() in board.lower(), heading
    assert "| sft-r4 |" in board and "| rag-k2 |" in board

    # the viewer reads the taught labels the leaderboard cached, without computing (or loading torch)
    from harness.run_records import collect
    from harness.view.data import taught_label

    comparison = collect(tmp_path / "out")
    labels = {item.id: taught_label(comparison, item) for item in comparison.items}
    assert None not in labels.values() and labels["m0"] == "taught"  # the one training pair teaches m0
    assert "untaught" in labels.values()
