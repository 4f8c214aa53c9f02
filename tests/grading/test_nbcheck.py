"""nbcheck, the in-notebook runtime: its messages name the problem, its records are plain data."""
import json
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

import nbcheck as check
from nbcheck import records
from nbcheck.messages import gradient_hint, mismatch, warning_message


def test_mismatch_names_the_entry_the_shapes_and_the_likely_cause():
    assert mismatch(np.ones((2, 2)), np.ones((2, 2)), "A") is None
    assert mismatch(np.ones(2), np.ones((2, 2)), "A") == "A has shape (2,), expected (2, 2)"
    assert "transposed?" in mismatch(np.ones((3, 2)), np.ones((2, 3)), "dW")
    assert mismatch(np.array([[1, 1], [5, 1]]), np.ones((2, 2)), "A") == \
        "A[1, 0] is 5, expected 1 (off by 4; 1 of 4 entries differ)"
    assert "returned None" in mismatch(None, np.ones(2), "f(x)")
    assert "finite" in mismatch(np.array([np.inf]), np.array([1.0]), "s")


def test_gradient_hints_for_classic_factors():
    e = np.array([1.0, -2.0, 0.5])
    assert "sign is flipped" in gradient_hint(-e, e)
    assert "4 times too large" in gradient_hint(4 * e, e, n=4)
    assert "twice too large" in gradient_hint(2 * e, e)
    assert gradient_hint(e + np.array([0.1, 0, 0]), e) is None


def test_checks_raise_with_the_message_and_pass_silently():
    check.array([1.0, 2.0], [1.0, 2.0], "x")
    with pytest.raises(check.CheckError, match=r"x\[1\] is 3, expected 2"):
        check.array([1.0, 3.0], [1.0, 2.0], "x")
    with pytest.raises(check.CheckError, match="Likely mistake: the sign is flipped"):
        check.gradient([-1.0, 2.0], [1.0, -2.0], "dW")
    with pytest.raises(check.CheckError, match="must be positive"):
        check.true(False, "must be positive")
    with pytest.raises(check.CheckError, match="below the 80% required"):
        check.accuracy("acc", np.array([0, 1, 1, 1]), np.array([1, 1, 0, 0]), 0.8)


def test_expression_checks_by_values_and_reads_strings():
    x = sp.symbols("x")
    check.expression(12 * x * (3 * x**2 + 1), sp.diff((3 * x**2 + 1) ** 2, x), x, "d1")
    check.expression("12*x*(3*x**2+1)", sp.diff((3 * x**2 + 1) ** 2, x), x, "d1")
    check.expression(-2 * x * sp.sin(x**2 + 1) / sp.cos(x**2 + 1), -2 * x * sp.tan(x**2 + 1), x, "d3")
    with pytest.raises(check.CheckError, match="not the right formula"):
        check.expression(6 * x, 12 * x, x, "d")
    with pytest.raises(check.CheckError, match="could not read"):
        check.expression("12*x*(", 12 * x, x, "d")
    with pytest.raises(check.CheckError, match="only x is allowed"):
        check.expression(sp.symbols("y") * x, x, x, "d")


def test_no_warnings_turns_an_overflow_into_a_named_message():
    with pytest.raises(check.CheckError, match="stable form of chapter 6"):
        check.no_warnings(lambda: 1 / (1 + np.exp(-np.array([-1000.0]))), "sigmoid(-1000)")
    assert check.no_warnings(lambda: 1.0, "one") == 1.0
    assert "in your function" not in warning_message("overflow encountered in exp")


def test_records_round_trip_and_reject_malformed_data():
    value = np.array([[1.5, np.nan], [np.inf, -2.0]])
    back = records.decode(json.loads(json.dumps(records.encode(value))))
    np.testing.assert_array_equal(back, value)
    assert records.decode(records.encode({"a": [1.0]}))["a"].tolist() == [1.0]
    assert records.decode(records.encode(True)) is True
    for bad in ({"type": "array", "shape": [2], "data": [1.0]}, {"type": "array", "shape": [-1], "data": []},
                {"nope": 1}, {"type": "array", "shape": [1], "data": ["x"]}):
        with pytest.raises(ValueError):
            records.decode(bad)


def test_nothing_is_recorded_outside_a_graded_run_and_no_answers_are_inside():
    assert not records.recording()
    import nbcheck
    names = set(dir(nbcheck))
    assert not names & {"correct_gradients", "numeric_gradient", "sigmoid", "softmax", "backprop"}
    code = "import nbcheck, sys; print(sorted(m for m in sys.modules if m.startswith(('mlpkit', 'gradekit', 'nbgrader'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out          # the runtime imports no library, no grader, no nbgrader
