"""Every parser of untrusted bytes is total: collect, variant claims, records, verdicts and the
feedback renderer give a per-student reason, never an exception that stops the class."""
import base64
import codecs
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import strategies
from gradekit import collect, feedback, variants
from gradekit.course import Course
from grading_support import elements
from nbcheck.records import decode

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.function_scoped_fixture])
DEEP = "[" * 200_000 + "]" * 200_000


def course_with_source(tmp_path):
    (tmp_path / "solutions" / "ps01").mkdir(parents=True)
    src = Path(__file__).resolve().parents[2] / "solutions" / "ps01" / "ps01.ipynb"
    (tmp_path / "solutions" / "ps01" / "ps01.ipynb").write_text(src.read_text())
    return Course(tmp_path)


def test_collect_reports_each_hostile_file_and_collects_the_rest(tmp_path):
    course = course_with_source(tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}
    files = {"a_deep.ipynb": '{"nbformat": 4, "cells": ' + DEEP + "}", "b_utf8.ipynb": b"\xff\xfe{",
             "c_schema.ipynb": json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"x": 1}]}),
             "d_huge_number.ipynb": '{"nbformat": 4, "cells": [], "x": 1e999999, "y": ' + "9" * 5000 + "}",
             "e_nan.ipynb": '{"nbformat": 4, "nbformat_minor": 5, "metadata": {"x": NaN}, "cells": []}',
             "z_good.ipynb": json.dumps(good)}
    for name, content in files.items():
        (inbox / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    report = {r[0]: r for r in collect.collect(course, "ps01", inbox)}
    assert report["z_good.ipynb"][2] == "collected", report
    for name in ("a_deep.ipynb", "b_utf8.ipynb", "c_schema.ipynb"):
        assert report[name][2] == "rejected" and report[name][3], report[name]
    assert "nested" in report["a_deep.ipynb"][3]
    assert all(r[2] in ("collected", "rejected") for r in report.values())


@FAST
@given(st.binary(max_size=300) | strategies.json_like.map(lambda j: json.dumps(j).encode()))
def test_collect_never_raises(tmp_path_factory, content):
    tmp = tmp_path_factory.mktemp("c")
    course = course_with_source(tmp)
    (tmp / "in").mkdir()
    (tmp / "in" / "s1.ipynb").write_bytes(content)
    (status,) = [r[2] for r in collect.collect(course, "ps01", tmp / "in")]
    assert status in ("collected", "rejected")


@FAST
@given(strategies.json_like)
def test_claims_and_records_are_total(junk):
    variants.claimed(junk, "ps01")
    variants.claimed({"cells": junk}, "ps01")
    variants.claimed({"cells": [junk, {"metadata": junk, "source": junk}]}, "ps01")
    try:
        decode(junk)
    except ValueError:
        pass


def data_for(submitted, tests=None):
    tests = tests or {"t1": {"title": "a test", "visible": "check.array(f(1), 2, 'f(1)')", "score": 0.0,
                             "max_score": 3.0, "ok": False, "messages": ["f(1): 1 of 1 entries differ from the expected values"]}}
    return {"assignment": "ps01", "student": "s1", "tests": tests, "submitted": submitted, "total": 0.0,
            "max_total": 3.0, "note": None, "mathjax": "../../_mathjax"}


@FAST
@given(st.binary(max_size=500) | strategies.json_like.map(lambda j: json.dumps({"cells": [j, j]}).encode()))
def test_the_feedback_renderer_is_total(submitted):
    page = feedback.render_page(data_for(submitted))
    assert "1 of 1 entries differ" in page and page.count("<script") == 2


def test_feedback_renders_a_deep_or_broken_notebook_as_a_placeholder():
    for bad in (DEEP.encode(), b"\xff\xfe", b'{"cells": 3}', None):
        page = feedback.render_page(data_for(bad))
        assert "gk-placeholder" in page and "a test" in page


def hostile_markdown():
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 30).decode()
    return {"cell_type": "markdown", "metadata": {}, "attachments": {
                "ok.png": {"image/png": png}, "fake.png": {"image/png": base64.b64encode(b"<script>x</script>").decode()},
                "vector.svg": {"image/svg+xml": "<svg onload='alert(1)'/>"}},
            "source": ["![a](attachment:ok.png) ![b](attachment:fake.png) ![c](attachment:vector.svg) ",
                       "![d](attachment:missing.png) ![e](/etc/passwd) ![f](solutions/ps01/ps01.ipynb) ",
                       "![g](../../gradebook.db) ![h](https://example.org/x.png) ![i](file:///etc/shadow)\n\n",
                       "<script>alert(1)</script><img src=x onerror=alert(2)><iframe src='https://e.org'></iframe>",
                       "<meta http-equiv='refresh' content='0;url=https://e.org'><style>body{}</style>",
                       "[click](javascript:alert(3)) <a href='https://e.org' onclick='x()'>l</a>\n\n",
                       "$\\href{javascript:alert(4)}{x}$ and $$\\unicode{x}$$"]}


def test_student_markdown_cannot_embed_files_run_script_or_load_anything():
    from offline_html import external_references_in_text
    nb = {"cells": [hostile_markdown(), {"cell_type": "code", "source": "x = 1", "metadata": {}, "outputs": [
        {"output_type": "display_data", "data": {"text/html": "<script>alert(5)</script>",
                                                  "image/svg+xml": "<svg onload=alert(6)>"}},
        {"output_type": "stream", "name": "stdout", "text": "<script>alert(7)</script>"}]}]}
    page = feedback.render_page(data_for(json.dumps(nb).encode()))
    tags = elements(page)
    assert [t for t, _ in tags].count("script") == 2, "only the page's own MathJax config and loader"
    assert [t for t, _ in tags].count("style") == 1 and [t for t, _ in tags].count("meta") == 3
    assert not {"iframe", "svg", "object", "embed", "form", "link", "base"} & {t for t, _ in tags}
    for tag, attrs in tags:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        assert not str(attrs.get("href", "")).lower().startswith(("javascript:", "data:", "file:")), attrs
        if tag == "img":
            assert attrs["src"].startswith("data:image/png;base64,"), attrs
        if tag == "meta":
            assert "refresh" not in str(attrs.get("http-equiv", "")).lower()
    assert "'ui/safe'" in page                                             # MathJax's \href and \class filter
    assert page.count("data:image/png;base64,") == 1                     # the one real PNG attachment
    # (markdown-it does not even parse file: as a link: that one stays text)
    assert page.count("missing or not an image") == 3 and page.count("from outside the notebook") == 4
    assert not external_references_in_text(page)
    assert "&lt;script&gt;alert(7)" in page                                # their own output, as text


def test_feedback_pages_are_rendered_where_no_file_can_be_read(tmp_path, monkeypatch):
    """The isolated renderer has no file system: a renderer that tried to read one would fail."""
    if __import__("os").geteuid() != 0:
        pytest.skip("the chroot needs root")
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    original = feedback.render_page
    monkeypatch.setattr(feedback, "render_page", lambda data: original(data) + Path(str(secret)).read_text())
    with pytest.raises(RuntimeError, match="could not be rendered"):
        feedback._render_isolated(data_for(b"{}"))
    monkeypatch.setattr(feedback, "render_page", original)
    assert "a test" in feedback._render_isolated(data_for(b"{}"))


def encodings(secret):
    """The ways the second red team moved a hidden line out: each must be absent from every page."""
    raw = secret.encode()
    out = {secret, secret[::-1], codecs.encode(secret, "rot13"), raw.hex()}
    for shift in range(3):                       # base64 at each alignment, without the padding edges
        out.add(base64.b64encode(b"x" * shift + raw).decode()[4:-4])
    return out


def test_the_encodings_helper_finds_what_it_should():
    text = "prefix " + base64.b64encode(b"xCANARY-HIDDEN-5d1e0b").decode() + " suffix"
    assert any(e in text for e in encodings("CANARY-HIDDEN-5d1e0b"))
