"""assay_lines_policy on documents with many policy lines, against the oracle."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import signals
from tests import oracle_signals as oracle


def test_many_policy_lines_equal_the_oracle():
    texts = ["see our Cookie Policy\nnothing here\nTERMS OF USE and privacy policy\n" * 300,
             "uses cookies" * 200, "use of cookies\n\n\nuse cookies\n", "privacy\npolicy\n", "cook\u212aes"]
    table = signals.annotate(texts, families=["assay_extras"], language="en")
    assert table.column("assay_lines_policy").to_pylist() == [oracle.assay_extras(t)["assay_lines_policy"]
                                                             for t in texts]


def test_a_document_of_many_policy_lines():
    # 40,000 matching lines in one document: each match's line comes from one pass over the newlines
    # (a scan from the document start per match made this quadratic: 7.6 s here, 28 s at 80,000 lines).
    text = "see our cookie policy\n" * 40000 + "the end"
    table = signals.annotate([text], families=["assay_extras"], language="en")
    assert table.column("assay_lines_policy")[0].as_py() == [1.0] * 40000 + [0.0]


# Phrases next to what normalization changes: ASCII punctuation (deleted), combining marks (moved by
# NFD), characters whose lower() is ASCII or longer (K U+212A, U+0130), capital sigma, case.
PIECES = st.lists(st.sampled_from(["use cookies", "USE COOKIES", "terms of use", "privacy policy", "cookie policy",
                                   "coo\u212aie policy", "use", " of ", "cookies", "privacy", ".", "-", "'", "\u0301",
                                   "\u0327", "\u0130", "\u03a3", "\n", " ", "\u00e9", "x"]), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=4))
def test_policy_lines_equal_the_oracle_around_normalization(texts):
    table = signals.annotate(texts, families=["assay_extras"], language="en")
    assert table.column("assay_lines_policy").to_pylist() == [oracle.assay_extras(t)["assay_lines_policy"]
                                                             for t in texts]
