"""What valid requests leave out or cap, and why: the cost of a generated request, as data.

:data:`PARAMETERS` (top-level, by name) and :data:`NESTED` (schema locations) say what valid
requests leave out or cap, and why; the schema stays the judge of validity.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from hypothesis import strategies as st

from conformance.generate._strategies import Tweak, small_json_schemas

#: Every valid request caps its completion at this many tokens (the spend of one request).
TOKEN_CAP: Final = 16
#: Valid requests ask for at most this many choices (each one is billed).
CHOICES_CAP: Final = 2
#: At most this many optional parameters per valid request (beyond model, messages, token cap).
MAX_OPTIONAL: Final = 4
#: A guard, not the means: requests are small by construction (about 300 bytes on average, rarely
#: above 1 KB); the few drawn larger than this are rejected.
MAX_REQUEST_BYTES: Final = 1500

TOKEN_CAP_WHY: Final = "the completion is billed: a small cap keeps every request to a few tokens"

#: Top-level parameters, by name: what valid requests draw, leave out (``skip``) or cap, and why.
#: Invalid requests break every parameter's constraints, these included: a broken request must be
#: refused before it costs anything.
PARAMETERS: Final[Mapping[str, Tweak]] = {
    "max_tokens": Tweak(maximum=TOKEN_CAP, no_null=True, why=TOKEN_CAP_WHY),
    "max_completion_tokens": Tweak(maximum=TOKEN_CAP, no_null=True, why=TOKEN_CAP_WHY),
    "n": Tweak(maximum=CHOICES_CAP, why="every choice is billed"),
    "tools": Tweak(
        min_items=1,
        max_items=2,
        why="each tool's schema is prompt tokens; OpenAI refuses an empty tools array",
    ),
    "audio": Tweak(skip=True, why="audio output costs audio tokens and is not a chat-text feature"),
    "modalities": Tweak(skip=True, why="only meaningful with audio output (see audio)"),
    "prediction": Tweak(skip=True, why="Predicted Outputs bill rejected prediction tokens"),
    "web_search_options": Tweak(skip=True, why="web search is billed per call, search models only"),
    "store": Tweak(skip=True, why="stores the completion on the provider's side"),
    "metadata": Tweak(skip=True, why="only used with store"),
    "service_tier": Tweak(skip=True, why="changes the billing tier (flex, scale, priority)"),
    "moderation": Tweak(skip=True, why="runs a (billed) moderation model named by the provider"),
    "prompt_cache_retention": Tweak(skip=True, why="provider-side caching policy, model-specific"),
    "prompt_cache_options": Tweak(skip=True, why="provider-side caching policy, 2026 models only"),
    "logit_bias": Tweak(
        skip=True,
        why="token ids are tokenizer-specific: a valid id for one model is out of range "
        "for another, and OpenAI refuses it with 400",
    ),
    "functions": Tweak(skip=True, why="deprecated in favour of tools, which are generated"),
    "function_call": Tweak(skip=True, why="deprecated in favour of tool_choice"),
}

BASE_FILE: Final = "request.json#"
BASE: Final = f"{BASE_FILE}/$defs"

#: Schema locations below the top level (in the base contract, ``request.json``): what valid
#: requests draw there, and why.
NESTED: Final[Mapping[str, Tweak]] = {
    f"{BASE}/tool": Tweak(
        only=("function",), why="custom (free-form) tools are a GPT-5 feature few servers offer"
    ),
    f"{BASE}/user_part": Tweak(
        only=("text",), why="image, audio and file parts cost input tokens and are not chat text"
    ),
    f"{BASE}/assistant_part": Tweak(
        only=("text",), why="a refusal part is what a model says, not something to send"
    ),
    f"{BASE}/text_content": Tweak(
        prose=True, max_items=2, why="message text is a short sentence or two"
    ),
    f"{BASE}/text_part/properties/text": Tweak(prose=True, why="message text is a short sentence"),
    f"{BASE}/user_message/properties/content": Tweak(
        prose=True, max_items=2, why="message text is a short sentence or two"
    ),
    f"{BASE}/assistant_message/properties/content": Tweak(
        always=True,
        no_null=True,
        prose=True,
        max_items=2,
        why="OpenAI requires an assistant message's content unless it carries tool calls",
    ),
    f"{BASE}/assistant_message/properties/tool_calls": Tweak(
        skip=True, why="tool calls must be answered by tool messages the conversations do not build"
    ),
    f"{BASE}/assistant_message/properties/audio": Tweak(
        skip=True, why="refers to an earlier audio response by an id that does not exist"
    ),
    f"{BASE}/assistant_message/properties/function_call": Tweak(skip=True, why="deprecated"),
    f"{BASE}/assistant_message/properties/refusal": Tweak(
        skip=True, why="a refusal is what a model says, not something to send"
    ),
    f"{BASE}/text_part/properties/prompt_cache_breakpoint": Tweak(
        skip=True, why="provider-side caching policy, 2026 models only"
    ),
    f"{BASE}/function_parameters": Tweak(
        value=small_json_schemas(), why="a JSON Schema is a value here; draw a small strict one"
    ),
    f"{BASE}/response_format_json_schema/properties/json_schema/properties/schema": Tweak(
        always=True, value=small_json_schemas(), why="structured output needs a (small) schema"
    ),
    f"{BASE}/response_format_json_schema/properties/json_schema/properties/strict": Tweak(
        always=True, value=st.just(True), why="strict structured output is the case worth testing"
    ),
}

#: The token caps; every valid request sets exactly one of those the schema has.
TOKEN_LIMITS: Final = ("max_completion_tokens", "max_tokens")
#: Sent only beside tools: OpenAI refuses them without tools (a rule the schema does not state).
WITH_TOOLS: Final = ("tool_choice", "parallel_tool_calls")
#: Conversation shapes, roles in order: instructions first, the user last. Shapes naming a role
#: the schema's role enum lacks are dropped.
CONVERSATIONS: Final = (
    ("user",),
    ("system", "user"),
    ("developer", "user"),
    ("user", "assistant", "user"),
)
#: OpenAI's JSON mode: with this response_format type, the messages must mention "JSON".
JSON_MODE: Final = "json_object"
