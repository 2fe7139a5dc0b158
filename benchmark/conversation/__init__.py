"""One Inspect sample is one simulated conversation.

- `loop`: the solver that alternates the user simulator and the assistant under test.
- `simulators`: who writes the user's side (`userlm`, `prompted`, `scripted`).
- `guardrails`: the paper's checks on a drafted user turn.
- `userlm`: UserLM-8b's protocol (its chat template, reading a raw completion as a user turn).
- `model_calls`: failed model calls that name the role, the model and the server.
"""
