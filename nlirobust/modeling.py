"""Models: the tiny embedded ELECTRA (built from a config, tokenizer trained here) and loading any classifier.

The embedded model is saved with `save_pretrained`, so every later step loads it exactly as it would load
`google/electra-small-discriminator`: `AutoTokenizer` + `AutoModelForSequenceClassification`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from nlirobust.labels import ID2LABEL, LABEL2ID, NUM_LABELS

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def train_wordpiece_tokenizer(texts: Iterable[str], vocab_size: int = 2000, lowercase: bool = True):
    """Train a BERT-style WordPiece tokenizer on `texts` and wrap it in the ELECTRA tokenizer class.

    The wrapper matters: a generic `PreTrainedTokenizerFast` returns no `token_type_ids` for pairs.
    """
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import ElectraTokenizerFast

    backend = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    backend.normalizer = normalizers.BertNormalizer(lowercase=lowercase)
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    backend.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, show_progress=False)
    backend.train_from_iterator(texts, trainer=trainer)
    cls_id, sep_id = backend.token_to_id("[CLS]"), backend.token_to_id("[SEP]")
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    return ElectraTokenizerFast(
        tokenizer_object=backend,
        do_lower_case=lowercase,
        unk_token="[UNK]",
        sep_token="[SEP]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        mask_token="[MASK]",
    )


def build_tiny_electra(
    tokenizer,
    max_length: int = 128,
    hidden_size: int = 128,
    num_layers: int = 2,
    num_heads: int = 4,
    intermediate_size: int = 512,
    dropout: float = 0.0,
    seed: int = 0,
):
    """A randomly initialised ELECTRA classifier sized for CPU tests (a few hundred thousand parameters)."""
    import torch
    from transformers import ElectraConfig, ElectraForSequenceClassification

    config = ElectraConfig(
        vocab_size=len(tokenizer),
        embedding_size=hidden_size,
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
    return ElectraForSequenceClassification(config)


def save_embedded_model(
    out_dir: str | Path, texts: Iterable[str], vocab_size: int = 2000, seed: int = 0, **model_kwargs
) -> Path:
    """Train the tokenizer, build the tiny model and save both where a hub snapshot would be."""
    tokenizer = train_wordpiece_tokenizer(texts, vocab_size=vocab_size)
    tokenizer.model_max_length = model_kwargs.get("max_length", 128)
    model = build_tiny_electra(tokenizer, seed=seed, **model_kwargs)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(out)
    model.save_pretrained(out)
    return out


def load_classifier(name_or_path: str | Path):
    """(model, tokenizer) for 3-way NLI from a local directory or hub id; a new head is added if it has none."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(name_or_path))
    model = AutoModelForSequenceClassification.from_pretrained(
        str(name_or_path), num_labels=NUM_LABELS, id2label=ID2LABEL, label2id=LABEL2ID
    )
    return model, tokenizer
