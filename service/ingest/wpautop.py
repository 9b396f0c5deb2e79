# SPDX-License-Identifier: GPL-2.0-or-later
"""WordPress's `wpautop()`: blank lines in a post become paragraphs, single line breaks
become `<br />`, as WordPress shows the post. A port of `wpautop`, `wp_html_split`,
`get_html_split_regex`, `wp_replace_in_html_tags` and `_autop_newline_preservation_helper`
from wp-includes/formatting.php (WordPress, GPL-2.0-or-later; see
tests/fixtures/wordpress/README.md). This file is that licence's derivative work and
keeps it; the rest of Legible is MIT.

Kept as WordPress has it, step by step, so WordPress's own tests pass (tests/test_wpautop.py).
Differences of language only: PCRE's `\\s` is ASCII (re.ASCII here, so a no-break space
is text, as in PHP); Python's `re` has no conditional on a lookahead, so the comment/CDATA
branch of the element regex is an alternation with lookaheads (the same matches).
"""

from __future__ import annotations

import re

ALLBLOCKS = (
    "(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form"
    "|map|area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article"
    "|aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary)"
)
_A = re.ASCII

# get_html_split_regex(): a comment, a CDATA section, or any other element.
_COMMENT = r"!(?:-(?!->)[^\-]*+)*+(?:-->)?"
_CDATA = r"!\[CDATA\[[^\]]*+(?:](?!]>)[^\]]*+)*+(?:]]>)?"
HTML_SPLIT = re.compile(r"(<(?:(?=!--)" + _COMMENT + r"|(?=!\[CDATA\[)" + _CDATA + r"|[^>]*>?))")


def _sub(pattern: str, repl: str, text: str, flags: int = 0) -> str:
    return re.sub(pattern, repl, text, flags=flags | _A)


def wp_html_split(text: str) -> list[str]:
    return HTML_SPLIT.split(text)


def wp_replace_in_html_tags(haystack: str, pairs: dict[str, str]) -> str:
    """Replace inside elements (the odd parts of the split) only."""
    parts = wp_html_split(haystack)
    changed = False
    for i in range(1, len(parts), 2):
        for needle in pairs:
            if needle in parts[i]:
                for old, new in pairs.items():  # strtr with one pair is str_replace
                    parts[i] = parts[i].replace(old, new)
                changed = True
                break
    return "".join(parts) if changed else haystack


def _protect_pre(text: str) -> tuple[str, dict[str, str]]:
    pre_tags: dict[str, str] = {}
    parts = text.split("</pre>")
    last = parts.pop()
    out = ""
    for part in parts:
        start = part.find("<pre")
        if start == -1:  # malformed HTML?
            out += part
            continue
        name = f"<pre wp-pre-tag-{len(pre_tags)}></pre>"
        pre_tags[name] = part[start:] + "</pre>"
        out += part[:start] + name
    return out + last, pre_tags


def wpautop(text: str, br: bool = True) -> str:
    if text.strip(" \t\n\r\0\x0b") == "":
        return ""
    text = text + "\n"  # pad the end
    pre_tags: dict[str, str] = {}
    if "<pre" in text:  # <pre> is not touched: placeholders now, the original at the end
        text, pre_tags = _protect_pre(text)
    # Multiple <br>s become two line breaks, which become paragraphs.
    text = _sub(r"<br\s*/?>\s*<br\s*/?>", "\n\n", text)
    blocks = ALLBLOCKS
    text = _sub("(<" + blocks + r"[\s/>])", r"\n\n\1", text)
    text = _sub("(</" + blocks + ">)", r"\1\n\n", text)
    text = _sub(r"(<hr\s*?/?>)", r"\1\n\n", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = wp_replace_in_html_tags(text, {"\n": " <!-- wpnl --> "})
    if "<option" in text:
        text = _sub(r"\s*<option", "<option", text)
        text = _sub(r"</option>\s*", "</option>", text)
    if "</object>" in text:
        text = _sub(r"(<object[^>]*>)\s*", r"\1", text)
        text = _sub(r"\s*</object>", "</object>", text)
        text = _sub(r"\s*(</?(?:param|embed)[^>]*>)\s*", r"\1", text)
    if "<source" in text or "<track" in text:
        text = _sub(r"([<\[](?:audio|video)[^>\]]*[>\]])\s*", r"\1", text)
        text = _sub(r"\s*([<\[]/(?:audio|video)[>\]])", r"\1", text)
        text = _sub(r"\s*(<(?:source|track)[^>]*>)\s*", r"\1", text)
    if "<figcaption" in text:
        text = _sub(r"\s*(<figcaption[^>]*>)", r"\1", text)
        text = _sub(r"</figcaption>\s*", "</figcaption>", text)
    text = _sub(r"\n\n+", "\n\n", text)
    paragraphs = [p for p in re.split(r"\n\s*\n", text, flags=_A) if p]
    text = "".join("<p>" + p.strip("\n") + "</p>\n" for p in paragraphs)
    text = _sub(r"<p>\s*</p>", "", text)  # a P of entirely whitespace
    text = _sub(r"<p>([^<]+)</(div|address|form)>", r"<p>\1</p></\2>", text)
    text = _sub(r"<p>\s*(</?" + blocks + r"[^>]*>)\s*</p>", r"\1", text)
    text = _sub(r"<p>(<li.+?)</p>", r"\1", text)
    text = _sub(r"<p><blockquote([^>]*)>", r"<blockquote\1><p>", text, re.IGNORECASE)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = _sub(r"<p>\s*(</?" + blocks + r"[^>]*>)", r"\1", text)
    text = _sub(r"(</?" + blocks + r"[^>]*>)\s*</p>", r"\1", text)
    if br:
        text = re.sub(
            r"<(script|style|svg).*?</\1>",
            lambda m: m.group(0).replace("\n", "<WPPreserveNewline />"),
            text,
            flags=re.DOTALL | _A,
        )
        text = text.replace("<br>", "<br />").replace("<br/>", "<br />")
        text = _sub(r"(?<!<br />)\s*\n", "<br />\n", text)
        text = text.replace("<WPPreserveNewline />", "\n")
    text = _sub(r"(</?" + blocks + r"[^>]*>)\s*<br />", r"\1", text)
    text = _sub(r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", r"\1", text)
    text = _sub(r"\n</p>$", "</p>", text)
    for name, original in pre_tags.items():
        text = text.replace(name, original)
    if "<!-- wpnl -->" in text:
        text = text.replace(" <!-- wpnl --> ", "\n").replace("<!-- wpnl -->", "\n")
    return text
