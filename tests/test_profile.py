"""Profiles load, extend and fail with errors that name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.base._errors import ConfigError
from conformance.contract._profile import load_profile, profile_names

BASE = "extends: openai-compatible\nid: mine\ntitle: Mine\n"


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "profile.yaml"
    path.write_text(text)
    return str(path)


def test_base_profile_carries_the_openai_finish_reasons() -> None:
    profile = load_profile()
    assert profile.id == "openai-compatible"
    assert profile.finish_reasons == {
        "stop",
        "length",
        "tool_calls",
        "content_filter",
        "function_call",
    }
    assert profile.response.is_valid({}) is False


def test_shipped_profiles_all_load() -> None:
    assert "openai-compatible" in profile_names()
    for name in profile_names():
        assert load_profile(name).id == name


def test_a_user_profile_extends_a_shipped_one(tmp_path: Path) -> None:
    path = _write(
        tmp_path, BASE + "finish_reasons: [stop, length, error]\nstop_sequence: included\n"
    )
    profile = load_profile(path)
    assert profile.id == "mine"
    assert profile.finish_reasons == {"stop", "length", "error"}
    assert profile.stop_sequence == "included"
    assert profile.request_schema == "request.json"  # inherited, no overlay
    assert profile.usage == "prompt_completion"  # inherited


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BASE + "stop_sequence: sometimes\n", "field 'stop_sequence': 'sometimes' is not one of"),
        (BASE + "finish_reasons: []\n", "field 'finish_reasons': [] should be non-empty"),
        (BASE + "schemas: {response: nope.json}\n", "field 'schemas.response': unknown schema"),
        ("id: x\ntitle: y\n", "missing field 'source'"),
        ("extends: [a]\n", "field 'extends': ['a'] is not of type 'string'"),
        ("- not a mapping\n", "a profile is a mapping"),
        ("id: [unclosed\n", "not valid YAML"),
        (BASE + "usage: tokens\n", "field 'usage': 'tokens' is not one of"),
        (
            BASE + "capabilities: [telepathy]\n",
            "field 'capabilities[0]': 'telepathy' is not one of",
        ),
        (BASE + "request: {roles: [user, wizard]}\n", "field request.roles: unknown roles"),
        (BASE + "request: {patch: {/nowhere/x: 1}}\n", "nothing at 'nowhere'"),
        (BASE + "request: {colour: red}\n", "unknown key 'request.colour'"),
        (BASE + "request: {documented: [model, telepathy]}\n", "not in the base schema"),
        (
            BASE + "endpoint: {base_url: x, path: /v1/chat}\n",
            "field 'endpoint.path': '/v1/chat' does not match",
        ),
        (BASE + "streaming: {keepalive_comments: maybe}\n", "'streaming.keepalive_comments'"),
    ],
)
def test_a_broken_profile_names_the_file_and_the_field(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=r"profile\.yaml") as raised:
        load_profile(path)
    assert message in str(raised.value)


def test_an_extends_cycle_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    with pytest.raises(ConfigError, match="cycle"):
        load_profile(str(tmp_path / "a.yaml"))


def test_an_unknown_profile_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"known: .*openai-compatible"):
        load_profile("no-such-profile")


def test_an_overlay_narrows_roles_and_changes_ranges(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        BASE
        + "request:\n  roles: [user]\n  required: [model, messages, max_tokens]\n"
        + "  parameters: {top_k: {type: integer, minimum: 1}}\n",
    )
    profile = load_profile(path)
    ask = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 3}
    assert profile.request.is_valid(ask)
    assert not profile.request.is_valid({**ask, "messages": [{"role": "system", "content": "x"}]})
    assert not profile.request.is_valid({k: v for k, v in ask.items() if k != "max_tokens"})
    assert not profile.request.is_valid({**ask, "top_k": 0})
    assert load_profile().request.is_valid({**ask, "top_k": 0})  # the base is untouched


def test_the_usage_variant_decides_the_usage_shape() -> None:
    usage_io = {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}
    body = {
        "id": "x",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
        ],
        "usage": usage_io,
    }
    assert load_profile("myrouter-example").response.is_valid(body)
    assert not load_profile().response.is_valid(body)


def test_two_user_profiles_may_share_an_id(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(BASE + "request: {required: [model, messages, n]}\n")
    (tmp_path / "b.yaml").write_text(BASE + "request: {required: [model, messages, seed]}\n")
    first = load_profile(str(tmp_path / "a.yaml"))
    second = load_profile(str(tmp_path / "b.yaml"))
    assert first.request_schema != second.request_schema
    ask = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    assert first.request.is_valid({**ask, "n": 1})
    assert not first.request.is_valid({**ask, "seed": 1})
    assert second.request.is_valid({**ask, "seed": 1})
    assert not second.request.is_valid({**ask, "n": 1})


def test_a_rule_about_an_undocumented_parameter_goes_with_it(tmp_path: Path) -> None:
    path = _write(tmp_path, BASE + "request: {documented: [model, messages, stream]}\n")
    profile = load_profile(path)
    ask = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    # The base refuses stream_options without stream: true; here it is an unknown extra key.
    assert not load_profile().request.is_valid({**ask, "stream_options": {}})
    assert profile.request.is_valid({**ask, "stream_options": {}})


@pytest.mark.parametrize("name", profile_names())
def test_every_shipped_profile_generates_both_kinds_of_request(name: str) -> None:
    from hypothesis import HealthCheck, given, settings

    from conformance.generate._generate import invalid_requests, valid_requests
    from conformance.generate._mutations import InvalidRequest

    profile = load_profile(name)

    @settings(
        max_examples=20, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(valid_requests(profile, model="m"), invalid_requests(profile, model="m"))
    def check(valid: dict[str, object], invalid: InvalidRequest) -> None:
        assert profile.request.is_valid(valid)
        assert not profile.request.is_valid(invalid.request)

    check()


# --- the two tiers of request parameters -------------------------------------------------------


def test_every_base_request_parameter_is_in_exactly_one_tier() -> None:
    from conformance.contract._profile import parameter_tiers
    from conformance.contract._schema_store import load_schema

    core, may_ignore = parameter_tiers()
    assert not set(core) & set(may_ignore)
    assert set(core) | set(may_ignore) == set(load_schema("request.json")["properties"])
    # The platform-only parameters are all in the may-ignore tier; the basics are core.
    assert {"web_search_options", "prediction", "audio", "metadata", "moderation"} <= set(
        may_ignore
    )
    assert {"service_tier", "safety_identifier", "verbosity", "functions"} <= set(may_ignore)
    assert {"model", "messages", "temperature", "top_logprobs", "n", "stop", "tools"} <= set(core)
    for name, evidence in may_ignore.items():
        assert "\n" not in evidence, name
        assert "(https://" in evidence, name


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({"core": {"model": "x"}}, "may_ignore"),
        ({"core": {"model": "x"}, "may_ignore": {"store": {"evidence": "x"}}}, "sources"),
        (
            {"core": {}, "may_ignore": {"store": {"evidence": "x", "sources": ["https://a"]}}},
            "core",
        ),
        (
            {
                "core": {"m": "x"},
                "may_ignore": {"s": {"evidence": "a\nb", "sources": ["https://a"]}},
            },
            "evidence",
        ),
        (
            {"core": {"m": "x"}, "may_ignore": {"s": {"evidence": "a", "sources": ["notes.txt"]}}},
            "sources",
        ),
    ],
)
def test_the_tiers_schema_refuses_a_broken_tiers_file(document: object, where: str) -> None:
    from conformance.contract._schemas import validator

    problems = validator("parameter-tiers.schema.json").explain(document)
    assert problems
    assert any(where in f"{p.path} {p.expected}" for p in problems), problems


@pytest.mark.parametrize("name", profile_names())
def test_every_shipped_profile_takes_the_base_set_for_what_its_page_documents(name: str) -> None:
    from conformance.contract._profile import parameter_tiers
    from conformance.contract._schema_store import load_schema

    profile = load_profile(name)
    documented = set(load_schema(profile.request_schema)["properties"])
    base = parameter_tiers()[1]
    assert dict(profile.may_ignore) == {k: v for k, v in base.items() if k in documented}


def test_the_base_and_openrouter_may_ignore_the_platform_parameters() -> None:
    for name in ("openai-compatible", "openrouter"):
        assert {"web_search_options", "prediction", "service_tier", "functions"} <= set(
            load_profile(name).may_ignore
        )
    assert set(load_profile("anyapi").may_ignore) == set()  # its page documents none of them
    assert set(load_profile("anyrouter").may_ignore) == {"user"}


def test_a_profile_adds_and_takes_back_may_ignore_entries(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        BASE
        + "request: {parameters: {top_k: {type: integer, minimum: 1}}}\n"
        + "may_ignore:\n  top_k: \"the page: 'top_k is accepted and ignored'\"\n  user: null\n",
    )
    profile = load_profile(path)
    assert profile.may_ignore["top_k"] == "the page: 'top_k is accepted and ignored'"
    assert "user" not in profile.may_ignore
    assert "store" in profile.may_ignore  # the rest of the base set stays


def test_an_inherited_entry_goes_with_an_undocumented_parameter(tmp_path: Path) -> None:
    path = _write(tmp_path, BASE + "request: {documented: [model, messages, user]}\n")
    assert set(load_profile(path).may_ignore) == {"user"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("may_ignore: [store]\n", "field 'may_ignore': ['store'] is not of type 'object'"),
        ("may_ignore: {telepathy: the page}\n", "field 'may_ignore.telepathy': the profile's"),
        ("may_ignore: {temperature: null}\n", "field 'may_ignore.temperature': null takes back"),
        ("may_ignore: {store: 3}\n", "field 'may_ignore.store': 3 is not of type 'string', 'null'"),
        (
            "request: {documented: [model, messages]}\nmay_ignore: {store: x}\n",
            "does not document 'store'",
        ),
    ],
)
def test_a_broken_may_ignore_names_the_file_and_the_field(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=r"profile\.yaml") as raised:
        load_profile(_write(tmp_path, BASE + text))
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("finsh_reasons: [stop]\n", "unknown key 'finsh_reasons'; did you mean 'finish_reasons'?"),
        (
            "streaming:\n  usage_without_includ: never\n",
            "unknown key 'streaming.usage_without_includ'; did you mean 'usage_without_include'?",
        ),
        (
            "request:\n  paramters: {}\n",
            "unknown key 'request.paramters'; did you mean 'parameters'?",
        ),
        ("zzz: 1\n", "unknown key 'zzz'; known: id, title"),
    ],
)
def test_a_misspelled_key_is_refused_with_the_nearest_known_one(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("extends: openai-compatible\nid: mine\n" + text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_profile(str(path))
    assert message in str(raised.value)
    assert str(path) in str(raised.value)
