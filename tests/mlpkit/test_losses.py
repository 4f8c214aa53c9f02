import numpy as np
import pytest

from mlpkit import losses as L

pytestmark = [pytest.mark.ch04, pytest.mark.ch08, pytest.mark.ch09]

y = np.array([[1.0], [2.0], [4.0]])
p = np.array([[1.5], [2.0], [3.0]])


@pytest.mark.parametrize("reduction, value", [("mean", 1.25 / 3), ("sum", 1.25), ("half_sum", 0.625),
                                              ("half_mean", 1.25 / 6)])
def test_mse_reductions(reduction, value):
    assert L.mse(y, p, reduction) == pytest.approx(value)
    h = 1e-6
    for i in range(3):
        e = np.zeros_like(p)
        e[i] = h
        numeric = (L.mse(y, p + e, reduction) - L.mse(y, p - e, reduction)) / (2 * h)
        assert L.mse_grad(y, p, reduction)[i, 0] == pytest.approx(numeric, rel=1e-7)


def test_half_sum_gradient_is_the_plain_error():
    # seed 002: E = ½(ŷ − y)² gives ∂E/∂ŷ = ŷ − y
    np.testing.assert_allclose(L.mse_grad(y, p, "half_sum"), p - y)


def test_mae_and_cross_entropies():
    assert L.mae(y, p) == pytest.approx(0.5)
    yb, pb = np.array([[1.0], [0.0]]), np.array([[0.9], [0.2]])
    assert L.binary_cross_entropy(yb, pb) == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2)
    Y = np.array([[0, 1, 0], [1, 0, 0.0]])
    P = np.array([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]])
    assert L.categorical_cross_entropy(Y, P) == pytest.approx(-(np.log(0.7) + np.log(0.5)) / 2)
    Z = np.log(P)
    assert L.softmax_cross_entropy(Y, Z) == pytest.approx(L.categorical_cross_entropy(Y, P))
    assert np.isfinite(L.binary_cross_entropy(np.array([[1.0]]), np.array([[0.0]])))


def test_shape_mismatch_names_both_shapes_and_the_fix():
    with pytest.raises(ValueError, match=r"y_true has shape \(3,\) but y_pred has shape \(3, 1\).*reshape\(-1, 1\)"):
        L.mse(np.ones(3), np.ones((3, 1)))
    with pytest.raises(ValueError, match="one_hot"):
        L.categorical_cross_entropy(np.zeros(3), np.ones((3, 4)) / 4)
    with pytest.raises(ValueError, match="reduction must be one of"):
        L.mse(y, p, "average")


def test_registry():
    assert isinstance(L.get("mse", reduction="sum"), L.MSE) and L.get("mse", reduction="sum").reduction == "sum"
    assert L.get("cce").fused_activation == "softmax" and L.get("bce").fused_activation == "sigmoid"
    with pytest.raises(ValueError, match="unknown loss"):
        L.get("hinge")
