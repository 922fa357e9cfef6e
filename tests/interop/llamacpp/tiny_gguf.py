"""Write a tiny Llama model with random weights as GGUF, for llama-cpp-python's server, offline.

No hub and no download: the weights are drawn from a seeded generator, the vocabulary is GPT-2's
256 byte tokens (so any UTF-8 prompt tokenizes) plus ChatML's special tokens, and the chat
template is ChatML. The model is 2 layers of width 64, a few hundred kB, fast on any CPU.

Its answers are random text, shaped by two constant weights so that the runs stay short and
printable: every token embedding carries a constant in dimension 0, which RMS norm keeps, and the
output row of ``<|im_end|>`` reads it as a steady bias towards ending (about 1 token in 20), while
the rows of control bytes and the other special tokens read it as a strong bias against them.

Run with the interop venv's Python (it needs ``gguf`` and ``numpy``)::

    python tests/interop/llamacpp/tiny_gguf.py OUT.gguf
"""

from __future__ import annotations

import sys
from pathlib import Path

import gguf
import numpy as np

WIDTH, LAYERS, HEADS, FFN, CONTEXT = 64, 2, 4, 128, 2048
SPECIALS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
# llama-cpp-python knows this exact template as "chatml" (llama_chat_format.CHATML_CHAT_TEMPLATE)
CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content']"
    " + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
END_BIAS = 0.2  # weight of the constant dimension in <|im_end|>'s output row: ~1 token in 20
BANNED = -3.0  # ... in the rows of tokens the model should not produce


def byte_tokens() -> list[str]:
    """GPT-2's byte-level alphabet: byte b is spelled by one printable code point."""
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    spelled = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in spelled:
            spelled[b] = chr(256 + extra)
            extra += 1
    return [spelled[b] for b in range(256)]


def write(path: Path, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    tokens = [*byte_tokens(), *SPECIALS]
    vocab = len(tokens)
    end = tokens.index("<|im_end|>")

    def normal(*shape: int, scale: float) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    embedding = normal(vocab, WIDTH, scale=0.1)
    embedding[:, 0] = 1.0  # the constant dimension
    output = normal(vocab, WIDTH, scale=0.4)
    output[:, 0] = 0.0
    plain = {b for b in range(256) if 0x20 <= b < 0x7F or b == 0x0A}  # printable ASCII, newline
    for token in range(vocab):
        if token not in plain:
            output[token, 0] = BANNED
    output[end, 0] = END_BIAS

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("tiny-random-llama")
    writer.add_context_length(CONTEXT)
    writer.add_embedding_length(WIDTH)
    writer.add_block_count(LAYERS)
    writer.add_feed_forward_length(FFN)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(HEADS)
    writer.add_rope_dimension_count(WIDTH // HEADS)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(vocab)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    types = [gguf.TokenType.NORMAL] * 256 + [gguf.TokenType.CONTROL] * len(SPECIALS)
    writer.add_token_types(types)
    writer.add_token_merges(["Ġ t"])  # the key is required; one merge, whose result is a byte pair
    writer.add_bos_token_id(tokens.index("<|endoftext|>"))
    writer.add_eos_token_id(end)
    writer.add_add_bos_token(False)
    writer.add_chat_template(CHATML)

    writer.add_tensor("token_embd.weight", embedding)
    writer.add_tensor("output_norm.weight", np.ones(WIDTH, dtype=np.float32))
    writer.add_tensor("output.weight", output)
    for layer in range(LAYERS):
        block = f"blk.{layer}"
        writer.add_tensor(f"{block}.attn_norm.weight", np.ones(WIDTH, dtype=np.float32))
        for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
            writer.add_tensor(f"{block}.{name}.weight", normal(WIDTH, WIDTH, scale=0.02))
        writer.add_tensor(f"{block}.ffn_norm.weight", np.ones(WIDTH, dtype=np.float32))
        writer.add_tensor(f"{block}.ffn_gate.weight", normal(FFN, WIDTH, scale=0.02))
        writer.add_tensor(f"{block}.ffn_up.weight", normal(FFN, WIDTH, scale=0.02))
        writer.add_tensor(f"{block}.ffn_down.weight", normal(WIDTH, FFN, scale=0.02))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    write(Path(sys.argv[1]))
