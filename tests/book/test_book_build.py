"""Checks on the book sources and on the built HTML (run after `make build`).

* every document of _toc.yml was built;
* every chapter asserts what it teaches (a check that only prints is a defect);
* nothing of a solution or a hidden test reaches the built HTML.
"""
import json
import re
from pathlib import Path

import pytest

from book_support import ROOT, require_built_book, toc_files

CHAPTERS = sorted((ROOT / "book").glob("ch*.md"))


def _code_cells(md: Path):
    return re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", md.read_text(), flags=re.S)


def test_toc_lists_every_chapter():
    listed = set(toc_files())
    for md in CHAPTERS:
        assert f"book/{md.stem}" in listed, f"{md.name} is not in _toc.yml"


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_asserts_its_checks(md):
    cells = _code_cells(md)
    if md.stem == "ch01_intro":
        minimum = 1
    else:
        minimum = 3
    n_asserts = sum(len(re.findall(r"^\s*assert\b|np\.testing\.assert_|\.ok\(", c, flags=re.M)) for c in cells)
    assert n_asserts >= minimum, f"{md.name}: {n_asserts} asserting checks; a chapter must assert what it shows"
    # A "check" cell must not only print: any cell whose comment or name says check and has no assert fails.
    for cell in cells:
        says_check = re.search(r"(?im)^\s*#.*\bcheck\b", cell)
        if says_check and not re.search(r"\bassert\b|assert_|\.ok\(|raise\b", cell):
            pytest.fail(f"{md.name}: a cell that calls itself a check asserts nothing:\n{cell[:400]}")


@pytest.mark.parametrize("doc", toc_files())
def test_page_was_built(doc):
    root = require_built_book()
    page = root / f"{doc}.html"
    assert page.exists(), f"{doc} is in _toc.yml but {page} was not built"
    assert "This page is being written" not in page.read_text(), f"{doc} is still a placeholder"


def _hidden_and_solution_lines():
    hidden, solution = set(), set()
    for nb_path in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        nb = json.loads(nb_path.read_text())
        for cell in nb["cells"]:
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", src, flags=re.S):
                hidden.update(line.strip() for line in block.splitlines() if len(line.strip()) >= 30)
            for block in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", src, flags=re.S):
                solution.update(line.strip() for line in block.splitlines() if len(line.strip()) >= 30)
    return hidden, solution


def test_no_solution_or_hidden_test_in_html():
    root = require_built_book()
    hidden, solution = _hidden_and_solution_lines()
    chapter_text = "\n".join(p.read_text() for p in CHAPTERS)
    leaks = []
    for page in root.rglob("*.html"):
        text = page.read_text(errors="replace")
        for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            if marker in text:
                leaks.append(f"{page.relative_to(root)}: marker {marker!r}")
        for line in hidden:
            if line in text:
                leaks.append(f"{page.relative_to(root)}: hidden test line {line!r}")
        if "exercises" in page.parts:
            for line in solution:
                # A line the chapters teach anyway is not a leak; a solution-only line is.
                if line in text and line not in chapter_text:
                    leaks.append(f"{page.relative_to(root)}: solution line {line!r}")
    assert not leaks, "\n".join(leaks[:20])
