"""Find what an HTML page would fetch from the internet when it is opened.

    from offline_html import external_references
    problems = external_references("_build/html/book/ch05_chain_rule.html")   # [] when offline-safe

A *reference* is something the browser loads by itself: ``<script src>``, stylesheets, fonts,
icons and preloads (``<link href>``), images (``<img src/srcset>``, ``<source>``, ``<video
poster>``), frames, ``<object data>``, ``<embed src>``, and ``url(...)``/``@import`` in inline
``<style>``, ``style=""`` attributes and local CSS files the page links. Plain hyperlinks
(``<a href="https://...">``, e.g. to a citation's DOI) are not loaded and are not reported;
:func:`external_links` lists them for a test that wants them few.

External means an absolute ``http:``/``https:``/``ftp:`` URL or a protocol-relative ``//host``
that is not on a local host (``127.0.0.1``, ``localhost``, ``[::1]``). Only the standard library
is used, so the lead can reuse this for nbgrader's feedback HTML.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

__all__ = ["Reference", "external_references", "external_references_in_text", "external_links",
           "external_css_references", "is_external"]

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]", "0.0.0.0"}
# <link rel=...> values whose href the browser fetches on its own.
LOADING_RELS = {"stylesheet", "preload", "prefetch", "modulepreload", "icon", "shortcut", "apple-touch-icon",
                "manifest", "preconnect", "dns-prefetch", "mask-icon", "font"}
CSS_URL_RE = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""", re.I)


@dataclass(frozen=True)
class Reference:
    file: str
    tag: str
    attr: str
    url: str

    def __str__(self):
        return f"{self.file}: <{self.tag} {self.attr}> {self.url}"


def is_external(url: str) -> bool:
    url = (url or "").strip()
    if url.startswith("//"):
        url = "http:" + url
    parsed = urlparse(url)
    if parsed.scheme.lower() not in ("http", "https", "ftp", "ws", "wss"):
        return False            # relative paths, data:, blob:, javascript:, mailto:, #anchors
    return (parsed.hostname or "").lower() not in LOCAL_HOSTS


def external_css_references(css: str, file: str = "<css>", tag: str = "style") -> list[Reference]:
    out = []
    for m in CSS_URL_RE.finditer(css):
        url = m.group(2) or m.group(4)
        if is_external(url):
            out.append(Reference(file, tag, "url()", url))
    return out


class _Collector(HTMLParser):
    def __init__(self, file):
        super().__init__(convert_charrefs=True)
        self.file, self.refs, self.links, self.css_files = file, [], [], []
        self._in_style = False

    def _add(self, tag, attr, url):
        if url and is_external(url):
            self.refs.append(Reference(self.file, tag, attr, url.strip()))

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        if "style" in a:
            self.refs.extend(external_css_references(a["style"], self.file, f"{tag} style"))
        if tag == "a" or tag == "area":
            if is_external(a.get("href", "")):
                self.links.append(Reference(self.file, tag, "href", a["href"]))
            return
        if tag == "link":
            rels = set(a.get("rel", "").lower().split())
            if rels & LOADING_RELS or a.get("as"):
                self._add(tag, "href", a.get("href"))
                if "stylesheet" in rels and a.get("href") and not is_external(a["href"]):
                    self.css_files.append(a["href"])
            return
        for attr in ("src", "data", "poster", "background"):
            if attr in a and tag in ("script", "img", "iframe", "frame", "embed", "source", "video", "audio",
                                     "track", "input", "object", "body", "table", "td", "image"):
                self._add(tag, attr, a[attr])
        if tag in ("svg", "image", "use") and ("href" in a or "xlink:href" in a):
            self._add(tag, "href", a.get("href") or a.get("xlink:href"))
        for attr in ("srcset", "imagesrcset"):
            for part in a.get(attr, "").split(","):
                self._add(tag, attr, part.strip().split(" ")[0])
        if tag == "style":
            self._in_style = True
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            m = re.search(r"url=(.+)", a.get("content", ""), re.I)
            if m:
                self._add(tag, "refresh", m.group(1).strip("'\" "))

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.refs.extend(external_css_references(data, self.file, "style"))


def _collect(text: str, file: str) -> _Collector:
    c = _Collector(file)
    c.feed(text)
    c.close()
    return c


def external_references_in_text(text: str, file: str = "<html>") -> list[Reference]:
    """External references of an HTML document given as a string (local CSS files not followed)."""
    return _collect(text, file).refs


def external_references(html_path, follow_css: bool = True) -> list[Reference]:
    """Everything ``html_path`` would load from the internet; [] if it opens offline.

    With ``follow_css``, local stylesheets the page links are read too (their ``url()``s and
    ``@import``s), one level deep.
    """
    path = Path(html_path)
    c = _collect(path.read_text(errors="replace"), str(path))
    refs = list(c.refs)
    if follow_css:
        for href in c.css_files:
            css = (path.parent / href.split("?")[0].split("#")[0]).resolve()
            if css.is_file():
                refs.extend(external_css_references(css.read_text(errors="replace"), str(css), "link css"))
    return refs


def external_links(html_path) -> list[Reference]:
    """Plain hyperlinks to other sites (allowed, not loaded; a test may want them few)."""
    path = Path(html_path)
    return _collect(path.read_text(errors="replace"), str(path)).links
