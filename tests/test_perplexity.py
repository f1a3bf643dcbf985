"""ccnet_perplexity / ccnet_bucket with a tiny KenLM ARPA model written by the test."""

from __future__ import annotations

import io

import pytest

import signals
from schemas.config import SignalConfig
from signals.batch import TextBatch
from signals.ccnet_text import normalize_line
from signals.perplexity import batch_perplexity, kenlm_model, perplexity

# log10 probabilities and backoffs, by hand:
#   unigrams: <unk> -3.5, <s> (context only, backoff -0.5), </s> -0.5, the -0.7 (backoff -0.3), cat -0.9
#   bigrams:  <s> the -0.2, the cat -0.4
ARPA = """\\data\\
ngram 1=5
ngram 2=2

\\1-grams:
-3.5\t<unk>\t0
-99\t<s>\t-0.5
-0.5\t</s>\t0
-0.7\tthe\t-0.3
-0.9\tcat\t0

\\2-grams:
-0.2\t<s> the
-0.4\tthe cat

\\end\\
"""


@pytest.fixture(scope="module")
def arpa(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("lm") / "en.arpa"
    path.write_text(ARPA)
    return str(path)


def test_normalize_line_follows_ccnet_rules():
    assert normalize_line("  Été 1999 \u2013 \u00abOK\u00bb\u2026 ") == 'ete 0000 - "ok"...'
    assert normalize_line("tab\there\x00\x85!") == "tabhere!"
    assert normalize_line("\uff08\u0663\uff09") == "(0)"  # full-width brackets, Arabic-Indic digit
    assert normalize_line(" \t ") == ""
    assert normalize_line(" Tab\there 42\x07 ") == "tabhere 00"  # the ASCII fast path


def test_line_scores_match_hand_computed_arpa_values(arpa):
    model = kenlm_model(arpa)
    # "the cat": P(the|<s>) -0.2, P(cat|the) -0.4, P(</s>|cat) = bo(cat) 0 + P(</s>) -0.5
    assert model.score("the cat", bos=True, eos=True) == pytest.approx(-1.1, abs=1e-6)
    # "cat the": bo(<s>) -0.5 + P(cat) -0.9; bo(cat) 0 + P(the) -0.7; bo(the) -0.3 + P(</s>) -0.5
    assert model.score("cat the", bos=True, eos=True) == pytest.approx(-2.9, abs=1e-6)


def test_line_scope_skips_empty_lines_and_normalises(arpa):
    model = kenlm_model(arpa)
    # lines "the cat" (-1.1, 3 tokens) and "cat the" (-2.9, 3 tokens); the blank lines are skipped
    expected = round(10 ** ((1.1 + 2.9) / 6), 1)
    assert perplexity("The Cat\n\n  \nCÀT   the\n", model, scope="lines") == expected == 4.6
    assert perplexity("", model, scope="lines") is None
    assert perplexity("\n \n", model, scope="lines") is None


def test_document_scope_scores_the_document_as_one_line_like_ccnet(arpa):
    model = kenlm_model(arpa)
    # CCNet's normalisation deletes '\n': "The cat\nthe cat" becomes "the catthe cat" (3 tokens).
    # <s> the -0.2; "catthe" is <unk>: bo(the) -0.3 + -3.5; bo(<unk>) 0 + P(cat) -0.9;
    # bo(cat) 0 + P(</s>) -0.5  → -5.4 over 3 + 1 tokens
    expected = round(10 ** (5.4 / 4), 1)
    assert model.score("the catthe cat", bos=True, eos=True) == pytest.approx(-5.4, abs=1e-6)
    assert perplexity("The cat\nthe cat", model) == expected == 22.4
    assert perplexity("The cat\nthe cat", model, scope="lines") == round(10 ** (2.2 / 6), 1)
    assert perplexity("\n \n", model) is None
    with pytest.raises(ValueError, match="scope"):
        perplexity("the cat", model, scope="sentences")


def test_bucket_follows_english_cutoffs(arpa):
    texts = [
        "dog",          # bo(<s>) -0.5 + <unk> -3.5, </s> -0.5 → 10**(4.5/2) = 177.8 → head
        "dog dog",      # -0.5-3.5-3.5-0.5 = -8 over 3 tokens → 464.2 → middle
        "dog dog dog",  # -11.5 over 4 tokens → 749.9 → tail
        "",             # no lines → None
    ]
    table = signals.annotate(texts, families=["ccnet"], language="en",
                             config=SignalConfig(kenlm_models={"en": arpa}))
    ppl = table.column("ccnet_perplexity").to_pylist()
    assert ppl[:3] == pytest.approx([round(10 ** 2.25, 1), round(10 ** (8 / 3), 1), round(10 ** (11.5 / 4), 1)],
                                    abs=1e-3)
    assert ppl[3] is None
    assert table.column("ccnet_bucket").to_pylist() == [0, 1, 2, None]


def test_no_model_for_language_gives_none(arpa):
    batch = TextBatch(["the cat", "le chat"], language="fr")
    assert batch_perplexity(batch, {"en": arpa}) == [None, None]
    table = signals.annotate(["the cat"], families=["ccnet"], language="en")
    assert table.column("ccnet_perplexity").to_pylist() == [None]
    assert table.column("ccnet_bucket").to_pylist() == [None]


def test_sentencepiece_pieces_are_the_tokens(tmp_path):
    spm = pytest.importorskip("sentencepiece")
    model_bytes = io.BytesIO()
    corpus = ["the quick brown fox jumps over the lazy dog", "a cat sat on the mat"] * 40
    spm.SentencePieceTrainer.train(sentence_iterator=iter(corpus), model_writer=model_bytes, vocab_size=30,
                                   minloglevel=2)
    sp_path = tmp_path / "en.sp.model"
    sp_path.write_bytes(model_bytes.getvalue())
    # every piece is <unk> (-2.0), </s> -0.5, all backoffs 0; the one bigram never fires
    lm = tmp_path / "en.arpa"
    lm.write_text("\\data\\\nngram 1=3\nngram 2=1\n\n\\1-grams:\n-2.0\t<unk>\t0\n-99\t<s>\t0\n"
                  "-0.5\t</s>\t0\n\n\\2-grams:\n-1.0\t<s> </s>\n\n\\end\\\n")
    text = "The cat sat"
    pieces = spm.SentencePieceProcessor(model_file=str(sp_path)).encode("the cat sat", out_type=str)
    assert len(pieces) > 3  # pieces, not words
    expected = round(10 ** ((2.0 * len(pieces) + 0.5) / (len(pieces) + 1)), 1)
    batch = TextBatch([text], language="en")
    assert batch_perplexity(batch, {"en": str(lm)}, {"en": str(sp_path)}) == [expected]
    words_only = round(10 ** ((2.0 * 3 + 0.5) / 4), 1)
    assert batch_perplexity(batch, {"en": str(lm)}) == [words_only]
