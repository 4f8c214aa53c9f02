"""The built site needs nothing from the internet, and shows readers no build plumbing.

* no HTML file of the site (and none in the course kit) loads a script, style, font or image
  from another host (tests/support/offline_html.py); plain links to other sites stay few;
* no chapter's code cells show ``glue(`` or ``myst_nb`` (book/_ext/notebook_export.py hides them);
* every chapter page offers a clean .ipynb: no raw MyST markup, no glue import, no outputs.
"""
import html as htmllib
import json
import re
import zipfile

import pytest

from book_support import ROOT, require_built_book, toc_files
from offline_html import external_links, external_references, external_references_in_text

pytestmark = pytest.mark.book

CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("ch*.md"))
MAX_EXTERNAL_LINKS = 60          # citations' DOIs and the like: allowed, but few
RAW_MYST = {
    "label": re.compile(r"^\([^()\s]+\)=\s*$", re.M),
    "role": re.compile(r"\{[a-zA-Z][\w:+-]*\}`"),
    "directive": re.compile(r"^(`{3,}|:{3,})\{", re.M),
    "equation label": re.compile(r"^\$\$[ \t]*\(", re.M),
}


def test_no_html_file_loads_anything_from_the_internet():
    root = require_built_book()
    pages = sorted(root.rglob("*.html"))
    assert len(pages) >= len(toc_files())
    problems = [str(r) for page in pages for r in external_references(page)]
    assert not problems, "the site fetches from the internet:\n" + "\n".join(problems[:20])
    links = [r for page in pages for r in external_links(page)]
    assert len(links) <= MAX_EXTERNAL_LINKS, f"{len(links)} links to other sites (citations): keep them few"


def test_checker_finds_what_a_browser_would_fetch():
    page = ('<link rel="stylesheet" href="https://cdn.example/x.css"><script src="//cdn.example/m.js"></script>'
            '<img srcset="a.png 1x, http://img.example/b.png 2x"><style>@font-face{src:url(https://f.example/f.woff)}'
            '</style><a href="https://doi.org/10.1/x">a citation</a><img src="_images/local.png">'
            '<script src="http://127.0.0.1:8000/local.js"></script>')
    found = sorted(r.url for r in external_references_in_text(page))
    assert found == ["//cdn.example/m.js", "http://img.example/b.png", "https://cdn.example/x.css",
                     "https://f.example/f.woff"], found


def _code_cells_text(page_html):
    blocks = re.findall(r'<div class="cell_input[^"]*"[^>]*>(.*?)</pre>', page_html, flags=re.S)
    return [htmllib.unescape(re.sub(r"<[^>]+>", "", b)) for b in blocks]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_code_shows_no_glue_plumbing(chapter):
    root = require_built_book()
    page = (root / "book" / f"{chapter}.html").read_text()
    cells = _code_cells_text(page)
    assert cells, f"{chapter}: no code cells found in the HTML"
    shown = [c for c in cells if "glue(" in c or "myst_nb" in c]
    assert not shown, f"{chapter}: a code cell shows the glue plumbing:\n{shown[0][:400]}"


def _exported(chapter):
    root = require_built_book()
    path = root / "_sources" / "book" / f"{chapter}.ipynb"
    assert path.exists(), f"{chapter}: no exported notebook {path}"
    return json.loads(path.read_text())


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_exported_notebook_is_clean(chapter):
    nb = _exported(chapter)
    page = (require_built_book() / "book" / f"{chapter}.html").read_text()
    assert f"_sources/book/{chapter}.ipynb" in page, f"{chapter}: the page offers no .ipynb download"
    assert f"_sources/book/{chapter}.md" not in page, f"{chapter}: the page still offers the raw MyST .md"
    for cell in nb["cells"]:
        src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            for what, rx in RAW_MYST.items():
                m = rx.search(src)
                assert not m, f"{chapter}: raw MyST {what} {m.group(0)!r} left in:\n{src[:300]}"
            refs = external_references_in_text(src)
            assert not refs, f"{chapter}: markdown loads {refs}"
        elif cell["cell_type"] == "code":
            assert "from myst_nb" not in src and "import myst_nb" not in src, f"{chapter}: imports myst_nb"
            assert not cell["outputs"] and cell["execution_count"] is None
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    if "glue(" in code:
        assert "def glue(" in code, f"{chapter}: calls glue without the stand-in"


def test_glued_values_replace_their_roles():
    # ch12 quotes the ice-cream minimum from a glue: the notebook must show the number itself
    nb = _exported("ch12_results")
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert re.search(r"surface, \d\.\d{7}, is the value", text), "the glued minimum is not in ch12's text"
    # ch05 refers to its numbered equations: the notebook shows the numbers the HTML shows
    nb = _exported("ch05_chain_rule")
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    page = (require_built_book() / "book" / "ch05_chain_rule.html").read_text()
    labels = re.findall(r"^\$\$[ \t]*\((\S+)\)", (ROOT / "book" / "ch05_chain_rule.md").read_text(), flags=re.M)
    numbers = [re.search(rf'id="equation-{re.escape(label)}">\s*<span class="eqno">\(([\d.]+)\)', page).group(1)
               for label in labels]
    assert numbers and all(f"\\tag{{{n}}}" in text for n in numbers), f"equations lost their numbers {numbers}"
    assert f"({numbers[0]})" in text.replace(f"\\tag{{{numbers[0]}}}", ""), "{eq} references are not numbered"


def test_kit_holds_no_html_that_loads_the_internet():
    kit = require_built_book() / "kit" / "backprop-checked-kit.zip"
    if not kit.exists():
        pytest.skip("the kit is not built (make kit)")
    problems = []
    with zipfile.ZipFile(kit) as zf:
        for name in zf.namelist():
            if name.endswith((".html", ".htm")):
                problems += [str(r) for r in external_references_in_text(zf.read(name).decode(errors="replace"), name)]
            elif name.endswith(".ipynb"):
                nb = json.loads(zf.read(name))
                for cell in nb["cells"]:
                    if cell["cell_type"] == "markdown":
                        src = "".join(cell["source"])
                        problems += [str(r) for r in external_references_in_text(src, name)]
                        problems += [f"{name}: image {u}" for u in re.findall(r"!\[[^\]]*\]\((https?://[^)]+)\)", src)]
    assert not problems, "\n".join(problems[:20])
