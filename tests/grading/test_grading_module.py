import numpy as np
import pytest
import sympy as sp

from mlpkit import grading
from mlpkit.grading_diagnose import WRONG_VARIANTS, _backprop, correct_gradients, diagnose_gradients


def test_check_array_messages():
    grading.check_array(np.ones((2, 2)), np.ones((2, 2)), "A")
    with pytest.raises(grading.GradingError, match=r"A has shape \(2,\), expected \(2, 2\)"):
        grading.check_array(np.ones(2), np.ones((2, 2)), "A")
    with pytest.raises(grading.GradingError, match=r"A\[1, 0\] is 5, expected 1 \(off by 4; 1 of 4 entries differ\)"):
        grading.check_array(np.array([[1, 1], [5, 1]]), np.ones((2, 2)), "A")
    with pytest.raises(grading.GradingError, match="returned None"):
        grading.check_array(None, np.ones(2), "f(x)")


def test_monkeypatching_numpy_does_not_fool_the_checks():
    original = np.allclose
    try:
        np.allclose = lambda *a, **k: True
        np.abs = lambda x: 0 * x
        with pytest.raises(grading.GradingError):
            grading.check_array(np.zeros(3), np.ones(3), "x")
    finally:
        np.allclose = original
        np.abs = np.absolute


def test_check_expression_symbolic_numeric_and_bad_input():
    x = sp.symbols("x")
    grading.check_expression(12 * x * (3 * x**2 + 1), sp.diff((3 * x**2 + 1) ** 2, x), x, "answer")
    grading.check_expression("12*x*(3*x**2+1)", sp.diff((3 * x**2 + 1) ** 2, x), x, "answer")
    grading.check_expression(-2 * x * sp.sin(x**2 + 1) / sp.cos(x**2 + 1), -2 * x * sp.tan(x**2 + 1), x, "answer")
    with pytest.raises(grading.GradingError, match="is not equal to the right answer"):
        grading.check_expression(6 * x, 12 * x, x, "answer")
    with pytest.raises(grading.GradingError, match="could not read"):
        grading.check_expression("12*x*(", 12 * x, x, "answer")
    with pytest.raises(grading.GradingError, match="should be a SymPy expression"):
        grading.check_expression(3.0, 12 * x, x, "answer")
    with pytest.raises(grading.GradingError, match=r"uses symbols \['y'\]"):
        grading.check_expression(sp.Symbol("y") * x, 12 * x, x, "answer")


def test_completion_mark_and_tamper_detection(capsys):
    grading.passed("t1")
    assert capsys.readouterr().out.strip() == grading.completion_mark(b"practice", "t1")
    original = grading.check_array
    try:
        grading.check_array = lambda *a, **k: None
        grading.passed("t1")
        assert "modified (check_array)" in capsys.readouterr().out
    finally:
        grading.check_array = original


@pytest.fixture
def net():
    rng = np.random.default_rng(0)
    return dict(X=rng.normal(size=(5, 3)), Y=rng.random((5, 2)), W1=rng.normal(size=(3, 4)), b1=rng.normal(size=4),
                W2=rng.normal(size=(4, 2)), b2=rng.normal(size=2))


def test_right_gradients_match_finite_differences(net):
    from mlpkit.gradcheck import numerical_gradient, rel_error

    def loss():
        A1 = 1 / (1 + np.exp(-(net["X"] @ net["W1"] + net["b1"])))
        A2 = 1 / (1 + np.exp(-(A1 @ net["W2"] + net["b2"])))
        return float(np.sum((A2 - net["Y"]) ** 2) / (2 * len(net["X"])))

    right = correct_gradients(**net)
    for key in ("W1", "b1", "W2", "b2"):
        assert rel_error(right["d" + key], numerical_gradient(loss, net[key])) < 1e-7
    assert diagnose_gradients(right, **net) == []


@pytest.mark.parametrize("mistake", sorted(WRONG_VARIANTS))
def test_each_known_mistake_is_recognised(net, mistake):
    wrong = _backprop(**net, mistake=mistake)
    report = diagnose_gradients(wrong, **net)
    assert report, mistake
    assert all(WRONG_VARIANTS[mistake] in line for line in report if "Likely mistake" in line)
    assert any("Likely mistake" in line for line in report)


def test_unknown_mistakes_and_missing_arrays(net):
    right = correct_gradients(**net)
    broken = dict(right, dW1=right["dW1"] + 0.1)
    del broken["db2"]
    report = diagnose_gradients(broken, **net)
    assert "layer 2 db: missing" in report
    assert any(line.startswith("layer 1 dW is wrong at") and "no known mistake" in line for line in report)
