"""The embedded tokenizer and model: the same texts give the same ids in any process, and pairs get segments."""

import json
import subprocess
import sys

from nlirobust.embedded.model import build_tiny_encoder, train_wordpiece_tokenizer

TEXTS = ["A man is drinking coffee .", "A woman in a red shirt is sleeping .", "Two boys are running in Peru ."] * 3

VOCAB_IN_A_FRESH_PROCESS = """
import json, sys
from nlirobust.embedded.model import train_wordpiece_tokenizer
print(json.dumps(train_wordpiece_tokenizer(json.loads(sys.argv[1]), vocab_size=60).get_vocab(), sort_keys=True))
"""


def test_vocabulary_is_the_same_in_every_process():
    runs = [
        subprocess.run(
            [sys.executable, "-c", VOCAB_IN_A_FRESH_PROCESS, json.dumps(TEXTS)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    assert json.loads(runs[0]) == dict(sorted(train_wordpiece_tokenizer(TEXTS, vocab_size=60).get_vocab().items()))


def test_pairs_get_segment_ids_and_unknown_words_fall_back_to_characters():
    tokenizer = train_wordpiece_tokenizer(TEXTS, vocab_size=60)
    encoded = tokenizer("A man is drinking tea .", "A boy .")
    tokens = tokenizer.convert_ids_to_tokens(encoded["input_ids"])
    assert tokens[0] == "[CLS]"
    assert tokens.count("[SEP]") == 2
    assert "[UNK]" not in tokens  # "tea" is spelled out from characters
    assert encoded["token_type_ids"][-4:] == [1, 1, 1, 1]
    model = build_tiny_encoder(
        tokenizer, max_length=32, hidden_size=16, num_layers=1, num_heads=2, intermediate_size=32
    )
    assert model.config.vocab_size == len(tokenizer)
    assert model.config.num_labels == 3
