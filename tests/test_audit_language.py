"""lang values against ACT bf051a / de46e4's "known primary language tag": only the
first subtag is judged, against the IANA registry's languages (no browser)."""

from __future__ import annotations

import pytest

from legible_audit.language import known_languages, lang_problem


@pytest.mark.parametrize(
    "lang", ["FR", "en-US-GB", "de-hello", "vi", "en-GB", "zh-Hant-TW", "qaa", "sgn-BE-FR"]
)
def test_a_known_primary_subtag_passes(lang: str) -> None:
    assert lang_problem(lang, root=True) is None
    assert lang_problem(lang, root=False) is None


@pytest.mark.parametrize(
    "lang", ["em-US", "#1", "eng", "i-lux", "dutch", "English", "  ", "vi-VN,en-US", "en_US"]
)
def test_an_unknown_primary_subtag_fails(lang: str) -> None:
    assert lang_problem(lang, root=False)
    assert lang_problem(lang, root=True)


def test_a_missing_lang_fails_only_on_the_page() -> None:
    assert lang_problem(None, root=True) == "missing: the page's language is unknown"
    assert lang_problem("", root=True) == "missing: the page's language is unknown"
    assert lang_problem("", root=False) is None  # lang="" resets a part: allowed
    assert lang_problem(None, root=False) is None


def test_the_registry_list_has_two_letter_codes_first() -> None:
    codes = known_languages()
    assert {"en", "vi", "lb", "fr", "und", "art"} <= codes
    assert not {"eng", "ltz", "fre", "fra", "i"} & codes  # 639-2/3 codes of 639-1 languages
    assert len(codes) > 7000
