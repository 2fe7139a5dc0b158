"""check-user's judgement of a server, against fake servers whose answers are known (the real vLLM server
cases are in tests/integration/test_userlm_paths.py)."""

from __future__ import annotations

import asyncio
import re

import pytest
from inspect_ai.model import ModelOutput, get_model

from benchmark.constants import END_TOKEN
from benchmark.conversation.userlm import render_userlm_prompt
from benchmark.errors import UserError
from benchmark.serving import check_user as check
from benchmark.serving.scripted import scripted_output

SPECIAL = re.compile(r"<\|[a-z_]+\|>")
CHATML_TAIL = "<|im_start|>assistant\n"


class FakeServer:
    """A /tokenize and /detokenize that split special tokens whole and everything else by character."""

    def __init__(self, *, template: str = "userlm", tokenize: bool = True, end_token_pieces: int = 1) -> None:
        self.template, self.tokenize, self.end_token_pieces = template, tokenize, end_token_pieces
        self.vocabulary: dict[str, int] = {}

    def pieces(self, text: str) -> list[str]:
        out, at = [], 0
        for match in SPECIAL.finditer(text):
            out += list(text[at : match.start()])
            token = match.group(0)
            out += [token] if token != END_TOKEN or self.end_token_pieces == 1 else list(token)
            at = match.end()
        return out + list(text[at:])

    def ids(self, text: str) -> list[int]:
        return [self.vocabulary.setdefault(piece, len(self.vocabulary)) for piece in self.pieces(text)]

    def post(self, path: str, body: dict) -> dict | None:
        if not self.tokenize:
            return None
        if path == "/detokenize":
            words = {i: piece for piece, i in self.vocabulary.items()}
            return {"prompt": "".join(words[i] for i in body["tokens"])}
        if "messages" in body:
            prompt = render_userlm_prompt(body["messages"])
            if self.template == "chatml":
                prompt = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in body["messages"])
                prompt += CHATML_TAIL
            return {"tokens": self.ids(prompt)}
        return {"tokens": self.ids(body["prompt"])}


def run_checks(monkeypatch, server: FakeServer, outputs, name="vllm/fake-userlm") -> check.CheckReport:
    monkeypatch.setattr(check._Server, "post", lambda self, path, body: server.post(path, body))
    model = get_model(name, base_url="http://127.0.0.1:9/v1", memoize=False)
    queue = list(outputs)

    async def generate(input, config):  # the server's generations, scripted
        return queue.pop(0)

    model.generate = generate  # type: ignore[method-assign]
    return asyncio.run(check.check_user_server(model))


def statuses(report: check.CheckReport) -> list[str]:
    return [c.status for c in report.checks]


def answers(*texts: str, stop: str = "stop") -> list[ModelOutput]:
    outputs = [scripted_output("mockllm/model", text) for text in texts]
    for output in outputs:
        output.choices[0].stop_reason = stop  # type: ignore[assignment]
    return outputs


def test_a_userlm_server_passes(monkeypatch):
    report = run_checks(monkeypatch, FakeServer(), answers(END_TOKEN, ""))
    assert statuses(report) == ["pass", "pass", "pass", "pass"] and report.ok
    assert "identical to the shipped template" in report.checks[0].detail


def test_a_chatml_template_fails_and_names_both_fixes(monkeypatch):
    report = run_checks(monkeypatch, FakeServer(template="chatml"), answers(END_TOKEN, ""))
    prompt = report.checks[0]
    assert prompt.status == "fail" and not report.ok
    assert "<|im_start|>assistant" in prompt.detail
    assert "--chat-template" in prompt.fix and "vllm-completions/fake-userlm" in prompt.fix
    assert report.lines()[-1] == "1 check failed"


def test_an_end_token_of_several_tokens_fails(monkeypatch):
    report = run_checks(monkeypatch, FakeServer(end_token_pieces=0), answers(""))
    assert report.checks[1].status == "fail" and "the user never leaves" in report.checks[1].detail


def test_an_end_token_stripped_by_the_server_fails(monkeypatch):
    report = run_checks(monkeypatch, FakeServer(), answers("", ""))
    assert report.checks[1].status == "fail" and "received ''" in report.checks[1].detail


def test_a_server_that_does_not_stop_fails(monkeypatch):
    outputs = answers(END_TOKEN) + answers("<|eot_id|>" * 8, stop="max_tokens")
    report = run_checks(monkeypatch, FakeServer(), outputs)
    assert report.checks[2].status == "fail" and "went on" in report.checks[2].detail


def test_without_tokenize_the_prompt_is_judged_from_the_output(monkeypatch):
    other_side = answers(*["assistant\nSure! What is the problem?"] * check.JUDGED_DRAFTS)
    report = run_checks(monkeypatch, FakeServer(tokenize=False), other_side)
    assert statuses(report) == ["fail", "skip", "skip", "pass"]
    assert "judged" in report.checks[0].name and "4 of 4" in report.checks[0].detail
    users = answers(*["my kid has 3 apples and eats 2"] * check.JUDGED_DRAFTS)
    assert statuses(run_checks(monkeypatch, FakeServer(tokenize=False), users))[0] == "pass"


def test_completions_path_checks_the_servers_tokenizer(monkeypatch):
    report = run_checks(monkeypatch, FakeServer(), answers(END_TOKEN, ""), name="vllm-completions/fake-userlm")
    assert report.checks[0].status == "pass" and "one token each" in report.checks[0].detail


def test_a_server_without_an_address_or_a_scripted_model_is_refused():
    with pytest.raises(UserError, match="no server address"):
        asyncio.run(check.check_user_server(get_model("vllm/no-address-probe", memoize=False)))
    with pytest.raises(UserError, match="no server to check"):
        check.check_user("scripted/user")
    with pytest.raises(UserError, match="cannot make a model"):
        check.check_user("{model: [")
