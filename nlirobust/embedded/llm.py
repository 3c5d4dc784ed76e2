"""The tiny embedded chat LM: a Qwen2-architecture causal LM with random weights and a byte-level BPE tokenizer
trained on the generated pairs, so the LLM comparison runs its real code path offline (its answers are chance).
"""

from __future__ import annotations

from pathlib import Path

from nlirobust.labels import LABEL_NAMES
from nlirobust.llm import SYSTEM_PROMPT, USER_PROMPT

CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def build_tiny_chat_lm(texts: list[str], out_dir: str | Path, seed: int = 0, vocab_size: int = 2000) -> Path:
    """A tiny causal LM (Qwen2 architecture, random weights) with a byte-level BPE tokenizer trained on `texts`.

    Saved as Qwen2Tokenizer + Qwen2ForCausalLM, so it loads exactly as Qwen/Qwen2.5-1.5B-Instruct does and runs the
    same code path (chat template, label scoring) offline. Its answers are as good as chance; the report says so.
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import Qwen2Config, Qwen2ForCausalLM, Qwen2Tokenizer

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    prompt_text = " ".join([SYSTEM_PROMPT, USER_PROMPT, "system user assistant", *LABEL_NAMES])
    backend.train_from_iterator([prompt_text, *texts], trainer)
    tokenizer = Qwen2Tokenizer(
        tokenizer_object=backend, eos_token="<|im_end|>", pad_token="<|endoftext|>", unk_token=None
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    torch.manual_seed(seed)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=True,
    )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(out)
    Qwen2ForCausalLM(config).save_pretrained(out)
    return out
