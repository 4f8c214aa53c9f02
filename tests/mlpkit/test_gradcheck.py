import numpy as np
import pytest

import mlpkit as mk
from mlpkit.gradcheck import check_model, numerical_gradient, rel_error
from mlpkit.layers import Dense
from mlpkit.network import Sequential

pytestmark = [pytest.mark.ch05, pytest.mark.ch07, pytest.mark.ch08, pytest.mark.ch14]


def test_numerical_gradient_of_known_functions():
    x = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(numerical_gradient(lambda v: float(np.sum(np.sin(v))), x), np.cos(x), rtol=1e-9)
    np.testing.assert_allclose(numerical_gradient(lambda v: float(np.sum(v ** 3)), x, eps=1e-3, order=4), 3 * x ** 2,
                               rtol=1e-11)
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(lambda v: 0.0, x.astype(np.float32))


def test_rel_error_definition():
    assert rel_error(np.array([1.0]), np.array([1.0])) == 0
    assert rel_error(np.array([1.0]), np.array([-1.0])) == 1
    assert rel_error(np.zeros(3), np.zeros(3)) == 0
    assert rel_error(np.array([2.0]), np.array([1.0])) == pytest.approx(1 / 3)


class ForgetsActivationDerivative(Dense):
    """A buggy layer: its backward skips g'(Z) (dZ = dA)."""

    def backward(self, dA, need_dX=True):
        return self.backward_from_dZ(dA, need_dX)


def test_report_finds_the_buggy_layer_and_array():
    rng = np.random.default_rng(0)
    good = Sequential([Dense(3, 4, "sigmoid", rng=rng), Dense(4, 2, rng=rng)], loss="mse")
    X, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    report = check_model(good, X, y)
    assert report.ok() and len(report.rows) == 4
    bad = Sequential([ForgetsActivationDerivative(3, 4, "sigmoid", rng=np.random.default_rng(0), name="buggy"),
                      Dense(4, 2, rng=rng)], loss="mse")
    report = check_model(bad, X, y)
    assert not report.ok()
    assert {(r.layer, r.array) for r in report.failures()} == {("ForgetsActivationDerivative layer 1 ('buggy')", "W"),
                                                           ("ForgetsActivationDerivative layer 1 ('buggy')", "b")}
    assert report.worst.layer.endswith("layer 1 ('buggy')") and "FAIL" in str(report) and "<table>" in report._repr_html_()


def test_check_model_needs_float64_and_a_fixed_dropout_mask():
    rng = np.random.default_rng(1)
    with pytest.raises(TypeError, match="float64"):
        check_model(Sequential([Dense(2, 1, rng=rng, dtype=np.float32)]), np.ones((2, 2)), np.ones((2, 1)))
    with pytest.raises(ValueError, match="fixed_mask"):
        check_model(Sequential([Dense(2, 2, rng=rng), mk.layers.Dropout(0.5, rng=rng), Dense(2, 1, rng=rng)]),
                    np.ones((2, 2)), np.ones((2, 1)))
