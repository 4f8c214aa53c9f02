"""The whole book as one PDF, printed by Chromium from the built HTML (offline).

    python tools/build_pdf.py [--html _build/html] [--out <html>/pdf/backprop-checked.pdf]

Every page of _toc.yml, in reading order, is opened from a local HTTP server in Debian's
headless chromium (driven by playwright; every non-local request is aborted), waited on until
MathJax has typeset all its math and every image has loaded, printed with the theme's print
style (no sidebars), and the pages are joined with ``pdfunite`` (Debian package
``poppler-utils``). The result goes next to the site, ``<html>/pdf/backprop-checked.pdf``,
which the "Get started" page links.

Why not LaTeX (``jupyter-book build --builder pdflatex``): measured in the report of the change
that added this script; in short, Chromium prints exactly what the reader sees (MathJax math,
figures, tables, the gradcheck HTML tables) with no extra system packages, LaTeX needs texlive
and renders HTML outputs (pandas/gradcheck tables) as text or drops them.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def toc_docs(toc_path=ROOT / "_toc.yml"):
    toc = yaml.safe_load(Path(toc_path).read_text())
    docs = [toc["root"]]

    def walk(entries):
        for e in entries or []:
            if "file" in e:
                docs.append(e["file"])
            walk(e.get("sections"))
            walk(e.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return docs


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(root: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


WAIT_RENDERED = """() => {
  const maths = [...document.querySelectorAll('.math')];
  const mathDone = maths.every(e => e.querySelector('mjx-container'));
  const imgsDone = [...document.images].every(i => i.complete);
  return mathDone && imgsDone;
}"""

PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 16mm 14mm; }
.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .header-article, .prev-next-area,
.bd-footer, .bd-footer-article, .bd-footer-content, footer, .search-button, .theme-switch-button,
#pst-back-to-top, .headerlink, .toggle-secondary-sidebar, .primary-toggle { display: none !important; }
.bd-main .bd-content .bd-article-container { max-width: 100% !important; }
.bd-page-width { max-width: 100% !important; }
div.math { overflow: visible !important; background: none !important; }
details.hide { display: none !important; }
/* paper does not scroll: long code lines wrap, wide tables shrink instead of being cut off */
pre { white-space: pre-wrap !important; overflow-wrap: anywhere; overflow: visible !important; }
div.cell_output table, table.table { display: table !important; overflow: visible !important; font-size: 85%; }
div.cell_output table td, div.cell_output table th { white-space: normal !important; padding: 0.2em 0.5em !important; }
.bd-article-container, .bd-content, .bd-main, article { overflow: visible !important; }
.cell_output img, figure, div.math, tr { break-inside: avoid; }
"""


def print_pages(html: Path, docs, workdir: Path, chromium: str):
    from playwright.sync_api import sync_playwright
    server, base = _serve(html)
    pdfs, blocked = [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1000, "height": 1400})

            def route(r):
                if r.request.url.startswith((base, "data:", "blob:")):
                    r.continue_()
                else:
                    blocked.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            for i, doc in enumerate(docs):
                page.goto(f"{base}/{doc}.html", wait_until="load")
                page.wait_for_function(WAIT_RENDERED, timeout=60_000)
                page.add_style_tag(content=PRINT_CSS)
                page.emulate_media(media="print")
                out = workdir / f"{i:03d}.pdf"
                page.pdf(path=str(out), format="A4", print_background=True, prefer_css_page_size=True, scale=0.8,
                         display_header_footer=True, header_template="<span></span>",
                         footer_template='<div style="font-size:8px;width:100%;text-align:center;color:#666">'
                                         '<span class="title"></span> — <span class="pageNumber"></span></div>',
                         margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"})
                pdfs.append(out)
            browser.close()
    finally:
        server.shutdown()
    if blocked:
        raise SystemExit(f"pages asked the network for: {sorted(set(blocked))[:5]}")
    return pdfs


def build_pdf(html: Path, out: Path | None = None) -> Path:
    t0 = time.perf_counter()
    html = html.resolve()
    if not (html / "index.html").exists():
        raise SystemExit(f"{html} holds no built book: run make build first")
    out = out or html / "pdf" / "backprop-checked.pdf"
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    pdfunite = shutil.which("pdfunite")
    if not chromium or not pdfunite:
        raise SystemExit("needs Debian's chromium and poppler-utils (pdfunite): bash tools/install_system.sh")
    with tempfile.TemporaryDirectory(prefix="bookpdf-") as tmp:
        pdfs = print_pages(html, toc_docs(), Path(tmp), chromium)
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([pdfunite, *map(str, pdfs), str(out)], check=True)
    print(f"[build_pdf] wrote {out} ({out.stat().st_size / 1e6:.1f} MB, {len(pdfs)} pages of the site) "
          f"in {time.perf_counter() - t0:.0f} s", flush=True)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--html", type=Path, default=Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html")))
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    build_pdf(args.html, args.out)


if __name__ == "__main__":
    sys.exit(main())
