"""Models served on this machine, offline.

- `vllm_server`: start and stop a vLLM OpenAI-compatible server.
- `local_models`: SmolLM2 from its PyPI package, converted once, as an assistant and UserLM-shaped.
- `scripted`: the offline `scripted/user` and `scripted/assistant` Inspect models.
- `demo`: the whole benchmark on CPU with two local servers (`userlm-bench demo`).
- `sharded_eval`: one run as N `inspect eval` shard processes on this machine (`userlm-bench run`).
- `check_user`: probe a UserLM server before a long run (`userlm-bench check-user`).
"""
