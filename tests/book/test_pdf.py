"""The whole book as one PDF (tools/build_pdf.py, `make pdf`): every page, math rendered.

Reads ``<html>/pdf/backprop-checked.pdf`` (built by `make pdf` after `make build`); with
``BUILD_PDF=1`` the test builds it first. Text is extracted with ``pdftotext`` (Debian
``poppler-utils``).
"""
import os
import re
import shutil
import subprocess
import sys

import pytest

from book_support import ROOT, require_built_book, toc_files

pytestmark = [pytest.mark.book, pytest.mark.slow, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def pdf():
    html = require_built_book()
    path = html / "pdf" / "backprop-checked.pdf"
    if os.environ.get("BUILD_PDF") == "1" or not path.exists():
        if not os.environ.get("BUILD_PDF") and not os.environ.get("CI"):
            pytest.skip("no PDF: run `make pdf` (or set BUILD_PDF=1)")
        subprocess.run([sys.executable, str(ROOT / "tools" / "build_pdf.py"), "--html", str(html)], check=True)
    assert path.exists()
    return path


def _text(pdf):
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext is missing: apt-get install poppler-utils")
    return subprocess.run([tool, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_pdf_has_every_page(pdf):
    info = subprocess.run([shutil.which("pdfinfo") or "pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 2 * len(toc_files()), f"{pages} pages for {len(toc_files())} documents"
    text = _text(pdf)
    for title in ("Derivatives and the chain rule", "Graded exercises", "Get started"):
        assert title in text, f"{title!r} is not in the PDF"


def test_pdf_math_is_rendered_not_raw_tex(pdf):
    text = _text(pdf)
    # The chapters' code cells hold TeX in Python strings (r"\frac{dy}{dx}", sp.Symbol(r"\mathcal{L}")):
    # a line of the PDF that is (part of) a line of a code cell is code, not unrendered math.
    code = [line.strip() for chapter in (ROOT / "book").glob("*.md")
            for block in re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", chapter.read_text(), flags=re.S)
            for line in block.splitlines() if line.strip()]
    for raw in ("\\lim", "\\begin{", "$$", "\\mathcal", "\\left(", "\\tfrac"):
        prose = [line for line in text.splitlines() if raw in line
                 and not any(line.strip() in code_line for code_line in code)]
        assert not prose, f"raw TeX {raw!r} in the PDF's prose: {prose[:3]}"
    # MathJax's output, as text: Greek letters and operators of the chapters' equations
    for symbol in ("∂", "σ", "∑"):
        assert symbol in text, f"no rendered {symbol!r} in the PDF's math"
