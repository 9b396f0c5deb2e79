"""Paragraphs for text written with bare line breaks (a WordPress classic-editor body).

Legible's own builder, following the behaviour WordPress documents for its `wpautop`
filter, walking the text as html.parser tokens: text separated by blank lines becomes
`<p>` paragraphs and a single line break in one becomes `<br>`. Blocks (div, lists,
tables, blockquote, headings, p, figure, …) are never wrapped or split; text at the top
level, between them, is. In a container block (div, blockquote, li, td, …) text becomes
paragraphs only when it has a blank line. Nothing changes in p, headings and the like (text
already in `<p>` comes out as it went in), nor in pre, script, style, textarea or a comment.
Inline elements stay in their paragraph; comments alone are not wrapped.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

# Kept exactly as written up to their end tag: no <p>, no <br>, no blocks looked for.
PRESERVED = frozenset({"pre", "script", "style", "textarea", "title", "math", "svg", "iframe",
                       "noscript", "noembed", "noframes", "xmp", "plaintext"})  # fmt: skip
# Blocks whose own text is left as it is: phrasing content only, or (tables) none at all.
LEAVES = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "caption", "figcaption",
    "summary", "legend", "table", "thead", "tbody", "tfoot", "tr", "colgroup", "select",
    "optgroup", "option"})  # fmt: skip
# Blocks that hold other blocks: their text becomes paragraphs when it has a blank line.
CONTAINERS = frozenset({"div", "blockquote", "section", "article", "aside", "header", "footer",
    "nav", "main", "hgroup", "search", "center", "ul", "ol", "menu", "li", "dl", "dd", "td",
    "th", "figure", "form", "fieldset", "details", "dialog", "map", "address"})  # fmt: skip
VOID_BLOCKS = frozenset({"hr", "col"})
BLOCKS = PRESERVED | LEAVES | CONTAINERS | VOID_BLOCKS

_BLANK = re.compile(r"\n[ \t]*\n\s*")  # a blank line, with whatever blank lines follow it
_UNFINISHED = re.compile(r"<[a-zA-Z/!?]")  # in html.parser's text: a tag cut off at the end
Piece = tuple[bool, str]  # (is text, its source): a run is text and inline markup


class _Tokens(HTMLParser):
    """Each token's kind (start, end, text, raw: in script/style, other: a comment…), tag, start."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.found: list[tuple[str, str, tuple[int, int]]] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.found.append(("start", tag, self.getpos()))

    def handle_endtag(self, tag: str) -> None:
        self.found.append(("end", tag, self.getpos()))

    def _text(self, *_: Any, **__: Any) -> None:
        self.found.append(("raw" if self.cdata_elem else "text", "", self.getpos()))

    def _other(self, *_: Any, **__: Any) -> None:
        self.found.append(("other", "", self.getpos()))

    handle_startendtag = handle_starttag  # <div/> opens a div, as in HTML; <hr/> is void anyway
    handle_data = handle_entityref = handle_charref = _text
    handle_comment = handle_decl = handle_pi = unknown_decl = _other


def _tokens(text: str) -> list[tuple[str, str, str]]:
    """(kind, tag, source) for every token; the sources joined are `text` exactly (the first
    starts at 0: html.parser places a cut-off "&b" ending the text after its "&")."""
    parser = _Tokens()
    parser.feed(text)
    parser.close()
    lines = [0] + [m.end() for m in re.finditer("\n", text)]
    starts = [0] + [lines[line - 1] + col for _, _, (line, col) in parser.found[1:]]
    tokens: list[tuple[str, str, str]] = []
    for (kind, tag, _), a, b in zip(parser.found, starts, [*starts[1:], len(text)], strict=True):
        if kind == "text" and tokens and tokens[-1][0] == "text":
            a -= len(tokens.pop()[2])  # one text token, not html.parser's pieces of it
        cut = _UNFINISHED.search(text, a, b) if kind == "text" else None
        if cut:  # html.parser gives up on a tag only at the end: the rest is that tag
            return [*tokens, (kind, tag, text[a : cut.start()]), ("other", "", text[cut.start() :])]
        tokens.append((kind, tag, text[a:b]))
    return tokens


def _chunks(run: list[Piece]) -> list[list[Piece]]:
    """The run cut at its blank lines; chunks of nothing but whitespace left out."""
    chunks: list[list[Piece]] = [[]]
    for is_text, source in run:
        parts = _BLANK.split(source) if is_text else [source]
        chunks[-1].append((is_text, parts[0]))
        chunks.extend([(True, part)] for part in parts[1:])
    return [chunk for chunk in chunks if "".join(s for _, s in chunk).strip()]


def _quiet(piece: Piece) -> bool:  # whitespace, a comment or a declaration: nothing seen
    is_text, source = piece
    return not source.strip() if is_text else source.startswith("<!")


def _paragraph(chunk: list[Piece], wrap: bool) -> str:
    """Its line breaks as <br>, in <p> if `wrap`; comments and whitespace at its edges stay out."""
    loud = [at for at, piece in enumerate(chunk) if not _quiet(piece)]
    if not loud:
        return "".join(s for _, s in chunk)
    core = chunk[loud[0] : loud[-1] + 1]
    core[0] = (True, core[0][1].lstrip()) if core[0][0] else core[0]  # edges: no <br>
    core[-1] = (True, core[-1][1].rstrip()) if core[-1][0] else core[-1]
    shown = "".join(s.replace("\n", "<br>\n") if t else s for t, s in core)
    before, after = (
        "".join(s for _, s in edge) for edge in (chunk[: loud[0]], chunk[loud[-1] + 1 :])
    )
    return before + (f"<p>{shown}</p>" if wrap else shown) + after


def _flush(run: list[Piece], top: bool) -> str:
    """Text and inline markup: paragraphs at the top level or when it has a blank line."""
    chunks, source = _chunks(run), "".join(s for _, s in run)
    if all(_quiet(piece) for chunk in chunks for piece in chunk):
        return source
    out = "\n".join(_paragraph(chunk, top or len(chunks) > 1) for chunk in chunks).strip()
    return source[: len(source) - len(source.lstrip())] + out + source[len(source.rstrip()) :]


def paragraphs(text: str) -> str:
    """`text` marked up (see the module's docstring), "\\r\\n" and "\\r" read as "\\n"."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return ""
    out: list[str] = []
    run: list[Piece] = []
    stack: list[str] = []  # the blocks open here, innermost last
    keep = ""  # inside this preserved element until its end tag
    for kind, tag, source in _tokens(text):
        if keep:
            out.append(source)
            keep = "" if (kind, tag) == ("end", keep) else keep
        elif tag not in BLOCKS:  # text, a comment or an inline tag
            if stack and stack[-1] in LEAVES:
                out.append(source)
            else:
                run.append((kind == "text", source))
        else:
            out += [_flush(run, not stack), source]
            run = []
            if kind == "start" and tag in PRESERVED:
                keep = tag
            elif kind == "start" and tag not in VOID_BLOCKS:
                if stack and stack[-1] == "p":  # a block start ends an open <p>, as in HTML
                    stack.pop()
                stack.append(tag)
            elif kind == "end" and tag in stack:
                del stack[len(stack) - 1 - stack[::-1].index(tag) :]
    out.append(_flush(run, not stack))
    return "".join(out)
