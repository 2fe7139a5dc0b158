"""The local model store and the vLLM command line, without starting anything."""

import json

import pytest

from benchmark.serving import local_models
from benchmark.serving.local_models import LocalModelError, _manifest, ensure_local_model, is_complete
from benchmark.serving.vllm_server import ServerConfig, VLLMServer, free_port


def fake_conversion(directory):
    directory.mkdir()
    (directory / "config.json").write_text("{}")
    (directory / "model.safetensors").write_bytes(b"weights" * 100)
    (directory / "manifest.json").write_text(json.dumps(_manifest(directory)))
    return directory


def test_complete_conversion_is_recognised(tmp_path):
    assert is_complete(fake_conversion(tmp_path / "m"))


def test_half_written_or_tampered_conversion_is_never_used(tmp_path):
    directory = fake_conversion(tmp_path / "m")
    (directory / "model.safetensors").write_bytes(b"truncated")
    assert not is_complete(directory)
    (directory / "manifest.json").unlink()
    assert not is_complete(directory)
    (directory / "manifest.json").write_text("{not json")
    assert not is_complete(directory)


def test_store_reuses_a_complete_conversion(tmp_path, monkeypatch):
    monkeypatch.setenv(local_models.CACHE_ENV, str(tmp_path))
    fake_conversion(tmp_path / f"smollm2-v{local_models.STORE_VERSION}")
    monkeypatch.setattr(local_models, "_convert", lambda *a, **k: pytest.fail("must not convert again"))
    assert ensure_local_model("smollm2") == tmp_path / f"smollm2-v{local_models.STORE_VERSION}"


def test_store_rebuilds_a_broken_conversion(tmp_path, monkeypatch):
    monkeypatch.setenv(local_models.CACHE_ENV, str(tmp_path))
    broken = fake_conversion(tmp_path / f"smollm2-v{local_models.STORE_VERSION}")
    (broken / "model.safetensors").write_bytes(b"half")
    monkeypatch.setattr(local_models, "smollm2_gguf", lambda: tmp_path / "x.gguf")

    def convert(gguf, out, userlm_shaped):
        (out / "model.safetensors").write_bytes(b"fresh")

    monkeypatch.setattr(local_models, "_convert", convert)
    path = ensure_local_model("smollm2")
    assert (path / "model.safetensors").read_bytes() == b"fresh" and is_complete(path)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no staging directories left


def test_unknown_local_model():
    with pytest.raises(LocalModelError, match="unknown local model 'gpt5'"):
        ensure_local_model("gpt5")


def test_vllm_command_for_a_hub_model(tmp_path):
    config = ServerConfig(model="microsoft/UserLM-8b", port=free_port(), chat_template=tmp_path / "t.jinja")
    server = VLLMServer(config)
    command = server.command()
    assert command[1:3] == ["-m", "vllm.entrypoints.openai.api_server"]
    assert command[command.index("--model") + 1] == "microsoft/UserLM-8b"
    assert command[command.index("--served-model-name") + 1] == "microsoft/UserLM-8b"
    assert command[command.index("--chat-template") + 1] == str(tmp_path / "t.jinja")
    assert server.base_url == f"http://127.0.0.1:{config.port}/v1"
    assert server.environment()["VLLM_CPU_KVCACHE_SPACE"] == "1"
