"""The tiny embedded encoders: a WordPiece tokenizer trained on the generated text and a small classifier built
from a config, saved with `save_pretrained`, so every later step loads it exactly as it would load
`google/electra-small-discriminator` (`AutoTokenizer` + `AutoModelForSequenceClassification`).

Two variants (`name_or_path` values, names.EMBEDDED_ENCODERS) that really differ, so a sweep over encoders runs
offline: `embedded`, a lower-cased ELECTRA (2 layers of 128), and `embedded-bert`, a cased BERT (3 layers of 64,
its own smaller vocabulary).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from nlirobust.labels import ID2LABEL, LABEL2ID, NUM_LABELS

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# Each variant's architecture, tokenizer and size; `embedded.model` in the config overrides the ELECTRA's sizes.
EMBEDDED_VARIANTS: dict[str, dict] = {
    "embedded": {"architecture": "electra", "lowercase": True, "vocab_size": 2000},
    "embedded-bert": {
        "architecture": "bert",
        "lowercase": False,
        "vocab_size": 1500,
        "hidden_size": 64,
        "num_layers": 3,
        "num_heads": 2,
        "intermediate_size": 256,
    },
}


def train_wordpiece_tokenizer(
    texts: Iterable[str], vocab_size: int = 2000, lowercase: bool = True, architecture: str = "electra"
):
    """A BERT-style WordPiece tokenizer learned from `texts`, wrapped in the ELECTRA tokenizer class.

    Vocabulary: the special tokens, every character seen (alone and as a `##` continuation, so no text is
    [UNK]), then whole words by frequency (ties alphabetically) up to `vocab_size`. Counted here rather than by
    `tokenizers`' WordPiece trainer, whose merges break frequency ties in a run-dependent order: the same texts
    must give the same ids, or two runs of the workflow would train different models.
    The wrapper class matters: a generic `PreTrainedTokenizerFast` returns no `token_type_ids` for pairs.
    """
    from collections import Counter

    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import BertTokenizerFast, ElectraTokenizerFast

    normalizer = normalizers.BertNormalizer(lowercase=lowercase)
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(word for word, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text)))
    characters = sorted({c for word in counts for c in word})
    vocab = SPECIAL_TOKENS + characters + [f"##{c}" for c in characters]
    vocab += [w for w in sorted(counts, key=lambda w: (-counts[w], w)) if w not in set(vocab)]
    vocab = vocab[: max(vocab_size, len(SPECIAL_TOKENS) + 2 * len(characters))]

    backend = Tokenizer(models.WordPiece(vocab={token: i for i, token in enumerate(vocab)}, unk_token="[UNK]"))
    backend.normalizer = normalizer
    backend.pre_tokenizer = pre_tokenizer
    backend.decoder = decoders.WordPiece()
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab.index("[CLS]")), ("[SEP]", vocab.index("[SEP]"))],
    )
    wrapper = ElectraTokenizerFast if architecture == "electra" else BertTokenizerFast
    return wrapper(
        tokenizer_object=backend,
        do_lower_case=lowercase,
        unk_token="[UNK]",
        sep_token="[SEP]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        mask_token="[MASK]",
    )


def build_tiny_encoder(
    tokenizer,
    architecture: str = "electra",
    max_length: int = 128,
    hidden_size: int = 128,
    num_layers: int = 2,
    num_heads: int = 4,
    intermediate_size: int = 512,
    dropout: float = 0.0,
    seed: int = 0,
):
    """A randomly initialised ELECTRA or BERT classifier sized for CPU tests (a few hundred thousand parameters)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, ElectraConfig, ElectraForSequenceClassification

    config_class, model_class = (
        (ElectraConfig, ElectraForSequenceClassification)
        if architecture == "electra"
        else (BertConfig, BertForSequenceClassification)
    )
    sizes = {"embedding_size": hidden_size} if architecture == "electra" else {}
    config = config_class(
        vocab_size=len(tokenizer),
        **sizes,
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=max_length,
        hidden_dropout_prob=dropout,
        attention_probs_dropout_prob=dropout,
        pad_token_id=tokenizer.pad_token_id,
        num_labels=NUM_LABELS,
        id2label=ID2LABEL,
        label2id=LABEL2ID,
    )
    torch.manual_seed(seed)
    return model_class(config)


def save_embedded_model(
    out_dir: str | Path, texts: Iterable[str], variant: str = "embedded", seed: int = 0, **model_kwargs
) -> Path:
    """Train the tokenizer, build the tiny model of `variant` (its sizes, with `model_kwargs` on top) and save both
    where a hub snapshot would be."""
    options = EMBEDDED_VARIANTS[variant] | model_kwargs
    architecture, lowercase = options.pop("architecture"), options.pop("lowercase")
    vocab_size = options.pop("vocab_size")
    tokenizer = train_wordpiece_tokenizer(texts, vocab_size, lowercase, architecture)
    tokenizer.model_max_length = options.get("max_length", 128)
    model = build_tiny_encoder(tokenizer, architecture, seed=seed, **options)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(out)
    model.save_pretrained(out)
    return out
