"""Every numbered equation of the book, with its status; a result that is only typed fails.

A numbered equation is either
* **checked**: printed with ``{glue:math}`` from a SymPy object that the chapter's code asserts
  (the reader's LaTeX *is* ``sp.latex`` of the checked object; see ``show`` and ``assert_identity``
  in the chapters), or
* a **definition** or **notation** that states no derivable result, with the reason below.

Typed ``$$ … $$ (label)`` equations that state a result and are not yet printed from a checked object
are listed in ``KNOWN_UNCHECKED``: that list may only shrink (a new one fails the test).
"""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "book").glob("ch*.md")) + [ROOT / "book" / "notation.md"]

DEFINITIONS = {
    "eq-ch02-perceptron": "definition of the perceptron",
    "eq-ch02-two-layer": "a construction (OR/AND hidden units), checked by its outputs, not a derivation",
    "eq-ch03-layer": "definition of a dense layer and its shapes",
    "eq-ch04-losses": "definitions of MSE, MAE and cross-entropy (their derivatives are checked)",
    "eq-ch04-gd": "definition of the update rule",
    "eq-ch05-limit": "definition of the derivative",
    "eq-ch08-c000": "definition of seed 000's cost (the erratum is checked beside it)",
    "eq-ch09-acts": "definitions of the activations (their derivatives are checked)",
    "eq-ch13-loss": "definition of the loss",
    "eq-ch13-copy": "notation: how micrograd's neurons map to our W",
    "eq-ch14-conv": "definition of the (cross-correlation) convolution",
    "eq-notation-forward": "notation: the book's conventions (derived and checked in chapter 7)",
    "eq-notation-delta": "notation: δ ≡ dZ, a name",
    "eq-notation-backward": "notation: summary of eq-ch07-layer, which is printed from its checked objects",
}
KNOWN_UNCHECKED = set()   # typed results still to be printed from their checked objects (may only shrink)


def code_cells(text):
    return re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, flags=re.S)


def numbered_equations(text):
    """[(label, 'typed' | 'glued')] in page order."""
    found = [(m.start(), m.group(1), "typed") for m in re.finditer(r"^\$\$ *\(([\w-]+)\)\s*$", text, flags=re.M)]
    found += [(m.start(), m.group(1), "typed")
              for m in re.finditer(r"```\{math\}[^\n]*\n:label: *([\w-]+)", text)]
    found += [(m.start(), m.group(2), "glued")
              for m in re.finditer(r"```\{glue:math\} *([\w-]+)\n:label: *([\w-]+)", text)]
    return [(label, kind) for _, label, kind in sorted(found)]


def inventory():
    rows = []
    for page in PAGES:
        text = page.read_text()
        cells = code_cells(text)
        for label, kind in numbered_equations(text):
            if kind == "glued":
                producing = [c for c in cells if re.search(rf"""(show|glue)\(\s*["']{re.escape(label)}["']""", c)]
                asserted = any(re.search(r"assert", c) for c in producing)
                status = "checked" if producing and asserted else "glued-unchecked"
            elif label in DEFINITIONS:
                status = "definition"
            elif label in KNOWN_UNCHECKED:
                status = "unchecked"
            else:
                status = "typed-result"
            rows.append((page.name, label, status))
    return rows


#: formula tables still typed (math in their cells), as {page: number of typed math cells}; a table
#: printed from checked objects uses {glue} cells and counts 0. The counts may only fall.
TYPED_TABLE_MATH = {
    "ch01_intro.md": 3,          # the map of the book: names of results, not statements
    "notation.md": 22,           # notation: symbols and shapes
}


def typed_table_math(text):
    """Number of table cells (outside code cells) that contain typed $…$ math."""
    lines = re.sub(r"```.*?```", "", text, flags=re.S).splitlines()
    body = [line for i, line in enumerate(lines) if line.startswith("|") and not set(line) <= set("|-: ")
            and not (i + 1 < len(lines) and set(lines[i + 1].strip()) <= set("|-: ") and lines[i + 1].strip())]
    return sum(1 for row in body for cell in row.strip("|").split("|") if "$" in cell)


def static_problems(page_name, text):
    """What the static checks find wrong in one page (used by the tests and the mutation harness)."""
    problems = []
    cells = code_cells(text)
    for label, kind in numbered_equations(text):
        if kind == "glued":
            producing = [c for c in cells if re.search(rf"""(show|glue)\(\s*["']{re.escape(label)}["']""", c)]
            if not (producing and any("assert" in c for c in producing)):
                problems.append(f"{label}: glued but not produced by an asserting cell")
        elif label not in DEFINITIONS and label not in KNOWN_UNCHECKED:
            problems.append(f"{label}: a typed equation that is neither a definition nor checked")
    if typed_table_math(text) > TYPED_TABLE_MATH.get(page_name, 0):
        problems.append(f"{page_name}: {typed_table_math(text)} typed formula cells in tables, "
                        f"allowed {TYPED_TABLE_MATH.get(page_name, 0)}")
    return problems


def test_static_checks_pass():
    problems = [p for page in PAGES for p in static_problems(page.name, page.read_text())]
    assert not problems, problems


def test_typed_table_counts_are_current():
    for page in PAGES:
        assert typed_table_math(page.read_text()) == TYPED_TABLE_MATH.get(page.name, 0), page.name


def test_every_numbered_equation_has_a_status():
    rows = inventory()
    counts = {s: sum(1 for r in rows if r[2] == s) for s in {r[2] for r in rows}}
    print("\n".join(f"{page:28s} {label:28s} {status}" for page, label, status in rows))
    print(f"{len(rows)} numbered equations: {counts}")
    bad = [r for r in rows if r[2] in ("typed-result", "glued-unchecked")]
    assert not bad, f"numbered equations stating a result that nothing checks: {bad}"


def test_known_unchecked_only_shrinks():
    labels = {label for _, label, _ in inventory()}
    stale = KNOWN_UNCHECKED - {label for _, label, s in inventory() if s == "unchecked"}
    assert not stale, f"remove from KNOWN_UNCHECKED (now checked, or gone): {sorted(stale)}"
    assert set(DEFINITIONS) <= labels, f"definitions listed but not in the book: {set(DEFINITIONS) - labels}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_glued_equations_are_referenced_by_label(page):
    """{glue:math} directive and its :label: use the same name, so {eq} references and the glue agree."""
    for m in re.finditer(r"```\{glue:math\} *([\w-]+)\n:label: *([\w-]+)", page.read_text()):
        assert m.group(1) == m.group(2), m.group(0)
