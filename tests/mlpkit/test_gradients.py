"""Analytic gradients equal centred finite differences (rel. error < 1e-7, float64) for every
activation × loss × layer combination, over random shapes drawn by hypothesis."""
import numpy as np
import pytest
from hypothesis import assume, given

import mlpkit as mk
from strategies import GRADCHECK_SETTINGS as SETTINGS, network_shapes, seeds
from tolerances import CANCELLATION_ATOL

pytestmark = [pytest.mark.ch08, pytest.mark.ch09]

HIDDEN = ["identity", "sigmoid", "tanh", "relu", "leaky_relu"]
# (loss, output activation, target kind)
HEADS = [
    ("mse", "identity", "real"), ("mse", "sigmoid", "real"), ("mse", "tanh", "real"),
    ("mae", "identity", "real"),
    ("binary_cross_entropy", "sigmoid", "binary"),
    ("categorical_cross_entropy", "softmax", "onehot"),
    ("softmax_cross_entropy", "identity", "onehot"),
]
REDUCTIONS = ["mean", "sum", "half_sum", "half_mean"]
TOL = 1e-7     # the fourth-order stencil of mlpkit.gradcheck agrees with exact gradients to ~1e-9


def _targets(kind, rng, n, k):
    if kind == "real":
        return rng.normal(size=(n, k))
    if kind == "binary":
        return rng.integers(0, 2, size=(n, k)).astype(float)
    return mk.data.one_hot(rng.integers(0, k, size=n), k)


def _far_from_kinks(model, X, margin=2e-2):
    """Finite differences are only valid where every ReLU/leaky ReLU/|.| is differentiable."""
    model.forward(X, training=True)
    for layer in model.layers:
        if getattr(layer, "activation", None) is not None and layer.activation.name in ("relu", "leaky_relu"):
            if np.min(np.abs(layer.Z)) < margin:
                return False
    return True


def _build(seed, n, widths, hidden, head, regularizer=None, dropout=None):
    loss, out_act, kind = head
    rng = np.random.default_rng(seed)
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        last = i == len(widths) - 2
        layers.append(mk.layers.Dense(a, b, activation=out_act if last else hidden, init="xavier_normal",
                                      rng=rng, kernel_regularizer=regularizer if i == 0 else None))
        if dropout and not last:
            d = mk.layers.Dropout(dropout, rng=rng)
            d.fixed_mask = (rng.random((n, b)) >= dropout) / (1 - dropout)
            layers.append(d)
    model = mk.network.Sequential(layers, loss=loss)
    X = rng.normal(size=(n, widths[0]))
    y = _targets(kind, rng, n, widths[-1])
    return model, X, y



@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("head", HEADS, ids=lambda h: f"{h[0]}+{h[1]}")
@SETTINGS
@given(seed=seeds, shape=network_shapes())
def test_backprop_matches_finite_differences(hidden, head, seed, shape):
    n, widths = shape
    if head[2] == "onehot":
        widths = widths[:-1] + [max(widths[-1], 2)]     # a one-hot target needs two classes
    model, X, y = _build(seed, n, widths, hidden, head)
    assume(_far_from_kinks(model, X))
    assume(head[0] != "mae" or np.min(np.abs(model.forward(X) - y)) >= 2e-2)   # |ŷ − y| has a kink at 0
    report = mk.gradcheck.check_model(model, X, y)
    assert report.ok(TOL), str(report)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@SETTINGS
@given(seed=seeds, shape=network_shapes())
def test_mse_reductions(reduction, seed, shape):
    n, widths = shape
    model, X, y = _build(seed, n, widths, "tanh", ("mse", "identity", "real"))
    model.loss_fn = mk.losses.MSE(reduction)
    assert mk.gradcheck.check_model(model, X, y).ok(TOL)


@pytest.mark.parametrize("reg", [mk.regularizers.L1(0.03), mk.regularizers.L2(0.05), mk.regularizers.ActivityL2(0.1)],
                         ids=repr)
@pytest.mark.ch11
@pytest.mark.parametrize("head", HEADS[:1] + HEADS[4:6], ids=lambda h: f"{h[0]}+{h[1]}")
@SETTINGS
@given(seed=seeds, shape=network_shapes())
def test_regularised_and_dropout_gradients(reg, head, seed, shape):
    n, widths = shape
    if head[2] == "onehot":
        widths = widths[:-1] + [max(widths[-1], 2)]
    weight_reg = reg if not isinstance(reg, mk.regularizers.ActivityL2) else None
    model, X, y = _build(seed, n, widths, "sigmoid", head, regularizer=weight_reg, dropout=0.3)
    if isinstance(reg, mk.regularizers.ActivityL2):
        model.layers[0].activity_regularizer = reg
    assume(not isinstance(reg, mk.regularizers.L1) or np.min(np.abs(model.layers[0].W)) >= 5e-3)  # |w|: kink at 0
    report = mk.gradcheck.check_model(model, X, y)
    assert report.ok(TOL), str(report)


def test_fused_softmax_cross_entropy_equals_the_jacobian_path():
    rng = np.random.default_rng(3)
    Z = rng.normal(size=(5, 4))
    Y = mk.data.one_hot(rng.integers(0, 4, 5), 4)
    P = mk.activations.softmax(Z)
    via_jacobian = mk.activations.softmax_backward(mk.losses.categorical_cross_entropy_grad(Y, P), P)
    np.testing.assert_allclose(mk.losses.softmax_cross_entropy_grad(Y, Z), via_jacobian, rtol=1e-12, atol=CANCELLATION_ATOL)
    np.testing.assert_allclose(via_jacobian, (P - Y) / 5, rtol=1e-12, atol=CANCELLATION_ATOL)
