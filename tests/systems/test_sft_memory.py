"""The dry-run estimate against hand calculations for known configurations."""

import pytest

from systems.sft.args import parse_args
from systems.sft.dry_run import estimate_for
from systems.sft.memory import GIB, NF4_BYTES_PER_PARAM, ModelShape, estimate

QWEN25_7B = ModelShape(3584, 18944, 28, 28, 4, 152064, False)
LLAMA31_8B = ModelShape(4096, 14336, 32, 32, 8, 128256, False)


@pytest.mark.parametrize("shape, published", [(QWEN25_7B, 7.62e9), (LLAMA31_8B, 8.03e9)])
def test_parameter_counts_match_published_sizes_within_half_a_percent(shape, published):
    assert abs(shape.total_params() - published) / published < 0.005


def test_lora_count_by_hand():
    # q,o: r*(h+h); k,v: r*(h+kv); gate,up: r*(h+i); down: r*(i+h)
    h, i, kv, r = 3584, 18944, 512, 16
    per_layer = 2 * r * (h + h) + 2 * r * (h + kv) + 3 * r * (h + i)
    assert QWEN25_7B.lora_params(r) == 28 * per_layer


def test_qlora_estimate_matches_a_hand_calculation_within_two_percent():
    result = estimate(QWEN25_7B, micro_batch=2, seq_len=1024, lora_r=16, quantization="nf4")
    linear = QWEN25_7B.linear_params()
    lora = QWEN25_7B.lora_params(16)
    tokens = 2 * 1024
    hand = (linear * NF4_BYTES_PER_PARAM + 2 * 152064 * 3584 * 4  # NF4 linears, embeddings + lm_head fp32 (k-bit prep)
            + lora * (2 + 2 + 2)  # bf16 weights and grads (TRL casts them over a 4-bit base), 8-bit Adam states
            + 28 * tokens * 3584 * 2 + tokens * (34 * 3584 + 5 * 18944)  # checkpoints + one layer recomputed
            + tokens * 152064 * 10 + 0.8 * GIB)  # logits bf16 + fp32 + grad, CUDA context
    assert abs(result.total - hand) / hand < 0.02
    assert result.fits(24) and 8 * GIB < result.total < 14 * GIB


def test_a30_preset_dry_run_fits_in_24_gib():
    args = parse_args(["--config", "systems/sft/configs/a30-qlora-8b.yaml", "--dry-run"])
    result = estimate_for(args)
    assert result.fits(24)
    no_checkpointing = estimate(QWEN25_7B, micro_batch=2, seq_len=1024, lora_r=16, quantization="nf4",
                                gradient_checkpointing=False)
    assert no_checkpointing.activations > result.activations


def test_dry_run_reports_the_last_measured_peak(tmp_path, capsys):
    import json

    from systems.sft.dry_run import print_dry_run

    args = parse_args(["--config", "systems/sft/configs/a30-qlora-8b.yaml", "--dry-run", "--output-root", str(tmp_path),
                       "--train-file", "systems/sft/data/val.jsonl"])
    (tmp_path / "sft").mkdir()
    (tmp_path / "sft" / "summary.json").write_text(json.dumps({"peak_gpu_memory_gib": 9.5}))
    assert print_dry_run(args) == 0
    out = capsys.readouterr().out
    assert "fits in 24 GiB" in out and "measured a peak of 9.50 GiB" in out
