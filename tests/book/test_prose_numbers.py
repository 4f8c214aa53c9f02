"""Numbers in the prose are computed (glued), not typed, unless the allow-list says why.

The scan removes code cells, directives, display math, roles ({glue:…}, {ref}, {eq}, …) and inline
code, then looks for decimals, percentages, powers of ten and e-notation in what is left (prose and
inline math). Integers are not scanned: they are counts, sizes, epochs and chapter numbers the text
sets. Every remaining number must be in ALLOWED with a reason: a quote of a source document, a
setting the text chooses, or arithmetic shown so the reader can redo it.
"""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "book").glob("ch*.md"))
NUMBER = re.compile(r"(?<![\w.])(\d+\.\d+|\d+(?:\.\d+)? ?%|\d+(?:\.\d+)?e[-+]?\d+|10\^\{-?\d+\})")

SEED = "a quote of a source document (the book sets it beside its own computed value)"
SETTING = "a setting the text chooses (learning rate, threshold, noise level, …)"
SHOWN = "arithmetic written out for the reader to redo, asserted in the cell next to it"
ALLOWED = {
    "ch02_perceptron.md": {"0.5": SETTING},
    "ch03_forward.md": {s: SEED for s in ["2.5", "0.2", "3.5", "0.1", "0.5", "0.35", "0.05", "0.3", "0.8",
                                          "0.5125", "0.4", "0.75", "0.85", "0.385", "0.33", "0.43",
                                          "0.645", "0.5817", "0.63", "0.347", "0.6558", "0.336",
                                          "1.0210", "1.0031"]},
    "ch04_loss_gd.md": {"0.1": SEED, "0.01": SETTING, "1.5533527212": SEED, "0.005": SETTING},
    "ch05_chain_rule.md": {"0.5": SEED},
    "ch07_backprop_neuron.md": {"0.1": SEED},
    "ch06_sigmoid.md": {"0.25": SHOWN, "10^{-304}": SHOWN},
    "ch08_backprop_deltas.md": {"0.5": SETTING, "10^{-7}": SETTING},
    "ch09_activations.md": {"0.001": SETTING, "0.02": SETTING,
                            **{s: SEED for s in ["0.70", "0.25", "0.05", "70 %", "25 %", "5 %"]}},
    "ch10_gd_variants.md": {"0.01": SETTING, "4.5": SETTING, "1.5": SETTING, "0.25": SETTING, "0.9": SETTING,
                            "0.1": SETTING},
    "ch11_regularisation.md": {"0.3": SETTING, "0.99": SETTING, "0.02": SHOWN, "3.8": "a section number of seed 003"},
    "ch12_results.md": {"0.01": SETTING, "0.001": SETTING, "93.6%": SEED, "93.6 %": SEED, "0.25": SETTING,
                        "1.5533527": SEED, "93.6": SEED, "97 %": "asserted: digits_acc >= 0.97", "98 %": SEED, "96 %": SEED, "95 %": SEED, "10 %": SETTING,
                        "0.1": SETTING},
    "ch13_crosscheck.md": {"1.0210": SEED, "1.0031": SEED, "0.01": SETTING},
    "ch14_convolution.md": {"10^{-7}": SETTING, "3.9": "a section number of seed 003"},
}


def prose(text):
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    text = re.sub(r"```.*?```", " ", text, flags=re.S)                # code cells and directives
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)              # display math
    text = re.sub(r"\{[\w:-]+\}`[^`]*`", " GLUED ", text)             # roles: glue, ref, eq, cite, doc
    text = re.sub(r"`[^`]*`", " ", text)                              # inline code
    return text


def typed_numbers(page):
    return NUMBER.findall(prose(page.read_text()))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_prose_numbers_are_glued_or_allowed(page):
    allowed = ALLOWED.get(page.name, {})
    unexplained = sorted({n for n in typed_numbers(page) if n not in allowed})
    assert not unexplained, f"{page.name}: typed numbers with no reason, glue them or allow them: {unexplained}"


def test_counts():
    glued = sum(len(re.findall(r"\{glue(?::\w+)?\}`", p.read_text())) for p in PAGES)
    typed = sum(len(typed_numbers(p)) for p in PAGES)
    print(f"numbers in prose: {glued} glued, {typed} typed (all on the allow-list)")
    assert glued > typed
