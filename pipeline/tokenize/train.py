"""Train a small byte-level BPE tokenizer with `tokenizers` (tests, and jobs/tokenizer/build_tokenizer.py)."""

from __future__ import annotations

from collections.abc import Iterable

SPECIAL_TOKENS = ("<|endoftext|>", "<s>", "<pad>")


def train_bpe(texts: Iterable[str], vocab_size: int = 8192, min_frequency: int = 2,
              special_tokens: tuple[str, ...] = SPECIAL_TOKENS):
    """A byte-level BPE `tokenizers.Tokenizer` (no normaliser, so decoding gives the text back exactly)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                  special_tokens=list(special_tokens), show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return tokenizer
