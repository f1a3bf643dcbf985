"""Published filter recipes as rule trees, with the papers' thresholds as overridable defaults.

Each recipe returns one named rule whose parts are named (funnel rows read `recipe/part`). Every
threshold is a keyword argument; passing None drops that part. YAML uses the same functions:
`- recipe: c4` / `overrides: {min_sentences: 5}`. Document recipes go under `rules:`, line recipes
(`c4_lines`) under `line_filters:`.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError

from filters.rules import AllOf, Rule, col

RecipeKind = Literal["document", "line"]


def _recipe(name: str, parts: list[tuple[str, Rule | None]]) -> Rule:
    kept = tuple(rule.named(part) for part, rule in parts if rule is not None)
    if not kept:
        raise ValueError(f"recipe {name!r}: every part was disabled")
    return AllOf(kept, name=name)


def _range(signal: str, lo: float | None, hi: float | None) -> Rule | None:
    if lo is None and hi is None:
        return None
    if lo is not None and hi is not None:
        return col(signal).between(lo, hi)
    return col(signal).ge(lo) if lo is not None else col(signal).le(hi)


def gopher_quality(
    min_words: int | None = 50,
    max_words: int | None = 100_000,
    min_mean_word_length: float | None = 3,
    max_mean_word_length: float | None = 10,
    max_symbol_to_word_ratio: float | None = 0.1,
    max_frac_bullet_lines: float | None = 0.9,
    max_frac_ellipsis_lines: float | None = 0.3,
    max_frac_no_alpha_words: float | None = 0.2,
    min_stop_words: int | None = 2,
) -> Rule:
    """Gopher quality filters (Rae et al. 2021, "Scaling Language Models", appendix A.1.1).

    | part                 | keep when                                   | paper                      |
    |----------------------|---------------------------------------------|----------------------------|
    | word_count           | 50 <= rps_doc_word_count <= 100,000         | 50 to 100,000 words        |
    | mean_word_length     | 3 <= rps_doc_mean_word_length <= 10         | mean word length 3 to 10   |
    | symbol_to_word_ratio | rps_doc_symbol_to_word_ratio <= 0.1         | hash/ellipsis ratio <= 0.1 |
    | bullet_lines         | mean(rps_lines_start_with_bulletpoint) <= 0.9 | <= 90% lines start with a bullet |
    | ellipsis_lines       | rps_doc_frac_lines_end_with_ellipsis <= 0.3 | <= 30% lines end with "..."|
    | alphabetic_words     | rps_doc_frac_no_alph_words <= 0.2           | >= 80% words have a letter |
    | stop_words           | assay_gopher_stop_word_count >= 2           | >= 2 of the, be, to, of, and, that, have, with |
    """
    return _recipe("gopher_quality", [
        ("word_count", _range("rps_doc_word_count", min_words, max_words)),
        ("mean_word_length", _range("rps_doc_mean_word_length", min_mean_word_length, max_mean_word_length)),
        ("symbol_to_word_ratio", _range("rps_doc_symbol_to_word_ratio", None, max_symbol_to_word_ratio)),
        ("bullet_lines", None if max_frac_bullet_lines is None
         else col("rps_lines_start_with_bulletpoint").mean().le(max_frac_bullet_lines)),
        ("ellipsis_lines", _range("rps_doc_frac_lines_end_with_ellipsis", None, max_frac_ellipsis_lines)),
        ("alphabetic_words", _range("rps_doc_frac_no_alph_words", None, max_frac_no_alpha_words)),
        ("stop_words", _range("assay_gopher_stop_word_count", min_stop_words, None)),
    ])


def gopher_repetition(
    max_frac_dup_lines: float | None = 0.30,
    max_frac_dup_paragraphs: float | None = 0.30,
    max_frac_chars_dup_lines: float | None = 0.20,
    max_frac_chars_dup_paragraphs: float | None = 0.20,
    max_top_2gram: float | None = 0.20,
    max_top_3gram: float | None = 0.18,
    max_top_4gram: float | None = 0.16,
    max_dupe_5grams: float | None = 0.15,
    max_dupe_6grams: float | None = 0.14,
    max_dupe_7grams: float | None = 0.13,
    max_dupe_8grams: float | None = 0.12,
    max_dupe_9grams: float | None = 0.11,
    max_dupe_10grams: float | None = 0.10,
) -> Rule:
    """Gopher repetition filters (Rae et al. 2021, table A1): a document is removed above any of:

    | measure                                         | column                               | max  |
    |-------------------------------------------------|--------------------------------------|------|
    | duplicate line fraction                         | assay_frac_dup_lines                 | 0.30 |
    | duplicate paragraph fraction                    | assay_frac_dup_paragraphs            | 0.30 |
    | character fraction in duplicate lines           | assay_frac_chars_dup_lines           | 0.20 |
    | character fraction in duplicate paragraphs      | assay_frac_chars_dup_paragraphs      | 0.20 |
    | top 2-gram character fraction                   | rps_doc_frac_chars_top_2gram         | 0.20 |
    | top 3-gram character fraction                   | rps_doc_frac_chars_top_3gram         | 0.18 |
    | top 4-gram character fraction                   | rps_doc_frac_chars_top_4gram         | 0.16 |
    | duplicate 5..10-gram character fraction         | rps_doc_frac_chars_dupe_{n}grams     | 0.15, 0.14, 0.13, 0.12, 0.11, 0.10 |
    """
    parts: list[tuple[str, Rule | None]] = [
        ("dup_lines", _range("assay_frac_dup_lines", None, max_frac_dup_lines)),
        ("dup_paragraphs", _range("assay_frac_dup_paragraphs", None, max_frac_dup_paragraphs)),
        ("chars_dup_lines", _range("assay_frac_chars_dup_lines", None, max_frac_chars_dup_lines)),
        ("chars_dup_paragraphs", _range("assay_frac_chars_dup_paragraphs", None, max_frac_chars_dup_paragraphs)),
    ]
    for n, limit in ((2, max_top_2gram), (3, max_top_3gram), (4, max_top_4gram)):
        parts.append((f"top_{n}gram", _range(f"rps_doc_frac_chars_top_{n}gram", None, limit)))
    for n, limit in ((5, max_dupe_5grams), (6, max_dupe_6grams), (7, max_dupe_7grams), (8, max_dupe_8grams),
                     (9, max_dupe_9grams), (10, max_dupe_10grams)):
        parts.append((f"dupe_{n}grams", _range(f"rps_doc_frac_chars_dupe_{n}grams", None, limit)))
    return _recipe("gopher_repetition", parts)


def c4(
    min_sentences: int | None = 3,
    max_curly_bracket: float | None = 0,
    max_lorem_ipsum: float | None = 0,
    max_bad_words: int | None = 0,
) -> Rule:
    """C4 document filters (Raffel et al. 2020, "Exploring the Limits of Transfer Learning", sec. 2.2).

    | part         | keep when                       | C4                                           |
    |--------------|---------------------------------|----------------------------------------------|
    | sentences    | rps_doc_num_sentences >= 3      | pages with fewer than 3 sentences are removed|
    | curly_bracket| rps_doc_curly_bracket <= 0      | pages containing "{" are removed             |
    | lorem_ipsum  | rps_doc_lorem_ipsum <= 0        | pages containing "lorem ipsum" are removed   |
    | bad_words    | rps_doc_ldnoobw_words <= 0      | pages with a LDNOOBW bad word are removed    |

    C4 counts sentences after its line filter; here they are counted on the annotated text (add
    `c4_lines` under line filters for the line part). Documents without a bad-word list for their
    language have a null `rps_doc_ldnoobw_words`, decided by the null policy.
    """
    return _recipe("c4", [
        ("sentences", _range("rps_doc_num_sentences", min_sentences, None)),
        ("curly_bracket", _range("rps_doc_curly_bracket", None, max_curly_bracket)),
        ("lorem_ipsum", _range("rps_doc_lorem_ipsum", None, max_lorem_ipsum)),
        ("bad_words", _range("rps_doc_ldnoobw_words", None, max_bad_words)),
    ])


def c4_lines(
    terminal_punctuation: bool = True,
    max_javascript: float | None = 0,
    min_words: int | None = 3,
    policy: bool = True,
) -> Rule:
    """C4 line filter (Raffel et al. 2020, sec. 2.2; the released c4 code's defaults): keep a line when

    | part                 | keep the line when                                   | C4                      |
    |----------------------|------------------------------------------------------|-------------------------|
    | terminal_punctuation | rps_lines_ending_with_terminal_punctution_mark == 1  | ends in . ! ? or a quote|
    | javascript           | rps_lines_javascript_counts <= 0                     | no "javascript"         |
    | min_words            | rps_lines_num_words >= 3                             | at least 3 words (the paper's text says 5) |
    | policy               | assay_lines_policy == 0                              | no "terms of use", "privacy policy", cookie phrases |

    A per-line rule: put it under `line_filters:`. The terminal marks are RedPajama-V2's (`.` `!` `?`
    `”`); C4 also drops lines ending in an ellipsis.
    """
    return _recipe("c4_lines", [
        ("terminal_punctuation", col("rps_lines_ending_with_terminal_punctution_mark").eq(1.0)
         if terminal_punctuation else None),
        ("javascript", _range("rps_lines_javascript_counts", None, max_javascript)),
        ("min_words", _range("rps_lines_num_words", min_words, None)),
        ("policy", col("assay_lines_policy").eq(0.0) if policy else None),
    ])


def fineweb(
    min_frac_lines_terminal_punctuation: float | None = 0.12,
    max_frac_chars_dup_lines: float | None = 0.1,
    max_frac_short_lines: float | None = 0.67,
    max_newline_to_word_ratio: float | None = 0.3,
) -> Rule:
    """FineWeb custom filters (Penedo et al. 2024, "The FineWeb Datasets", sec. 3.3).

    | part                | keep when                                                     | FineWeb removes when |
    |---------------------|---------------------------------------------------------------|----------------------|
    | line_punctuation    | mean(rps_lines_ending_with_terminal_punctution_mark) > 0.12   | fraction of lines ending with punctuation <= 0.12 |
    | chars_dup_lines     | assay_frac_chars_dup_lines < 0.1                              | fraction of characters in duplicated lines >= 0.1 (the released code uses 0.01) |
    | short_lines         | assay_frac_short_lines < 0.67                                 | fraction of lines of <= 30 characters >= 0.67 |
    | newline_ratio       | assay_newline_to_word_ratio <= 0.3                            | newlines per word > 0.3 (released code's list filter) |

    The full FineWeb pipeline also applies `gopher_repetition`, `gopher_quality` and `c4` without its
    terminal-punctuation line filter; list those recipes next to this one. FineWeb ignores blank lines
    when counting line fractions; RedPajama-V2's line signals count them.
    """
    punct = None if min_frac_lines_terminal_punctuation is None else \
        col("rps_lines_ending_with_terminal_punctution_mark").mean().gt(min_frac_lines_terminal_punctuation)
    return _recipe("fineweb", [
        ("line_punctuation", punct),
        ("chars_dup_lines", None if max_frac_chars_dup_lines is None
         else col("assay_frac_chars_dup_lines").lt(max_frac_chars_dup_lines)),
        ("short_lines", None if max_frac_short_lines is None
         else col("assay_frac_short_lines").lt(max_frac_short_lines)),
        ("newline_ratio", _range("assay_newline_to_word_ratio", None, max_newline_to_word_ratio)),
    ])


def rpv2_gopher_rules(
    min_words: int | None = 50,
    max_words: int | None = 100_000,
    min_mean_word_length: float | None = 3,
    max_mean_word_length: float | None = 10,
    max_symbol_to_word_ratio: float | None = 0.1,
    max_frac_bullet_lines: float | None = 0.9,
    max_top_2gram: float | None = 0.2,
) -> Rule:
    """The Gopher rules of RedPajama-V2's dataset card (`gopher_rules_pass`), over its signals:

    | part                 | keep when                                       |
    |----------------------|-------------------------------------------------|
    | word_count           | 50 <= rps_doc_word_count <= 100,000             |
    | mean_word_length     | 3 <= rps_doc_mean_word_length <= 10             |
    | symbol_to_word_ratio | rps_doc_symbol_to_word_ratio <= 0.1             |
    | bullet_lines         | mean(rps_lines_start_with_bulletpoint) <= 0.9   |
    | top_2gram            | rps_doc_frac_chars_top_2gram <= 0.2             |

    The card divides the bullet count by `ccnet_nlines`; the list holds one item per line, so the
    mean is the same number (and null, not a division by zero, for an empty document).
    """
    return _recipe("rpv2_gopher_rules", [
        ("word_count", _range("rps_doc_word_count", min_words, max_words)),
        ("mean_word_length", _range("rps_doc_mean_word_length", min_mean_word_length, max_mean_word_length)),
        ("symbol_to_word_ratio", _range("rps_doc_symbol_to_word_ratio", None, max_symbol_to_word_ratio)),
        ("bullet_lines", None if max_frac_bullet_lines is None
         else col("rps_lines_start_with_bulletpoint").mean().le(max_frac_bullet_lines)),
        ("top_2gram", _range("rps_doc_frac_chars_top_2gram", None, max_top_2gram)),
    ])


RECIPES: dict[str, tuple[Callable[..., Rule], RecipeKind]] = {
    "gopher_quality": (gopher_quality, "document"),
    "gopher_repetition": (gopher_repetition, "document"),
    "c4": (c4, "document"),
    "c4_lines": (c4_lines, "line"),
    "fineweb": (fineweb, "document"),
    "rpv2_gopher_rules": (rpv2_gopher_rules, "document"),
}


class RecipeError(ValueError):
    """An unknown recipe or override (`parameter`: the override at fault, if any)."""

    def __init__(self, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter


def recipe_kind(name: str) -> RecipeKind:
    return _lookup(name)[1]


def build(name: str, overrides: Mapping[str, Any] | None = None) -> Rule:
    """A recipe by name with overrides validated against its parameters (names and types)."""
    fn, _ = _lookup(name)
    params = inspect.signature(fn).parameters
    hints = inspect.get_annotations(fn, eval_str=True)
    kwargs = {}
    for key, value in (overrides or {}).items():
        if key not in params:
            close = difflib.get_close_matches(key, list(params), n=1)
            raise RecipeError(f"recipe {name!r} has no parameter {key!r}"
                              + (f" (did you mean {close[0]!r}?)" if close else "")
                              + f"; parameters: {', '.join(params)}", parameter=key)
        try:
            kwargs[key] = TypeAdapter(hints[key]).validate_python(value, strict=True)
        except ValidationError as exc:
            reason = "; ".join(dict.fromkeys(e["msg"] for e in exc.errors()))
            raise RecipeError(f"recipe {name!r}: override {key}={value!r}: {reason}", parameter=key) from None
    return fn(**kwargs)


def _lookup(name: str) -> tuple[Callable[..., Rule], RecipeKind]:
    if name not in RECIPES:
        close = difflib.get_close_matches(name, list(RECIPES), n=1)
        raise RecipeError(f"unknown recipe {name!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
                          + f"; recipes: {', '.join(RECIPES)}")
    return RECIPES[name]
