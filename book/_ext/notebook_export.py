"""Sphinx extension: the chapters as a reader sees them, in HTML and as clean notebooks.

1. **Build plumbing out of sight.** The chapters compute the numbers their text quotes and hand
   them to the text with myst-nb's ``glue``. Those lines (``from myst_nb import glue`` and every
   ``glue(...)`` call, however many lines it spans, and a loop or ``if`` that only glues) are
   removed from the *displayed* code cells; the cells still execute unchanged. A cell left with no
   code shows only its output (or nothing).
2. **Each chapter as a runnable .ipynb.** For every page executed by myst-nb, a clean notebook is
   written to ``_sources/<page>.ipynb`` (the theme's download menu offers it; the raw MyST ``.md``
   is no longer offered, JupyterLab would show its markup raw): labels ``(x)=`` removed, ``{eq}``,
   ``{ref}``, ``{doc}``, ``{numref}`` and ``{cite}`` written as the text the page shows (links
   between chapter notebooks where the target is a chapter), ``{glue:...}`` replaced by the value
   the build computed, directives turned into Markdown quotes, outputs cleared, and
   ``from myst_nb import glue`` replaced by a tiny stand-in so the notebook runs without myst-nb.

``export_notebook`` and ``strip_glue`` are plain functions (tools/build_kit.py and the tests reuse
them through the written files, not through Sphinx).
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from docutils import nodes

GLUE_STANDIN = '''def glue(name, value, display=True):
    """Stand-in for myst_nb.glue (the book's build uses it to put computed values in the text)."""
    if display:
        from IPython.display import display as show
        show(value)'''

_IMPORT_RE = re.compile(r"^(\s*)from\s+myst_nb\s+import\s+glue\s*(#.*)?$", re.M)
LABEL_RE = re.compile(r"^\(([^()\s]+)\)=[ \t]*\n?", re.M)
ROLE_RE = re.compile(r"\{([a-zA-Z][\w:+-]*)\}`([^`]*)`")
DIRECTIVE_RE = re.compile(r"^(`{3,}|:{3,})\{([\w:-]+)\}[ \t]*([^\n]*)\n(.*?)^\1[ \t]*$", re.M | re.S)
EQ_LABEL_RE = re.compile(r"^\$\$[ \t]*\(([^()\s]+)\)[ \t]*$", re.M)

# What a test calls "raw MyST markup" in an exported notebook's Markdown.
RAW_MYST_PATTERNS = {
    "label": re.compile(r"^\([^()\s]+\)=\s*$", re.M),
    "role": re.compile(r"\{[a-zA-Z][\w:+-]*\}`"),
    "directive": re.compile(r"^(`{3,}|:{3,})\{", re.M),
    "equation label": re.compile(r"^\$\$[ \t]*\(", re.M),
}


# --------------------------------------------------------------------------- glue lines, hidden
def _is_glue_stmt(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.ImportFrom) and stmt.module and stmt.module.split(".")[0] == "myst_nb":
        return True
    if isinstance(stmt, ast.Import) and any(a.name.split(".")[0] == "myst_nb" for a in stmt.names):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        func = stmt.value.func
        return isinstance(func, ast.Name) and func.id == "glue"
    if isinstance(stmt, (ast.For, ast.While, ast.If, ast.With)):
        body = list(stmt.body) + list(getattr(stmt, "orelse", []))
        return bool(body) and all(_is_glue_stmt(s) for s in body)
    return False


def _glue_lines(tree: ast.AST) -> set[int]:
    """0-based line numbers of every glue statement (outermost statements that only glue)."""
    lines: set[int] = set()

    def visit(body):
        for stmt in body:
            if _is_glue_stmt(stmt):
                lines.update(range(stmt.lineno - 1, stmt.end_lineno))
                continue
            for field in ("body", "orelse", "finalbody"):
                visit(getattr(stmt, field, []) or [])
            for handler in getattr(stmt, "handlers", []) or []:
                visit(handler.body)

    visit(tree.body)
    return lines


def strip_glue(source: str) -> str:
    """The cell's source without its glue plumbing (same code otherwise; trailing blank lines cut)."""
    if "glue" not in source and "myst_nb" not in source:
        return source
    try:
        drop = _glue_lines(ast.parse(source))
    except SyntaxError:  # IPython magics: fall back to single lines
        drop = {i for i, line in enumerate(source.splitlines())
                if re.match(r"\s*(glue\(.*\)|from myst_nb import .*|import myst_nb.*)\s*(#.*)?$", line)}
    kept = [line for i, line in enumerate(source.splitlines()) if i not in drop]
    # a body left empty by the removal ("for ...:" whose only glue went) cannot happen: a block of
    # only glue is dropped whole above. Collapse the blank lines the removal leaves behind.
    text = "\n".join(kept)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


def _hide_glue_in_doctree(app, doctree):
    for cell in list(doctree.findall(lambda n: isinstance(n, nodes.container)
                                     and n.get("nb_element") == "cell_code")):
        for cell_input in [c for c in cell.children if isinstance(c, nodes.container)
                           and c.get("nb_element") == "cell_code_source"]:
            for block in list(cell_input.findall(nodes.literal_block)):
                old = block.astext()
                new = strip_glue(old)
                if new == old:
                    continue
                if new.strip():
                    block.children = [nodes.Text(new)]
                    block.rawsource = new
                else:
                    block.parent.remove(block)
            if not list(cell_input.findall(nodes.literal_block)):
                cell.remove(cell_input)
        if not cell.children:
            cell.parent.remove(cell)
        elif cell.get("hide_mode") == "input" and not any(
                c.get("nb_element") == "cell_code_source" for c in cell.children if isinstance(c, nodes.Element)):
            cell["hide_mode"] = None  # nothing left to hide behind a "show code" toggle
            del cell["hide_mode"]


# --------------------------------------------------------------------------- notebook export
def _bib_labels(bibfiles):
    """citation key -> (authors as "A", "A and B" or "A et al.", year) from the .bib files."""
    try:
        from pybtex.database import parse_file
    except ImportError:  # pragma: no cover - sphinxcontrib-bibtex depends on pybtex
        return {}
    out = {}
    for bib in bibfiles:
        data = parse_file(str(bib))
        for key, entry in data.entries.items():
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            names = [" ".join(p.last_names) or str(p) for p in people]
            names = [re.sub(r"[{}]", "", n) for n in names]
            if not names:
                who = re.sub(r"[{}]", "", entry.fields.get("title", key))
            elif len(names) == 1:
                who = names[0]
            elif len(names) == 2:
                who = f"{names[0]} and {names[1]}"
            else:
                who = f"{names[0]} et al."
            out[key] = (who, entry.fields.get("year", "n.d."))
    return out


class _Resolver:
    """Turns MyST roles into the plain text (or Markdown link) the HTML page shows."""

    def __init__(self, app, docname, glue_data, exported):
        self.app, self.env, self.docname = app, app.env, docname
        self.glue, self.exported = glue_data, exported
        self.bib = app.__dict__.get("_nbexport_bib")
        if self.bib is None:
            confdir = Path(app.confdir)
            self.bib = _bib_labels([confdir / b for b in getattr(app.config, "bibtex_bibfiles", [])])
            app.__dict__["_nbexport_bib"] = self.bib

    def _link(self, text, target_doc):
        if target_doc == self.docname:
            return text
        if target_doc in self.exported:
            rel = Path(target_doc).name + ".ipynb"   # every chapter notebook sits in one folder
            return f"[{text}]({rel})"
        return text

    @staticmethod
    def _split(content):
        m = re.match(r"^(.*?)\s*<([^<>]+)>$", content, re.S)
        return (m.group(1), m.group(2)) if m else (None, content)

    def eq_number(self, label):
        eqs = self.env.domaindata.get("math", {}).get("objects", {})
        if label not in eqs:
            return None
        docname, number = eqs[label]
        node_id = nodes.make_id("equation-%s" % label)
        if self.env.config.math_numfig and self.env.config.numfig:
            numbers = self.env.toc_fignumbers.get(docname, {}).get("displaymath", {}).get(node_id, ())
            eqno = ".".join(map(str, numbers))
            eqno = self.env.config.math_numsep.join(eqno.rsplit(".", 1))
        else:
            eqno = str(number)
        return eqno, docname

    def __call__(self, m):
        role, content = m.group(1), m.group(2)
        if role == "eq":
            found = self.eq_number(content.strip())
            if not found:
                return content
            eqno, doc = found
            return self._link(f"({eqno})", doc)
        if role in ("ref", "numref"):
            text, target = self._split(content)
            label = target.strip().lower()
            std = self.env.domaindata["std"]
            docname, _, sectname = std["labels"].get(label, (None, None, None))
            if docname is None:
                docname, _ = std["anonlabels"].get(label, (None, None))
            if role == "numref" and text is None:
                text = sectname or target
            return self._link(text or sectname or target, docname) if docname else (text or target)
        if role == "doc":
            text, target = self._split(content)
            base = Path(self.docname).parent
            doc = target.lstrip("/") if target.startswith("/") else str((base / target)).replace("\\", "/")
            doc = re.sub(r"(^|/)\./", r"\1", doc)
            title = self.env.titles.get(doc)
            return self._link(text or (title.astext() if title else target), doc)
        if role.startswith("cite"):
            keys = [k.strip() for k in content.split(",") if k.strip()]
            found = [self.bib.get(k, (k, "")) for k in keys]
            if role in ("cite:t", "cite:ts"):
                return "; ".join(f"{who} ({year})" for who, year in found)
            return "(" + "; ".join(f"{who} {year}".strip() for who, year in found) + ")"
        if role.startswith("glue"):
            key, _, fmt = content.partition(":")
            key = key.split("::")[-1].strip()
            data = self.glue.get(key, {}).get("data", {})
            if role == "glue:md":
                return str(data.get("text/markdown", data.get("text/plain", key))).strip()
            from myst_nb.core.variables import format_plain_text
            plain = data.get("text/plain")
            if plain is None:
                return key
            return format_plain_text(plain, fmt if role == "glue:text" else "")
        if role in ("math",):
            return f"${content}$"
        if role in ("download", "file", "code", "literal", "samp", "kbd", "abbr", "term", "sub", "sup"):
            text, target = self._split(content)
            return f"`{text or target}`" if role in ("code", "literal", "file", "samp", "kbd") else (text or target)
        return self._split(content)[0] or content


def _directive_to_markdown(m):
    name, arg, body = m.group(2), m.group(3).strip(), m.group(4)
    lines = body.splitlines()
    if lines and lines[0].strip() == "---":      # YAML options block
        end = next((i for i, l in enumerate(lines[1:], 1) if l.strip() == "---"), 0)
        lines = lines[end + 1:]
    lines = [l for l in lines if not re.match(r"^:[\w-]+:", l)]
    if name in ("math",):
        return "$$\n" + "\n".join(lines).strip() + "\n$$"
    if name in ("code", "code-block", "sourcecode"):
        return f"```{arg}\n" + "\n".join(lines) + "\n```"
    title = arg if name == "admonition" else name.capitalize() + (f": {arg}" if arg else "")
    quoted = "\n".join(("> " + l) if l.strip() else ">" for l in lines)
    return f"> **{title}**\n>\n{quoted}"


def _tag_equations(text, resolver):
    """`$$ ... $$ (label)` -> the block with its number as \\tag (or untagged if unnumbered)."""
    out, pos = [], 0
    for m in EQ_LABEL_RE.finditer(text):
        start = text.rfind("$$", 0, m.start())
        found = resolver.eq_number(m.group(1))
        block = text[pos:m.start()]
        body = text[start + 2:m.start()] if start >= pos else ""
        if found and found[0] and start >= pos and not re.search(r"\\begin\{(align|equation|gather|multline)", body):
            block = block.rstrip("\n") + f"\n\\tag{{{found[0]}}}\n"
        out.append(block + "$$")
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def clean_markdown(text, resolver):
    text = LABEL_RE.sub("", text)
    for _ in range(3):                            # nested directives, innermost last
        new = DIRECTIVE_RE.sub(_directive_to_markdown, text)
        if new == text:
            break
        text = new
    text = _tag_equations(text, resolver)
    text = ROLE_RE.sub(resolver, text)
    text = re.sub(r"^%.*\n?", "", text, flags=re.M)   # MyST comments
    return text.strip("\n")


def clean_code(source):
    return _IMPORT_RE.sub(lambda m: "\n".join(m.group(1) + l for l in GLUE_STANDIN.splitlines()), source)


def export_notebook(executed: dict, resolver) -> dict:
    cells = []
    for cell in executed["cells"]:
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown":
            src = clean_markdown(src, resolver)
            if not src.strip():
                continue
            cells.append({"cell_type": "markdown", "metadata": {}, "source": src})
        elif cell["cell_type"] == "code":
            meta = {k: v for k, v in cell.get("metadata", {}).items() if k in ("tags",)}
            cells.append({"cell_type": "code", "execution_count": None, "metadata": meta,
                          "outputs": [], "source": clean_code(src)})
        else:
            cells.append({"cell_type": "raw", "metadata": {}, "source": src})
    meta = {k: v for k, v in executed.get("metadata", {}).items() if k in ("kernelspec", "language_info")}
    meta.setdefault("kernelspec", {"display_name": "Python 3", "language": "python", "name": "python3"})
    return {"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


def _executed_dir(app):
    return Path(app.outdir).parent / "jupyter_execute"


def _exported_docs(app):
    cached = app.__dict__.get("_nbexport_docs")
    if cached is None:
        root = _executed_dir(app)
        cached = {d for d in app.env.found_docs if (root / f"{d}.ipynb").exists()}
        app.__dict__["_nbexport_docs"] = cached
    return cached


def _write_notebook(app, pagename, templatename, context, doctree):
    if app.builder.format != "html" or doctree is None:
        return
    executed = _executed_dir(app) / f"{pagename}.ipynb"
    if not executed.exists():
        return
    glue_file = executed.with_suffix(".glue.json")
    glue_data = json.loads(glue_file.read_text()) if glue_file.exists() else {}
    resolver = _Resolver(app, pagename, glue_data, _exported_docs(app))
    nb = export_notebook(json.loads(executed.read_text()), resolver)
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    context["ipynb_source"] = pagename + ".ipynb"


def _drop_md_download(app, pagename, templatename, context, doctree):
    """Where a notebook is offered, the MyST source is not (JupyterLab shows its markup raw)."""
    if not context.get("ipynb_source"):
        return
    for button in context.get("header_buttons", []):
        if button.get("label") == "download-buttons":
            button["buttons"] = [b for b in button["buttons"] if b.get("label") != "download-source-button"]


def setup(app):
    app.connect("doctree-read", _hide_glue_in_doctree)
    app.connect("html-page-context", _write_notebook, priority=400)      # before the theme's buttons
    app.connect("html-page-context", _drop_md_download, priority=600)    # after them
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
