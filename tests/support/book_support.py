"""Shared helpers for the tests that read the built book (_build/html)."""
import os
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html"))  # override to test another build


def toc_files():
    """Every document listed in _toc.yml, as repo-relative paths without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            files.append(chapter["file"])
            files.extend(s["file"] for s in chapter.get("sections", []))
    return files


def require_built_book():
    """Skip outside CI when the book has not been built; fail in CI (make test builds it first)."""
    if (HTML / "index.html").exists():
        return HTML
    message = "the book is not built: run `make build` (or `make test`, which builds it) first"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
