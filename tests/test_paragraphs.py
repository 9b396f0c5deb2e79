"""paragraphs(): blank lines become <p>, line breaks <br>, blocks and preformatted text are
left alone; written from the behaviour WordPress documents for its wpautop filter."""

from __future__ import annotations

import html

import nh3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.articles import validate
from service.ingest.paragraphs import paragraphs


def visible(markup: str) -> str:
    """The text a reader sees, whitespace collapsed (script and style content is not seen)."""
    return " ".join(html.unescape(nh3.clean(markup, tags=set())).split())


def test_blank_lines_make_paragraphs_and_line_breaks_make_br() -> None:
    assert paragraphs("One\ntwo\n\nThree\n\n\n\nFour\n") == (
        "<p>One<br>\ntwo</p>\n<p>Three</p>\n<p>Four</p>\n"
    )


def test_a_blank_line_of_spaces_and_tabs_is_still_blank() -> None:
    assert paragraphs("One\n \t \nTwo") == "<p>One</p>\n<p>Two</p>"


def test_windows_and_old_mac_line_endings() -> None:
    assert paragraphs("Một\r\nhai\r\n\r\nba\rbốn") == "<p>Một<br>\nhai</p>\n<p>ba<br>\nbốn</p>"


def test_blank_text_gives_nothing() -> None:
    assert paragraphs("") == paragraphs(" \n\r\n\t") == ""


@pytest.mark.parametrize(
    "block",
    [
        "<div>Một</div>",
        "<h2>Tiêu đề</h2>",
        "<ul>\n<li>a</li>\n<li>b</li>\n</ul>",
        "<table>\n<tr><td>a</td><td>b</td></tr>\n</table>",
        "<figure><img src=a.jpg><figcaption>Ảnh</figcaption></figure>",
        "<hr>",
        "<dl><dt>a</dt><dd>b</dd></dl>",
        "<section><h3>x</h3></section>",
    ],
)
def test_blocks_are_not_wrapped_and_text_between_them_is(block: str) -> None:
    out = paragraphs(f"Trước\n\n{block}\nGiữa\n{block}\n\nSau")
    assert out == f"<p>Trước</p>\n\n{block}\n<p>Giữa</p>\n{block}\n\n<p>Sau</p>"


def test_a_block_is_not_split_at_its_own_line_breaks() -> None:
    text = "<h2>Một\nhai</h2>\n\n<p>ba\n\nbốn</p>"
    assert paragraphs(text) == text


@pytest.mark.parametrize(
    "kept",
    [
        "<pre>a\n\nb\n  c</pre>",
        "<script>var a = 1;\n\nvar b = '<div>';</script>",
        "<style>p {\n\n color: red }</style>",
        "<textarea>a\n\n<b>b</b></textarea>",
    ],
)
def test_preformatted_scripts_styles_and_textareas_are_untouched(kept: str) -> None:
    assert paragraphs(f"Một\n\n{kept}\n\nHai") == f"<p>Một</p>\n\n{kept}\n\n<p>Hai</p>"


def test_comments_are_untouched_and_not_wrapped() -> None:
    assert paragraphs("Một\n\n<!-- a\n\nb <div> -->\n\nHai") == (
        "<p>Một</p>\n<!-- a\n\nb <div> -->\n<p>Hai</p>"
    )


def test_a_paragraph_can_start_with_an_inline_element() -> None:
    assert paragraphs('<a href="/x">Đọc</a> tiếp\n<em>nhé</em>\n\n<img src="a.jpg" alt="">') == (
        '<p><a href="/x">Đọc</a> tiếp<br>\n<em>nhé</em></p>\n<p><img src="a.jpg" alt=""></p>'
    )


def test_a_blank_line_inside_a_blockquote_makes_paragraphs_inside_it() -> None:
    assert paragraphs("<blockquote>Một\nhai\n\nba</blockquote>") == (
        "<blockquote><p>Một<br>\nhai</p>\n<p>ba</p></blockquote>"
    )
    assert paragraphs("<blockquote>Một câu.</blockquote>") == "<blockquote>Một câu.</blockquote>"


def test_nested_lists_keep_their_shape() -> None:
    text = "<ul>\n<li>Một\n<ul>\n<li>hai\nba</li>\n<li>bốn\n\nnăm</li>\n</ul>\n</li>\n</ul>"
    assert paragraphs(text) == (
        "<ul>\n<li>Một\n<ul>\n<li>hai<br>\nba</li>\n<li><p>bốn</p>\n<p>năm</p></li>\n</ul>\n"
        "</li>\n</ul>"
    )


def test_a_table_with_a_blank_line_in_a_cell() -> None:
    text = "<table>\n<tr>\n<td>a\n\nb</td>\n<td>c</td>\n</tr>\n</table>"
    assert paragraphs(text) == (
        "<table>\n<tr>\n<td><p>a</p>\n<p>b</p></td>\n<td>c</td>\n</tr>\n</table>"
    )


def test_text_already_in_paragraphs_is_unchanged() -> None:
    text = (
        "<!-- wp:paragraph -->\n<p>Một\nhai</p>\n<!-- /wp:paragraph -->\n\n"
        '<!-- wp:image -->\n<figure class="wp-block-image"><img src="a.jpg"/></figure>\n'
        "<!-- /wp:image -->"
    )
    assert paragraphs(text) == text
    assert paragraphs("<p>Một</p>\n\n<p>Hai</p>\n") == "<p>Một</p>\n\n<p>Hai</p>\n"


def test_comments_between_paragraphs_are_not_wrapped() -> None:
    assert paragraphs("Một\n<!-- x -->\n\nHai") == "<p>Một</p><!-- x -->\n<p>Hai</p>"


def test_vietnamese_text_through_the_sanitiser() -> None:
    text = (
        "Ngày 21/9/2023, Viện kiểm sát nhân dân tối cao tổ chức hội nghị giao ban.\n"
        "Đồng chí Lê Minh Trí phát biểu chỉ đạo.\n\n"
        "<strong>Kết luận</strong>: các đơn vị cần “đẩy mạnh” công tác & kiểm tra."
    )
    article = validate(
        {"title": "Hội nghị", "published": "2023-09-21", "body_html": paragraphs(text)}
    )
    assert article.body_html == (
        "<p>Ngày 21/9/2023, Viện kiểm sát nhân dân tối cao tổ chức hội nghị giao ban.<br>\n"
        "Đồng chí Lê Minh Trí phát biểu chỉ đạo.</p>\n"
        "<p><strong>Kết luận</strong>: các đơn vị cần “đẩy mạnh” công tác &amp; kiểm tra.</p>"
    )


FRAGMENTS = [
    "<p>", "</p>", "<div>", "</div>", "<pre>", "</pre>", "<blockquote>", "</blockquote>",
    "<ul>", "<li>", "</li>", "</ul>", "<table>", "<tr>", "<td>", "</td>", "</table>",
    "<em>", "</em>", "<a href='/x'>", "</a>", "<code>", "</code>", "<img src=a.jpg alt=x>",
    "<br />", "<hr>", "<h2>", "</h2>", "<!--", "-->", "<script>", "</script>", "<style>",
    "</style>", "\n", "\n\n", "\r\n", " ", "&amp;", "&#8220;", "Việt Nam", "đoạn",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet="ab \n\r\t<>/&;!-=p", max_size=6)),
        max_size=30,
    ).map("".join)
)
def test_any_text_gives_valid_html_with_the_same_visible_text(text: str) -> None:
    out = paragraphs(text)
    assert visible(out) == visible(text)
    if visible(text):
        body = validate({"title": "x", "published": "2024-01-01", "body_html": out}).body_html
        assert body.strip()
    else:
        assert out.strip() == "" or not visible(out)
