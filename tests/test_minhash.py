"""minhash family: rpv2 bit-compatibility with datasketch, oph estimates, nulls, metadata."""

from __future__ import annotations

import json
import re
import string
import unicodedata
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import xxhash
from datasketch import MinHash
from datasketch.hashfunc import sha1_hash32
from hypothesis import given, settings
from hypothesis import strategies as st

import signals
from schemas.config import MinHashConfig, SignalConfig
from signals import minhash_oph, minhash_rpv2
from signals.families import build_families
from signals.minhash import METADATA_KEY
from signals.views import normalize

SAMPLE = Path(__file__).parent / "data" / "sample" / "texts"


def sample_documents(words_per_doc: int = 400) -> list[str]:
    docs = []
    for path in sorted(SAMPLE.glob("*/*.txt")):
        words = path.read_text(encoding="utf-8").split(" ")
        docs += [" ".join(words[i:i + words_per_doc]) for i in range(0, len(words), words_per_doc)]
    return docs


def datasketch_rpv2(text: str) -> np.ndarray | None:
    words = normalize(text).split()
    shingles = {" ".join(words[i:i + 13]).encode() for i in range(len(words) - 12)}
    if not shingles:
        return None
    m = MinHash(num_perm=128, seed=42, hashfunc=sha1_hash32, scheme="legacy")
    m.update_batch(sorted(shingles))
    return m.hashvalues.astype(np.uint32)


def test_rpv2_signatures_equal_datasketch_legacy_on_same_shingles():
    docs = sample_documents()[:60]
    docs += ["one two three four five six seven eight nine ten eleven twelve thirteen",  # exactly 13 words
             "one two three four five six seven eight nine ten eleven twelve", ""]       # 12 words, empty
    table = signals.annotate(docs, families=["minhash"],
                             config=SignalConfig(minhash=MinHashConfig(schemes=("rpv2",))))
    column = table.column("minhash_rpv2")
    assert column.type == pa.list_(pa.uint32(), 128)
    for text, ours in zip(docs, column.to_pylist(), strict=True):
        expected = datasketch_rpv2(text)
        if expected is None:
            assert ours is None
        else:
            assert ours == expected.tolist()
    assert column.null_count == 2


def test_rpv2_permutations_are_datasketch_legacy_permutations():
    a, b = minhash_rpv2.permutations(128, 42)
    ref = MinHash(num_perm=128, seed=42, scheme="legacy").permutations
    assert np.array_equal(a, ref[0]) and np.array_equal(b, ref[1])


def test_rpv2_mersenne_reduction_handles_the_boundary_case():
    # h*a + b == p exactly: the shortcut gives p, the true residue is 0.
    p = int(minhash_rpv2.MERSENNE)
    h = np.array([1, 5, 2**32 - 1], dtype=np.uint64)
    a = np.array([1, 2**61 - 2, 12345], dtype=np.uint64)
    b = np.array([p - 1, 7, 2**60], dtype=np.uint64)
    out = np.full(3, minhash_rpv2.LOW32)
    scratch = np.empty((minhash_rpv2._BLOCK, 3), np.uint64), np.empty((minhash_rpv2._BLOCK, 3), np.uint64)
    minhash_rpv2._permuted_min(h, a, b, out, *scratch)
    with np.errstate(over="ignore"):
        reference = (((h[:, None] * a + b) % np.uint64(p)) & minhash_rpv2.LOW32).min(axis=0)
    assert out.tolist() == reference.tolist()
    assert out[0] == 0


def _reference_normalize(text: str) -> str:
    text = text.translate(str.maketrans("", "", string.punctuation)).lower()
    return unicodedata.normalize("NFD", re.sub(r"\s+", " ", text.strip()))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(
    list(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2028\u2029\u202f\u3000!?.,'\"İẞΣ"))))
def test_normalize_fast_path_equals_the_spec_definition(text):
    assert normalize(text) == _reference_normalize(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters() | st.sampled_from(
    list(" \t\n\r\x0b\x1c\x85\xa0\u2000\u3000!?.,'\"İẞΣσ\u0301\u0327")), max_size=40), min_size=1, max_size=6))
def test_exact_hash_is_xxh64_of_the_spec_normalize(texts):
    # lone surrogates included: they are hashed as "surrogatepass" encodes them
    table = signals.annotate(texts, families=["minhash"])
    expected = [xxhash.xxh64_intdigest(_reference_normalize(t).encode("utf-8", "surrogatepass")) for t in texts]
    assert table.column("minhash_exact_hash").to_pylist() == expected


def _jaccard(a: list[str], b: list[str], n: int) -> float:
    sa = {tuple(a[i:i + n]) for i in range(len(a) - n + 1)}
    sb = {tuple(b[i:i + n]) for i in range(len(b) - n + 1)}
    return len(sa & sb) / len(sa | sb)


def test_oph_estimates_jaccard_without_bias():
    rng = np.random.default_rng(7)
    vocab = [f"w{i}" for i in range(3000)]
    errors = []
    for _ in range(150):
        a = [vocab[i] for i in rng.integers(0, len(vocab), int(rng.integers(20, 400)))]
        b = list(a)
        for _ in range(int(rng.integers(0, len(a) // 5 + 1))):
            b[int(rng.integers(0, len(b)))] = vocab[int(rng.integers(0, len(vocab)))]
        sig, valid = minhash_oph.signatures([" ".join(a), " ".join(b)], 5, 128, 42)
        assert valid.all()
        errors.append(float((sig[0] == sig[1]).mean()) - _jaccard(a, b, 5))
    errors = np.array(errors)
    assert abs(errors.mean()) < 0.015          # unbiased: sd of one estimate is <= 0.044
    assert errors.std() < 0.05


def oph_reference(texts: list[str], n: int, num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The oph signatures from the vectorised definitions (word_hashes, shingle_hashes) and np.minimum.at."""
    sig = np.full((len(texts), num_perm), 0xFFFFFFFF, dtype=np.uint32)
    filled = np.zeros((len(texts), num_perm), dtype=bool)
    valid = np.zeros(len(texts), dtype=bool)
    words, docs = minhash_oph.word_hashes([minhash_oph.word_bytes(t) for t in texts], n, seed)
    h, docs = minhash_oph.shingle_hashes(words, docs, n, seed)
    flat = docs * num_perm + (((h >> np.uint64(32)) * np.uint64(num_perm)) >> np.uint64(32)).astype(np.int64)
    np.minimum.at(sig.reshape(-1), flat, (h & minhash_oph.LOW32).astype(np.uint32))
    filled.reshape(-1)[flat] = True
    valid[docs] = True
    minhash_oph._densify(sig, filled, np.flatnonzero(valid), num_perm, n, seed)
    return sig, valid


DOCPAGES = sorted(p for p in (Path(__file__).parent / "data" / "docpages").iterdir() if p.suffix != ".json")


def test_oph_kernel_equals_the_vectorised_definition_on_documentation_pages():
    assert len(DOCPAGES) >= 12
    docs = [p.read_text(encoding="utf-8") for p in DOCPAGES] + sample_documents(300)[:40]
    docs += ["a.b ... c", "x", "", "\u03a3\u03a3 \u0130 \ud800 .,;", "one two three four five six"]
    for n, num_perm in ((5, 128), (3, 64), (1, 16)):
        sig, valid = minhash_oph.signatures(docs, n, num_perm, 42)
        ref_sig, ref_valid = oph_reference(docs, n, num_perm, 42)
        assert np.array_equal(valid, ref_valid) and np.array_equal(sig, ref_sig), n


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab .,!\t\n\u00c9\u03a3")), max_size=60), max_size=6))
def test_oph_kernel_equals_the_vectorised_definition_on_random_texts(texts):
    sig, valid = minhash_oph.signatures(texts, 3, 32, 7)
    ref_sig, ref_valid = oph_reference(texts, 3, 32, 7)
    assert np.array_equal(valid, ref_valid) and np.array_equal(sig, ref_sig)


def test_oph_lowercases_every_code_point_as_python():
    """One-character documents, one word each (or none): its bytes are those of str.lower()."""
    docs = [chr(c) for c in range(0x110000)]
    sig, valid = minhash_oph.signatures(docs, 1, 1, 42)
    ref_sig, ref_valid = oph_reference(docs, 1, 1, 42)
    assert np.array_equal(valid, ref_valid) and np.array_equal(sig, ref_sig)


# Capital sigma between cased, case-ignorable (' . : U+00AD U+0345) and other characters, characters
# whose lower() is ASCII or longer (K U+212A, U+0130), non-ASCII of every UTF-8 length, a lone surrogate.
SIGMA_CONTEXT = st.lists(st.sampled_from(["\u03a3", "\u03c3", "A", "a", "'", ".", ":", "\u00ad", "\u0345", " ", "\t",
                                          "\u212a", "\u0130", "\u00c9", "\u0301", "\u4e00", "\U0001f600", "\ud800",
                                          "-", "1"]), max_size=40).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(SIGMA_CONTEXT, max_size=5))
def test_oph_kernel_equals_the_vectorised_definition_around_capital_sigma(texts):
    sig, valid = minhash_oph.signatures(texts, 2, 16, 7)
    ref_sig, ref_valid = oph_reference(texts, 2, 16, 7)
    assert np.array_equal(valid, ref_valid) and np.array_equal(sig, ref_sig)


def test_oph_is_the_same_alone_in_a_batch():
    docs = sample_documents(300)[:40]
    together, valid = minhash_oph.signatures(docs, 5, 128, 42)
    alone = np.stack([minhash_oph.signatures([d], 5, 128, 42)[0][0] for d in docs[:5]])
    assert valid.all()
    assert np.array_equal(together[:5], alone)
    assert len({bytes(row) for row in together}) == len(docs)


def test_oph_words_ignore_case_and_punctuation_and_null_below_n():
    sig, valid = minhash_oph.signatures(
        ["Alpha beta, gamma delta epsilon!", "alpha BETA gamma\tdelta\n epsilon", "alpha beta gamma delta", ""],
        5, 64, 1)
    assert valid.tolist() == [True, True, False, False]
    assert np.array_equal(sig[0], sig[1])
    other_seed, _ = minhash_oph.signatures(["alpha beta gamma delta epsilon"], 5, 64, 2)
    assert not np.array_equal(sig[0], other_seed[0])


def test_family_columns_exact_hash_and_metadata():
    config = SignalConfig(minhash=MinHashConfig(schemes=("oph", "rpv2"), num_perm=64))
    docs = ["Hello,   World! " * 10, "hello world " * 10, "something else entirely " * 5, "tiny"]
    table = signals.annotate(docs, families=["minhash"], config=config)
    assert table.column_names == ["minhash_oph", "minhash_rpv2", "minhash_exact_hash"]
    assert table.schema.field("minhash_oph").type == pa.list_(pa.uint32(), 64)
    exact = table.column("minhash_exact_hash").to_pylist()
    assert exact[0] == exact[1] != exact[2]            # equal after normalization
    assert exact[3] is not None                        # short documents still get an exact hash
    assert table.column("minhash_rpv2").to_pylist()[3] is None
    meta = json.loads(build_families(["minhash"], config)[0].metadata()[METADATA_KEY])
    assert meta["schemes"]["oph"] == {"scheme": "oph", "version": 1, "ngram": 5, "num_perm": 64, "seed": 42}
    assert meta["schemes"]["rpv2"]["ngram"] == 13


@pytest.mark.parametrize("scheme", ["oph", "rpv2"])
def test_identical_texts_have_identical_signatures(scheme):
    docs = sample_documents(200)[:3]
    config = SignalConfig(minhash=MinHashConfig(schemes=(scheme,)))
    table = signals.annotate(docs + docs[:1], families=["minhash"], config=config)
    rows = table.column(f"minhash_{scheme}").to_pylist()
    assert rows[0] == rows[3] and rows[0] != rows[1]
