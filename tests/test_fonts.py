"""The self-hosted fonts (service/fonts.py, static/fonts/): every letter a Vietnamese
reader meets is in every shipped face, the files are small woff2 at immutable
content-hashed URLs, and their CSS never holds up the first paint.

Coverage is read from each file's own cmap with fontTools, so a face that lost a
letter in subsetting fails here, naming the letters.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fontTools.ttLib import TTFont

from service import fonts
from service.i18n import LANGS, po_path
from tests.support import portal_article

DEMO = Path(fonts.__file__).resolve().parent / "demo"
FACES = [(name, face) for name, font in fonts.FONTS.items() for face in font.faces]
IDS = [face.file for _, face in FACES]
BUDGET = 32 * 1024  # per file; each is 21-27 KB today (a whole Andika would be 400 KB+)

VOWELS = "aăâeêioôơuưy"
TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
PUNCTUATION = "–—“”‘’…«»·\u00a0%−0123456789" + "".join(map(chr, range(0x20, 0x7F)))


def vietnamese_letters() -> set[str]:
    """Every letter of Vietnamese, precomposed, both cases: 12 vowels x 6 tones x 2, and đ Đ."""
    letters = {"đ", "Đ"}
    for vowel in VOWELS + VOWELS.upper():
        letters |= {unicodedata.normalize("NFC", vowel + tone) for tone in ("", *TONES)}
    letters |= set("bcdghklmnpqrstvx" + "BCDGHKLMNPQRSTVX")
    return letters


def shown(text: str) -> set[str]:
    """The characters of `text` a reader sees: line breaks and tabs are not drawn."""
    return set(text) - set("\t\n\r\f\v")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def demo_text() -> str:
    """What the demo articles show: titles, summaries, bylines, tags and body text."""
    parts = []
    for path in sorted(DEMO.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for article in data if isinstance(data, list) else [data]:
            parts += [article["title"], article.get("summary", ""), article.get("byline", "")]
            parts += article.get("tags", [])
            parts.append(html_text(article["body_html"]))
    return "\n".join(parts)


@cache
def cmap(file: str) -> frozenset[int]:
    return frozenset(TTFont(fonts.FONTS_DIR / file)["cmap"].getBestCmap())


def missing(file: str, chars: set[str]) -> str:
    return "".join(sorted(c for c in chars if ord(c) not in cmap(file)))


def assert_covers(file: str, chars: set[str], what: str) -> None:
    gaps = missing(file, chars)
    named = "".join(
        f" U+{ord(c):04X} " if unicodedata.combining(c) or not c.isprintable() else c for c in gaps
    )
    assert not gaps, f"{file} lacks {len(gaps)} characters of {what}: {named}"


def test_the_vietnamese_alphabet_is_built_right() -> None:
    letters = vietnamese_letters()
    assert all(len(c) == 1 for c in letters)  # each tone mark composed into one code point
    assert len(letters) == 12 * 6 * 2 + 2 + 32
    assert {"ậ", "Ặ", "ỡ", "Ự", "ỹ", "Ỵ", "đ", "Đ"} <= letters


def test_a_missing_letter_is_reported() -> None:
    """The coverage check can fail: Cyrillic is not in the subset."""
    assert missing(IDS[0], {"Ж", "a"}) == "Ж"


@pytest.mark.parametrize("file", IDS)
def test_every_vietnamese_letter_and_punctuation_mark(file: str) -> None:
    assert_covers(file, vietnamese_letters(), "Vietnamese")
    assert_covers(file, set(PUNCTUATION), "the punctuation")


@pytest.mark.parametrize("file", IDS)
def test_decomposed_vietnamese_finds_its_marks(file: str) -> None:
    """Text typed as base letter + combining marks (NFD) is drawn by the same face."""
    nfd = {c for letter in vietnamese_letters() for c in unicodedata.normalize("NFD", letter)}
    assert "\u031b" in nfd  # the horn of ơ ư
    assert_covers(file, nfd, "decomposed Vietnamese")


@pytest.mark.parametrize("file", IDS)
def test_every_character_of_the_demo_articles_and_the_portal_fixture(file: str) -> None:
    demo = shown(demo_text())
    portal = shown(portal_article.PATH.read_text(encoding="utf-8"))
    assert {"ư", "“", "’"} <= demo and {"\u00a0", "ị"} <= portal  # the texts were read
    assert_covers(file, demo, "the demo articles")
    assert_covers(file, portal, "tests/fixtures/portal-article.txt")


def interface_strings() -> list[str]:
    """Every msgstr of every catalog (service/locale)."""
    out: list[str] = []
    for lang in LANGS:
        with po_path(lang).open("rb") as source:
            for message in read_po(source):
                if message.id:
                    strings = message.string
                    out += [strings] if isinstance(strings, str) else list(strings)
    return out


@pytest.mark.parametrize("file", IDS)
def test_every_character_of_the_interface(file: str) -> None:
    chrome = shown("".join(interface_strings()))
    assert {"ỗ", "ữ", "“"} <= chrome  # the catalogs were read
    assert_covers(file, chrome, "the interface strings")


@pytest.mark.seed
@pytest.mark.parametrize("file", IDS)
def test_every_character_of_the_seed(file: str, seed_path: Path) -> None:
    assert_covers(file, shown(seed_path.read_text(encoding="utf-8")), str(seed_path))


@pytest.mark.parametrize("file", IDS)
def test_the_subset_is_exactly_the_declared_unicode_range(file: str) -> None:
    """Characters outside the range would never be asked of the face: bytes for nothing."""
    declared = {c for a, b in fonts.UNICODE_RANGES for c in range(a, b + 1)}
    outside = sorted(cmap(file) - declared)
    assert not outside, [f"U+{c:04X}" for c in outside]


@pytest.mark.parametrize(("name", "face"), FACES, ids=IDS)
def test_each_face_is_named_for_its_css_family(name: str, face: fonts.Face) -> None:
    """The CSS family is the font's own name; no subset keeps SIL's reserved name."""
    names = TTFont(fonts.FONTS_DIR / face.file)["name"]
    assert names.getDebugName(1) == fonts.FONTS[name].family
    assert "Andika" not in " ".join(names.getDebugName(i) or "" for i in (1, 4, 6, 16))
    assert "Open Font License" in (names.getDebugName(13) or "")


def test_the_legible_face_keeps_vietnamese_style_tone_marks() -> None:
    """Under lang="vi" Andika puts the tone mark beside the circumflex (ấ), not on top;
    that is its own latn/VIT language system, which the subset must keep."""
    for face in fonts.FONTS["legible"].faces:
        gsub = TTFont(fonts.FONTS_DIR / face.file)["GSUB"].table
        (latn,) = [s.Script for s in gsub.ScriptList.ScriptRecord if s.ScriptTag == "latn"]
        vit = {r.LangSysTag: r.LangSys for r in latn.LangSysRecord}["VIT "]
        assert set(vit.FeatureIndex) != set(latn.DefaultLangSys.FeatureIndex), face.file


def test_files_are_woff2_within_budget_and_licensed() -> None:
    sizes: dict[str, int] = {}
    for _, face in FACES:
        body = (fonts.FONTS_DIR / face.file).read_bytes()
        assert body[:4] == b"wOF2", face.file
        sizes[face.file] = len(body)
    per_family = {
        name: sum(sizes[f.file] for f in font.faces) for name, font in fonts.FONTS.items()
    }
    assert max(sizes.values()) <= BUDGET, f"over {BUDGET} B: {sizes}; per family {per_family}"
    shipped = {p.name for p in fonts.FONTS_DIR.glob("*.woff2")}
    assert shipped == set(sizes), "static/fonts/ and FONTS disagree"
    for font in fonts.FONTS.values():
        if font.faces:
            slug = font.faces[0].file.rsplit("-", 2)[0]
            licence = (fonts.FONTS_DIR / f"LICENSE-{slug}.txt").read_text(encoding="utf-8")
            assert "SIL OPEN FONT LICENSE Version 1.1" in licence


def test_urls_are_content_hashed_and_immutable() -> None:
    assets = fonts.font_assets()
    assert len(assets.files) == len(FACES)
    for (_, face), file in zip(FACES, assets.files, strict=True):
        body = (fonts.FONTS_DIR / face.file).read_bytes()
        digest = hashlib.sha256(body).hexdigest()[:16]
        assert file.url == f"/assets/fonts/{face.file.removesuffix('.woff2')}.{digest}.woff2"
        assert file.body == body
        assert file.media_type == "font/woff2"


def test_a_changed_file_gets_a_new_url(tmp_path: Path) -> None:
    for _, face in FACES:
        (tmp_path / face.file).write_bytes((fonts.FONTS_DIR / face.file).read_bytes())
    before = {f.url for f in fonts.font_assets(fonts_dir=tmp_path).files}
    first = FACES[0][1].file
    (tmp_path / first).write_bytes((tmp_path / first).read_bytes() + b"\0")
    after = {f.url for f in fonts.font_assets(fonts_dir=tmp_path).files}
    assert len(before - after) == 1 and len(after - before) == 1


def test_css_swaps_and_points_at_the_hashed_files() -> None:
    assets = fonts.font_assets()
    rules = re.findall(r"@font-face\{([^}]*)\}", assets.css)
    assert len(rules) == len(FACES)
    for (name, face), file, rule in zip(FACES, assets.files, rules, strict=True):
        props = dict(p.split(":", 1) for p in rule.split(";"))
        assert props["font-family"] == f'"{fonts.FONTS[name].family}"'
        assert props["font-display"] == "swap"  # text shows at once in the fallback
        assert props["font-weight"] == str(face.weight)
        assert props["font-style"] == face.style
        assert props["src"] == f'url("{file.url}") format("woff2")'
        assert props["unicode-range"] == fonts.unicode_range()
    assert fonts.unicode_range().startswith("U+0-FF, U+102-103, ")


def test_the_default_is_the_system_font_and_downloads_nothing() -> None:
    sans = fonts.FONTS[fonts.DEFAULT]
    assert sans.family is None and sans.faces == ()
    assert set(fonts.FONTS) == {"sans", "serif", "legible"}
    for font in fonts.FONTS.values():
        if font.family:
            assert font.stack.startswith(f'"{font.family}", ')  # fallbacks while it loads
