"""mlpkit's docstrings and comments point into the book: every label they cite exists there,
and they never cite documents a reader of the package does not have ("seed 003")."""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "mlpkit"
CITED = re.compile(r"(?<![\w-])((?:eq-)?ch\d\d-[a-z0-9]+(?:-[a-z0-9]+)*)")



def book_labels():
    """Targets ``(label)=``, numbered equations ``$$ (eq-…)`` and ``:label: …`` of book/*.md."""
    labels = set()
    for page in (ROOT / "book").glob("*.md"):
        text = page.read_text(encoding="utf-8")
        labels |= set(re.findall(r"^\(([\w-]+)\)=\s*$", text, re.M))
        labels |= set(re.findall(r"^\$\$ *\(([\w-]+)\)\s*$", text, re.M))
        labels |= set(re.findall(r"^:label: *([\w-]+)\s*$", text, re.M))
    return labels


def cited_labels():
    """{label: [module, ...]} for every chapter label named in mlpkit's source (docstrings and comments)."""
    cited = {}
    for module in sorted(PACKAGE.glob("*.py")):
        for label in CITED.findall(module.read_text(encoding="utf-8")):
            cited.setdefault(label, []).append(module.name)
    return cited


def test_every_label_cited_in_mlpkit_exists_in_the_book():
    labels, cited = book_labels(), cited_labels()
    assert {"ch08-algorithm", "eq-ch08-out", "eq-ch08-hidden", "eq-ch03-layer"} <= set(cited)   # not vacuous
    missing = {label: where for label, where in cited.items() if label not in labels}
    assert not missing, f"labels cited in mlpkit but absent from book/*.md: {missing}"


def test_docstrings_cite_the_book_not_the_seed_documents():
    offenders = []
    for module in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        nodes = [tree] + [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
        for node in nodes:
            doc = ast.get_docstring(node) or ""
            if re.search(r"\bseeds?\b(?! *=)\s*0\d\d|\bthe seeds?'?s?\b", doc, re.I):
                offenders.append(f"{module.name}:{getattr(node, 'name', '<module>')}")
    assert not offenders, f"docstrings citing the seed documents instead of the book: {offenders}"


def test_every_module_declares_all_and_nothing_about_grading():
    for module in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        names = [t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)]
        assert "__all__" in names, f"{module.name} has no __all__"
        imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
        for node in imports:
            target = getattr(node, "module", None) or ""
            assert "grading" not in target and all("grading" not in a.name for a in node.names), \
                f"{module.name} imports grading"


def _equation_map():
    """Rows (labels, path, first, last, anchor) of CONTRIBUTING.md's "Equation → code" table."""
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("## Equation → code", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (.+?) \| .+? \| `([\w/.]+):(\d+)-(\d+)` \| `(.+?)` \|$", section, re.M)
    return [(re.findall(r"`([\w-]+)`", labels), path, int(a), int(b), anchor) for labels, path, a, b, anchor in rows]


def test_the_equation_to_code_map_points_at_the_code_and_the_book():
    rows, labels = _equation_map(), book_labels()
    assert len(rows) >= 20 and any("ch08-algorithm" in r[0] for r in rows)
    for cited, path, first, last, anchor in rows:
        assert set(cited) <= labels, f"{cited} not all in book/"
        lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
        assert 1 <= first <= last <= len(lines), f"{path}:{first}-{last} outside the file"
        assert anchor in "\n".join(lines[first - 1:last]), f"{path}:{first}-{last} no longer holds {anchor!r}"
