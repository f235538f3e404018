"""Policy Markdown renders to safe HTML: raw HTML, scripts and dangerous links never survive."""

from html.parser import HTMLParser

import pytest

from policies.markdown import ALLOWED_TAGS, render_markdown


class _Elements(HTMLParser):
    """The tags and attributes a browser would build from some HTML."""

    def __init__(self, html):
        super().__init__()
        self.tags, self.attributes, self.comments = [], [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)

    def handle_comment(self, data):
        self.comments.append(data)


def elements(html) -> _Elements:
    return _Elements(str(html))


def test_ordinary_markdown_renders():
    html = render_markdown("# Title\n\n- **one**\n- *two*\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert "<h1>Title</h1>" in html
    assert "<strong>one</strong>" in html
    assert "<em>two</em>" in html
    assert "<table>" in html
    assert "<td>1</td>" in html


def test_script_tags_are_shown_as_text_never_run():
    html = render_markdown("Hello <script>alert('x')</script> world")
    assert "<script" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    "source",
    [
        '<img src="x" onerror="alert(1)">',
        '<iframe src="https://evil.example"></iframe>',
        '<a href="https://example.com" onclick="steal()">x</a>',
        '<div style="position:fixed">cover</div>',
        "<!-- hidden --><b>bold</b>",
    ],
)
def test_raw_html_is_escaped(source):
    html = render_markdown(source)
    found = elements(html)
    assert set(found.tags) <= {"p"}, html  # the HTML is shown as text in a paragraph
    assert found.attributes == []
    assert found.comments == []
    assert "&lt;" in html


@pytest.mark.parametrize(
    "link",
    [
        "[click](javascript:alert(1))",
        "[click](JAVASCRIPT:alert(1))",
        "[click](  javascript:alert(1))",
        "[click](java&#x09;script:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[click](vbscript:msgbox(1))",
        "<javascript:alert(1)>",
        "![img](javascript:alert(1))",
    ],
)
def test_dangerous_links_are_dropped(link):
    found = elements(render_markdown(link))
    assert "img" not in found.tags
    urls = [value.lower().strip() for name, value in found.attributes if name in ("href", "src")]
    for url in urls:
        assert not url.startswith(("javascript:", "data:", "vbscript:")), url
    assert set(found.tags) <= ALLOWED_TAGS


def test_a_dangerous_link_left_in_a_safe_text_is_never_a_link():
    found = elements(render_markdown("[ok](https://a.example) [bad](javascript:alert(1))"))
    assert [value for name, value in found.attributes if name == "href"] == ["https://a.example"]


def test_safe_links_get_noopener_noreferrer():
    html = render_markdown(
        "[Our site](https://lumora.example) and [mail](mailto:pr@lumora.example)"
    )
    assert 'href="https://lumora.example"' in html
    assert 'rel="noopener noreferrer"' in html
    assert 'href="mailto:pr@lumora.example"' in html


def test_table_alignment_styles_are_stripped():
    html = render_markdown("| a |\n|--:|\n| 1 |\n")
    assert "style" not in html


def test_empty_text_gives_empty_html():
    assert render_markdown("") == ""
