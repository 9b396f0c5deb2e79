# SPDX-License-Identifier: GPL-2.0-or-later
"""WordPress's own tests of wpautop(), ported from tests/phpunit/tests/formatting/Autop.php
(WordPress/wordpress-develop, commit 10ba4cf1de360238f1c1c9e424b103202c1d8435,
GPL-2.0-or-later; see tests/fixtures/wordpress/README.md). Inputs and expected outputs
are WordPress's; the long ones (the first post, the video and object cases, the <pre> case,
which reads sizzle.js there) are shortened, keeping the constructs they test."""

from __future__ import annotations

import pytest

from service.ingest.wpautop import wpautop

BLOCKS = [
    "table",
    "thead",
    "tfoot",
    "caption",
    "col",
    "colgroup",
    "tbody",
    "tr",
    "td",
    "th",
    "div",
    "dl",
    "dd",
    "dt",
    "ul",
    "ol",
    "li",
    "pre",
    "form",
    "map",
    "area",
    "address",
    "math",
    "style",
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "fieldset",
    "legend",
    "section",
    "article",
    "aside",
    "hgroup",
    "header",
    "footer",
    "nav",
    "figure",
    "details",
    "menu",
    "summary",
]
INLINES = [
    "a",
    "em",
    "strong",
    "small",
    "s",
    "cite",
    "q",
    "dfn",
    "abbr",
    "data",
    "time",
    "code",
    "var",
    "samp",
    "kbd",
    "sub",
    "sup",
    "i",
    "b",
    "u",
    "mark",
    "span",
    "del",
    "ins",
    "noscript",
    "select",
]


def test_skip_pre_elements() -> None:  # ticket 19855
    code = "function x() {\n\n  return 1 &amp;&amp; 2;\n}\n"
    assert wpautop(f"<pre>{code}</pre>").strip() == f"<pre>{code}</pre>"
    text = f"Look at this code\n\n<pre>{code}</pre>\n\nIsn't that cool?"
    expected = f"<p>Look at this code</p>\n<pre>{code}</pre>\n<p>Isn't that cool?</p>"
    assert wpautop(text).strip() == expected
    text = (
        "Look at this code\n\n<pre>Line1<br />Line2<br>Line3<br/>Line4\nActual Line 2\n"
        "Actual Line 3</pre>\n\nCool, huh?"
    )
    expected = (
        "<p>Look at this code</p>\n<pre>Line1<br />Line2<br>Line3<br/>Line4\nActual Line 2\n"
        "Actual Line 3</pre>\n<p>Cool, huh?</p>"
    )
    assert wpautop(text).strip() == expected


def test_skip_input_elements() -> None:  # ticket 16456
    text = (
        'Username: <input type="text" id="username" name="username" /><br />Password: '
        '<input type="password" id="password1" name="password1" />'
    )
    assert wpautop(text).strip() == f"<p>{text}</p>"


def test_source_track_elements() -> None:  # ticket 26864
    content = (
        "Paragraph one.\n\n"
        '<video class="wp-video-shortcode" id="video-0-1" width="640" height="360"'
        ' preload="metadata" controls="controls">\n'
        '\t\t\t\t<source type="video/mp4"'
        ' src="http://domain.tld/wp-content/uploads/2013/12/xyz.mp4" />\n'
        "\t\t\t\t<!-- WebM/VP8 for Firefox4, Opera, and Chrome -->\n"
        '\t\t\t\t<source type="video/webm" src="myvideo.webm" />\n'
        "\t\t\t\t<!-- Optional: Add subtitles for each language -->\n"
        '\t\t\t\t<track kind="subtitles" src="subtitles.srt" srclang="en" />\n'
        '\t\t\t\t<a href="http://domain.tld/wp-content/uploads/2013/12/xyz.mp4">'
        "http://domain.tld/wp-content/uploads/2013/12/xyz.mp4</a>\n"
        "\t\t\t</video>"
        "\n\nParagraph two."
    )
    expected = (
        "<p>Paragraph one.</p>\n"
        '<p><video class="wp-video-shortcode" id="video-0-1" width="640" height="360"'
        ' preload="metadata" controls="controls">'
        '<source type="video/mp4" src="http://domain.tld/wp-content/uploads/2013/12/xyz.mp4" />'
        "<!-- WebM/VP8 for Firefox4, Opera, and Chrome -->"
        '<source type="video/webm" src="myvideo.webm" />'
        "<!-- Optional: Add subtitles for each language -->"
        '<track kind="subtitles" src="subtitles.srt" srclang="en" />'
        '<a href="http://domain.tld/wp-content/uploads/2013/12/xyz.mp4">'
        "http://domain.tld/wp-content/uploads/2013/12/xyz.mp4</a></video></p>\n"
        "<p>Paragraph two.</p>"
    )
    assert wpautop(content).strip() == expected


def test_param_embed_elements() -> None:  # ticket 26864
    content = (
        "\nParagraph one.\n\n"
        '<object width="400" height="224" classid="clsid:d27cdb6e-ae6d-11cf-96b8-444553540000">\n'
        '\t<param name="src" value="http://domain.tld/wp-content/uploads/2013/12/xyz.swf" />\n'
        '\t<param name="allowfullscreen" value="true" />\n\n'
        '\t<embed width="400" height="224" type="application/x-shockwave-flash" />\n'
        "</object>\n\nParagraph two."
    )
    expected = (
        "<p>Paragraph one.</p>\n"
        '<p><object width="400" height="224" classid="clsid:d27cdb6e-ae6d-11cf-96b8-444553540000">'
        '<param name="src" value="http://domain.tld/wp-content/uploads/2013/12/xyz.swf" />'
        '<param name="allowfullscreen" value="true" />'
        '<embed width="400" height="224" type="application/x-shockwave-flash" />'
        "</object></p>\n<p>Paragraph two.</p>"
    )
    assert wpautop(content).strip() == expected


def test_skip_select_option_elements() -> None:  # ticket 22230
    text = (
        'Country: <select id="state" name="state"><option value="1">Alabama</option>'
        '<option value="2">Alaska</option><option value="3">Arizona</option></select>'
    )
    assert wpautop(text).strip() == f"<p>{text}</p>"


def test_block_level_elements_are_blocks() -> None:  # ticket 27268
    content = [f"<{b}>foo</{b}>" for b in BLOCKS]
    expected = "\n".join(content)
    assert wpautop("\n\n".join(content)).strip() == expected
    assert wpautop("".join(content)).strip() == expected
    content = [f"<{b}/>" for b in BLOCKS]
    assert wpautop("".join(content)).strip() == "\n".join(content)
    content = [f"<{b} attr='value'>foo</{b}>" for b in BLOCKS]
    assert wpautop("".join(content)).strip() == "\n".join(content)


def test_blockquote_contents_are_autopd() -> None:  # ticket 27268
    assert wpautop("<blockquote>foo</blockquote>").strip() == "<blockquote><p>foo</p></blockquote>"


def test_inline_elements_are_inline() -> None:  # ticket 27268
    content = "\n\n".join(f"<{i}>foo</{i}>" for i in INLINES)
    expected = "\n".join(f"<p><{i}>foo</{i}></p>" for i in INLINES)
    assert wpautop(content).strip() == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [  # ticket 33106: newlines inside elements are not mangled
        ("Hello <a\nhref='world'>", "<p>Hello <a\nhref='world'></p>\n"),
        ("Hello <!-- a\nhref='world' -->", "<p>Hello <!-- a\nhref='world' --></p>\n"),
        (
            "Hello <!-- <object>\n<param>\n<param>\n<embed>\n</embed>\n</object>\n -->",
            "<p>Hello <!-- <object>\n<param>\n<param>\n<embed>\n</embed>\n</object>\n --></p>\n",
        ),
        (
            "Hello <!-- <object>\n<param/>\n<param/>\n<embed>\n</embed>\n</object>\n -->",
            "<p>Hello <!-- <object>\n<param/>\n<param/>\n<embed>\n</embed>\n</object>\n --></p>\n",
        ),
        (
            "Hello <![CDATA[ a\nhttps://youtu.be/jgz0uSaOZbE\n ]]>",
            "<p>Hello <![CDATA[ a\nhttps://youtu.be/jgz0uSaOZbE\n ]]></p>\n",
        ),
        (
            "Hello <![CDATA[ <!-- a\nhttps://youtu.be/jgz0uSaOZbE\n a\n9 ]]> -->",
            "<p>Hello <![CDATA[ <!-- a\nhttps://youtu.be/jgz0uSaOZbE\n a\n9 ]]> --></p>\n",
        ),
        (
            "Hello <![CDATA[ <!-- a\nhttps://youtu.be/jgz0uSaOZbE\n a\n9 --> a\n9 ]]>",
            "<p>Hello <![CDATA[ <!-- a\nhttps://youtu.be/jgz0uSaOZbE\n a\n9 --> a\n9 ]]></p>\n",
        ),
    ],
)
def test_element_sanity(given: str, expected: str) -> None:
    assert wpautop(given) == expected


def test_line_breaks_after_br_are_kept() -> None:  # ticket 33377
    content = "\nline 1<br>\nline 2<br/>\nline 3<br />\nline 4\nline 5\n"
    expected = "<p>line 1<br />\nline 2<br />\nline 3<br />\nline 4<br />\nline 5</p>"
    assert wpautop(content).strip() == expected


def test_multiple_br_make_a_paragraph() -> None:  # ticket 33377
    assert wpautop("\nline 1<br>\n<br/>\nline 2<br/>\n<br />\n").strip() == (
        "<p>line 1</p>\n<p>line 2</p>"
    )


def test_text_before_blocks_is_peed() -> None:  # ticket 4857
    assert wpautop("a<div>b</div>").strip() == "<p>a</p>\n<div>b</div>"


def test_no_extra_closing_p_in_figure() -> None:  # ticket 39307
    one = '<figure><img src="example.jpg" /><figcaption>Caption</figcaption></figure>'
    assert wpautop(one).strip() == one
    two = '<figure>\n<img src="example.jpg" />\n<figcaption>Caption</figcaption>\n</figure>'
    expected = '<figure>\n<img src="example.jpg" /><figcaption>Caption</figcaption></figure>'
    assert wpautop(two).strip() == expected


def test_the_hr_is_not_peed() -> None:  # ticket 14674
    assert wpautop("paragraph1<hr>paragraph2").strip() == (
        "<p>paragraph1</p>\n<hr>\n<p>paragraph2</p>"
    )


def test_inline_svg_and_script_are_left_alone() -> None:  # ticket 9437
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg">\n\t\t\t\t<circle cx="50" cy="50" r="30">\n'
        '\t\t\t\t\t<animateTransform attributeName="transform" type="scale"/>\n'
        "\t\t\t\t</circle>\n\t\t\t</svg>"
    )
    assert wpautop(svg).strip() == f"<p>{svg}</p>"
    script = '<script type="text/javascript">\n\t\t\t\tvar dummy = 1;\n\t\t\t</script>'
    assert wpautop(script).strip() == f"<p>{script}</p>"


def test_first_post() -> None:  # ticket 11008, shortened: the same constructs
    given = (
        "\nWelcome to WordPress!  This post contains important information.\n\n"
        'First things first:\n<ul>\n<li><a href="%1$s" title="Subscribe">Subscribe</a></li>\n'
        "</ul>\nAs a subscriber, you will receive an email.\n"
        'When a new version is released, <a href="%2$s">log in</a> and follow the instructions.\n'
        "Upgrading is a couple of clicks!\n\nThank you for selecting WordPress.\n"
    )
    expected = (
        "<p>Welcome to WordPress!  This post contains important information.</p>\n"
        "<p>First things first:</p>\n"
        '<ul>\n<li><a href="%1$s" title="Subscribe">Subscribe</a></li>\n'
        "</ul>\n<p>As a subscriber, you will receive an email.<br />\n"
        'When a new version is released, <a href="%2$s">log in</a> and follow the instructions.'
        "<br />\nUpgrading is a couple of clicks!</p>\n<p>Thank you for selecting WordPress.</p>\n"
    )
    assert wpautop(given) == expected


def test_nothing_but_space_is_nothing() -> None:
    assert wpautop(" \n\t\n") == ""
    assert wpautop("a\u00a0\n\nb") == "<p>a\u00a0</p>\n<p>b</p>\n"  # no-break space is text
