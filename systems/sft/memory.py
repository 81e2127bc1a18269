"""Peak GPU memory estimate for (Q)LoRA training, from the model's shape alone (no weights loaded).

Parts: frozen weights (NF4 at 0.5 byte/param plus double-quantised constants, with the embeddings
and lm_head in fp32 because k-bit preparation upcasts every parameter it does not quantise; or all
in the compute dtype), LoRA parameters + gradients (bf16 over an NF4 base, as TRL casts them; fp32
otherwise), optimizer state (paged 8-bit AdamW: 2 bytes/param; AdamW: 8), activations (with gradient checkpointing: each layer's input kept, one layer
recomputed at a time; without: every layer), the logits and their fp32 loss copy, and a fixed
allowance for the CUDA context and allocator fragmentation. It is an estimate: compare it with
the measured peak that training records on a GPU.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

GIB = 1024**3
CUDA_OVERHEAD_BYTES = int(0.8 * GIB)
NF4_BYTES_PER_PARAM = 0.5 + 0.127 / 8  # 4 bits + double-quantised block constants (~0.127 bits/param)


@dataclass(frozen=True)
class ModelShape:
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    vocab_size: int
    tie_word_embeddings: bool = False

    @classmethod
    def from_config(cls, config) -> ModelShape:
        return cls(config.hidden_size, config.intermediate_size, config.num_hidden_layers,
                   config.num_attention_heads, getattr(config, "num_key_value_heads", None) or config.num_attention_heads,
                   config.vocab_size, bool(getattr(config, "tie_word_embeddings", False)))

    @property
    def kv_size(self) -> int:
        return self.hidden_size // self.num_attention_heads * self.num_key_value_heads

    def linear_shapes(self) -> list[tuple[int, int]]:
        """(in, out) of each decoder layer's linear projections: q, k, v, o, gate, up, down."""
        h, i, kv = self.hidden_size, self.intermediate_size, self.kv_size
        return [(h, h), (h, kv), (h, kv), (h, h), (h, i), (h, i), (i, h)]

    def linear_params(self) -> int:
        return self.num_hidden_layers * sum(a * b for a, b in self.linear_shapes())

    def embedding_params(self) -> int:
        return self.vocab_size * self.hidden_size * (1 if self.tie_word_embeddings else 2)

    def total_params(self) -> int:
        norms = (2 * self.num_hidden_layers + 1) * self.hidden_size
        return self.linear_params() + self.embedding_params() + norms

    def lora_params(self, r: int) -> int:
        return self.num_hidden_layers * sum(r * (a + b) for a, b in self.linear_shapes())


@dataclass
class Estimate:
    weights: int
    lora: int
    gradients: int
    optimizer: int
    activations: int
    logits: int
    overhead: int
    params: int
    lora_params: int

    @property
    def total(self) -> int:
        return self.weights + self.lora + self.gradients + self.optimizer + self.activations + self.logits + self.overhead

    def fits(self, budget_gib: float) -> bool:
        return self.total <= budget_gib * GIB

    def as_rows(self) -> list[tuple[str, float]]:
        parts = asdict(self)
        return [(name, parts[name] / GIB) for name in
                ("weights", "lora", "gradients", "optimizer", "activations", "logits", "overhead")]


def estimate(shape: ModelShape, *, micro_batch: int, seq_len: int, lora_r: int, quantization: str,
             compute_bytes: int = 2, optimizer: str = "paged_adamw_8bit", gradient_checkpointing: bool = True) -> Estimate:
    """Bytes per part for one training step at ``micro_batch`` x ``seq_len`` tokens."""
    quantized = quantization == "nf4"
    if quantized:
        weights = shape.linear_params() * NF4_BYTES_PER_PARAM + shape.embedding_params() * 4
    else:
        weights = (shape.linear_params() + shape.embedding_params()) * compute_bytes
    lora_params = shape.lora_params(lora_r)
    lora_bytes = compute_bytes if quantized else 4
    optimizer_bytes = 2 if "8bit" in optimizer else 8
    tokens = micro_batch * seq_len
    h = shape.hidden_size
    # per layer, what backward needs (sdpa/flash attention: no s^2 term): ~ (34 h + 5 intermediate) bytes/token
    layer_full = tokens * (34 * h + 5 * shape.intermediate_size)
    if gradient_checkpointing:
        activations = shape.num_hidden_layers * tokens * h * compute_bytes + layer_full
    else:
        activations = shape.num_hidden_layers * layer_full
    logits = tokens * shape.vocab_size * (compute_bytes + 4 + 4)  # logits, fp32 upcast, and its gradient
    return Estimate(weights=int(weights), lora=lora_params * lora_bytes, gradients=lora_params * lora_bytes,
                    optimizer=lora_params * optimizer_bytes, activations=int(activations), logits=int(logits),
                    overhead=CUDA_OVERHEAD_BYTES, params=shape.total_params(), lora_params=lora_params)
