"""HTML feedback a student can read offline: the notebook they submitted and each test's verdict.

What a page is made of, and nothing else:

* **the notebook the student submitted** (``grading/submitted/<student>/<ps>/<ps>.ipynb``), with
  the outputs *they* had: their own work, never what the grading run's kernel printed or drew.
  Markdown is rendered with raw HTML off (markdown-it) and the result sanitised by an allow-list
  (nh3): no script, style, frame, form, event attribute or external reference from student
  content survives. Images are only the notebook's own attachments and image outputs, decoded
  and re-encoded here as PNG/JPEG/GIF data; a missing or unreadable one is a placeholder. Nothing
  names a file: the renderer reads no file at all;
* **per test, the verdict the trusted side wrote** (``grading/status``, from
  :mod:`gradekit.scoring`'s templates: names from the reference, a few numbers), its points from
  the gradebook, its title from the *instructor's* source and the test's visible part (from the
  source too: whatever the student did to a test cell, the page shows the real test).

The page for each student is rendered in a forked child that, where this runs as root, first
enters an empty folder as its root directory and drops to an unprivileged uid: even a flaw in a
renderer could read no file. Its inputs were read before the fork; the page comes back through
a pipe and is written here. Any failure makes that student's page say so, with the scores; it
never stops the class. MathJax is loaded from ``grading/feedback/_mathjax`` (the book's offline
copy) with its *safe* extension: links only to http(s), no classes, styles or ids from TeX.
"""
import base64
import binascii
import html
import json
import os
import re
import secrets
import shutil
import tempfile
from importlib import metadata
from pathlib import Path

from .collect import MAX_BYTES as MAX_SUBMISSION_BYTES
from .course import grade_cells, source_text

__all__ = ["generate", "render_page", "visible_source", "MATHJAX"]

MATHJAX = "_mathjax"
MAX_TEXT = 20_000                 # characters of one output shown
MAX_IMAGE = 2 * 1024 ** 2         # bytes of one image shown
FEEDBACK_UID = int(os.environ.get("GRADEKIT_FEEDBACK_UID", 65534))
_TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "code", "pre", "ul", "ol", "li",
         "blockquote", "table", "thead", "tbody", "tr", "th", "td", "a", "span", "del", "s", "sup", "sub"}
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_IMAGE_MAGIC = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff", "image/gif": b"GIF8"}


def visible_source(text):
    """A test cell's source without its hidden region (the lines students never see)."""
    out, hidden = [], False
    for line in text.splitlines():
        if line.strip().startswith("### BEGIN HIDDEN TESTS"):
            hidden = True
            out.append("# (hidden tests ran here)")
        elif line.strip().startswith("### END HIDDEN TESTS"):
            hidden = False
        elif not hidden:
            out.append(line)
    return "\n".join(out)


def _title(cell_source):
    match = re.match(r'\s*[ru]?"""(.+?)(?:"""|\n)', cell_source)
    return match.group(1).strip() if match else None


# --------------------------------------------------------------------------------------------
# Rendering: a pure function of data already in memory


def _text(value, limit=MAX_TEXT):
    """Any JSON value a notebook holds for text, as a bounded ``str`` (lists are joined)."""
    if isinstance(value, list):
        value = "".join(v for v in value[:10_000] if isinstance(v, str))
    if not isinstance(value, str):
        return ""
    value = _ANSI.sub("", value)
    return value if len(value) <= limit else value[:limit] + f"\n[cut at {limit} characters]"


def _image(mime, data):
    """An ``<img>`` of base64 ``data`` if it really is a PNG, JPEG or GIF; else None."""
    if mime not in _IMAGE_MAGIC:
        return None
    try:
        raw = base64.b64decode(_text(data, 4 * MAX_IMAGE).replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        return None
    if not raw.startswith(_IMAGE_MAGIC[mime]) or len(raw) > MAX_IMAGE:
        return None
    return f'<img alt="" src="data:{mime};base64,{base64.b64encode(raw).decode()}">'


def _placeholder(what):
    return f'<span class="gk-placeholder">[{html.escape(what)}]</span>'


def _markdown(text, attachments):
    """Student markdown -> safe HTML: raw HTML off, math kept for MathJax, images only from the
    cell's own attachments, then an allow-list sanitiser."""
    import nh3
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    md.use(dollarmath_plugin, allow_space=True, allow_digits=True, double_inline=True)
    images, mark = [], secrets.token_hex(8)    # a placeholder student text cannot forge

    def image(renderer, tokens, idx, options, env):
        token = tokens[idx]
        src = str(token.attrGet("src") or "")
        tag = None
        if src.startswith("attachment:"):
            entry = attachments.get(src[len("attachment:"):]) if isinstance(attachments, dict) else None
            if isinstance(entry, dict):
                tag = next((t for t in (_image(m, d) for m, d in entry.items()) if t), None)
            if tag is None:
                tag = _placeholder(f"attachment {src[11:][:80]} is missing or not an image")
        else:
            tag = _placeholder("an image from outside the notebook is not shown")
        images.append(tag)
        return f"gkimg{mark}n{len(images) - 1}e"

    def math_inline(renderer, tokens, idx, options, env):
        return f'<span class="gk-math">\\({html.escape(tokens[idx].content)}\\)</span>'

    def math_block(renderer, tokens, idx, options, env):
        return f'<p class="gk-math">\\[{html.escape(tokens[idx].content)}\\]</p>'

    md.add_render_rule("image", image)
    for rule in ("math_inline", "math_inline_double"):
        md.add_render_rule(rule, math_inline)
    for rule in ("math_block", "math_block_label"):
        md.add_render_rule(rule, math_block)
    rendered = md.render(_text(text, 200_000))
    clean = nh3.clean(rendered, tags=_TAGS, attributes={"a": {"href"}, "span": {"class"}, "p": {"class"},
                                                        "th": {"align"}, "td": {"align"}},
                      url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow",
                      strip_comments=True)
    return re.sub(f"gkimg{mark}n([0-9]+)e", lambda m: images[int(m.group(1))], clean)


def _outputs(outputs):
    """The outputs the student had, as safe HTML: text escaped, images re-encoded, HTML dropped."""
    parts = []
    for output in (outputs if isinstance(outputs, list) else [])[:100]:
        if not isinstance(output, dict):
            continue
        kind = output.get("output_type")
        if kind == "stream":
            parts.append(f'<pre class="gk-out">{html.escape(_text(output.get("text")))}</pre>')
        elif kind == "error":
            text = _text(output.get("traceback")) or f"{_text(output.get('ename'), 100)}: {_text(output.get('evalue'))}"
            parts.append(f'<pre class="gk-out gk-err">{html.escape(_text(text))}</pre>')
        elif kind in ("display_data", "execute_result"):
            data = output.get("data") if isinstance(output.get("data"), dict) else {}
            tag = next((t for t in (_image(m, data.get(m)) for m in _IMAGE_MAGIC if m in data) if t), None)
            if tag:
                parts.append(tag)
            elif "text/plain" in data:
                parts.append(f'<pre class="gk-out">{html.escape(_text(data["text/plain"]))}</pre>')
            elif data:
                parts.append(_placeholder("an output of a kind feedback does not show"))
    return "".join(parts)


_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
pre { background: #f6f8fa; padding: .6rem; overflow-x: auto; white-space: pre-wrap; overflow-wrap: break-word; }
.gk-out { background: #fff; border-left: 3px solid #ccc; }
.gk-err { border-left-color: #c33; }
.gk-test { border: 1px solid #ccc; border-radius: 6px; padding: .2rem 1rem; margin: 1rem 0; }
.gk-pass { border-left: 6px solid #2a7; } .gk-fail { border-left: 6px solid #c33; }
.gk-placeholder { color: #777; font-style: italic; }
img { max-width: 100%; }
"""


def _head(title, mathjax):
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self' file:; img-src data:; "
            "style-src 'self' 'unsafe-inline' file:; script-src 'self' 'unsafe-inline' file:; connect-src 'none'; "
            "frame-src 'none'; object-src 'none'; form-action 'none'; base-uri 'none'\">"
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style>"
            "<script>window.MathJax = {loader: {load: ['ui/safe']}, tex: {inlineMath: [['\\\\(', '\\\\)']], "
            "displayMath: [['\\\\[', '\\\\]']], packages: {'[-]': ['require', 'html', 'autoload']}}, "
            "options: {ignoreHtmlClass: 'gk-page', processHtmlClass: 'gk-math'}};</script>"
            f'<script defer src="{mathjax}/tex-chtml-full.js"></script></head>\n'
            '<body class="gk-page">\n')


def render_page(data):
    """The feedback page (a ``str``) from ``data``, a dict of plain values read beforehand:
    assignment, student, submitted (the notebook's bytes or None), tests ({grade_id: title,
    visible, score, max_score, ok, messages}), total, max_total, note, mathjax (a relative URL)."""
    out = [_head(f"{data['assignment']} feedback", data["mathjax"]),
           f"<h1>Feedback: {html.escape(data['assignment'])}, {html.escape(data['student'])}</h1>",
           f"<p>Score: <strong>{data['total']:g} / {data['max_total']:g}</strong>. Each test below says what it "
           "checked and, when it failed, what was wrong. The notebook is shown as you submitted it, with "
           "your own outputs.</p>"]
    if data.get("note"):
        out.append(f"<p><strong>Note.</strong> {html.escape(data['note'])}</p>")
    tests = data["tests"]
    nb, problem = None, None
    if data.get("submitted") is None:
        problem = "your submitted notebook was not found"
    else:
        try:
            nb = json.loads(data["submitted"].decode("utf-8", errors="replace"))
            if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
                raise ValueError("it is not a notebook")
        except (ValueError, RecursionError) as err:
            problem = f"your submitted notebook could not be read ({type(err).__name__})"
            nb = None
    shown = set()
    cells = nb["cells"][:2000] if nb else []
    if problem:
        out.append(f"<p>{_placeholder(problem)}</p>")
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        nbg = meta.get("nbgrader") if isinstance(meta.get("nbgrader"), dict) else {}
        gid = nbg.get("grade_id") if isinstance(nbg.get("grade_id"), str) else None
        if gid in tests and gid not in shown:
            shown.add(gid)
            out.append(_test_block(tests[gid]))
        elif cell.get("cell_type") == "markdown":
            out.append(_markdown(cell.get("source"), cell.get("attachments") or {}))
        elif cell.get("cell_type") == "code":
            out.append(f"<pre class=\"gk-code\"><code>{html.escape(_text(cell.get('source'), 100_000))}</code></pre>")
            out.append(_outputs(cell.get("outputs")))
    for gid, test in tests.items():                # tests the submitted notebook lost: still shown
        if gid not in shown:
            out.append(_test_block(test))
    out.append("</body></html>\n")
    return "\n".join(out)


def _test_block(test):
    score = "?" if test["score"] is None else f"{test['score']:g}"
    ok = test.get("ok")
    verdict = ("<p>All checks of this test passed.</p>" if ok else
               "<ul>" + "".join(f"<li>{html.escape(str(m))}</li>" for m in test.get("messages") or []) + "</ul>"
               if ok is not None else "<p>This test was not graded.</p>")
    return (f'<section class="gk-test {"gk-pass" if ok else "gk-fail"}"><h3>Test: {html.escape(test["title"])} — '
            f"{score} / {test['max_score']:g} points</h3>"
            f'<pre class="gk-code"><code>{html.escape(test["visible"])}</code></pre>{verdict}</section>')


# --------------------------------------------------------------------------------------------
# Where the pages are made: a forked, unprivileged child that can read nothing


def _render_isolated(data, seconds=60):
    """``render_page(data)`` in a forked child: chrooted into an empty folder and as an
    unprivileged uid where this runs as root, with CPU and memory limits. Returns the page, or
    raises ``RuntimeError`` with the reason."""
    import resource
    import signal
    read, write = os.pipe()
    empty = tempfile.mkdtemp(prefix="gradekit-feedback-")
    pid = os.fork()
    if pid == 0:                                  # the child
        code = 1
        try:
            os.close(read)
            resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
            resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 ** 3, 2 * 1024 ** 3))
            if os.geteuid() == 0:
                os.chroot(empty)
                os.chdir("/")
                os.setgroups([])
                os.setgid(FEEDBACK_UID)
                os.setuid(FEEDBACK_UID)
            page = render_page(data).encode("utf-8", errors="replace")
            with os.fdopen(write, "wb") as pipe:
                pipe.write(page)
            code = 0
        except BaseException:                     # noqa: BLE001 (the parent reports it)
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    chunks = []
    with os.fdopen(read, "rb") as pipe:
        while chunk := pipe.read(1 << 20):
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    os.rmdir(empty)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        why = f"signal {signal.Signals(os.WTERMSIG(status)).name}" if os.WIFSIGNALED(status) else "an error"
        raise RuntimeError(f"the page could not be rendered ({why})")
    return b"".join(chunks).decode("utf-8")


def _mathjax_source():
    for file in metadata.files("sphinx-mathjax-offline") or []:
        if str(file).endswith("static/mathjax/tex-chtml-full.js"):
            return Path(file.locate()).parent
    raise RuntimeError("sphinx-mathjax-offline (the book's offline MathJax) is not installed")


def _install_mathjax(folder):
    target = folder / MATHJAX
    if not (target / "tex-chtml-full.js").exists() or not (target / "ui" / "safe.js").exists():
        source = _mathjax_source()
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(source / "tex-chtml-full.js", target)
        for sub in ("output", "input", "ui"):
            shutil.copytree(source / sub, target / sub, dirs_exist_ok=True)
    return target


def _points(course, assignment, student):
    from nbgrader.api import Gradebook, MissingEntry
    points = {}
    with Gradebook(f"sqlite:///{course.grading / 'gradebook.db'}") as gb:
        try:
            for nb in gb.find_submission(assignment, student).notebooks:
                for grade in nb.grades:
                    points[grade.name] = (grade.score, grade.max_score)
        except MissingEntry:
            pass
    return points


def _read_submission(path):
    try:
        if path.stat().st_size > MAX_SUBMISSION_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None


def page_data(course, assignment, student, source):
    """Everything one student's page shows, read here (trusted side) as plain values."""
    status_file = course.grading / "status" / assignment / f"{student}.json"
    try:
        status = json.loads(status_file.read_text()) if status_file.exists() else {}
    except (ValueError, OSError):
        status = {}
    verdicts = status.get("tests") if isinstance(status.get("tests"), dict) else {}
    points = _points(course, assignment, student)
    tests = {}
    for gid, cell in grade_cells(source).items():
        score, max_score = points.get(gid, (None, cell["metadata"]["nbgrader"].get("points", 0)))
        verdict = verdicts.get(gid) if isinstance(verdicts.get(gid), dict) else {}
        tests[gid] = {"title": _title(source_text(cell)) or gid, "visible": visible_source(source_text(cell)),
                      "score": score, "max_score": float(max_score or 0), "ok": verdict.get("ok"),
                      "messages": [str(m) for m in verdict.get("messages", [])][:50]}
    return {"assignment": assignment, "student": student, "tests": tests,
            "submitted": _read_submission(course.submission(assignment, student)),
            "total": float(sum(p[0] or 0 for p in points.values())),
            "max_total": float(sum(t["max_score"] for t in tests.values())),
            "note": status.get("note") if isinstance(status.get("note"), str) else None,
            "mathjax": f"../../{MATHJAX}"}


def generate(course, assignment, students):
    """Write grading/feedback/<student>/<ps>/<ps>.html for each graded student; return the paths
    (and print a reason for each student whose page had to say it could not show the notebook)."""
    import markdown_it, nh3, mdit_py_plugins.dollarmath  # noqa: F401,E401 (loaded before any fork)
    root = course.grading / "feedback"
    _install_mathjax(root)
    source = course.source(assignment)
    written = []
    for student in students:
        if not (course.grading / "autograded" / student / assignment).exists():
            continue
        data = page_data(course, assignment, student, source)
        try:
            page = _render_isolated(data)
        except RuntimeError as err:
            print(f"feedback {student}: {err}; the page shows the scores only")
            page = render_page(dict(data, submitted=b"{}", note=(data["note"] or "") +
                                    " (Your notebook could not be shown on this page; the scores are right.)"))
        target = root / student / assignment / f"{assignment}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
        written.append(target)
    return written
