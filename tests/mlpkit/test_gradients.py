"""Analytic gradients equal centred finite differences (rel. error < 1e-7, float64) for every
activation × loss × layer combination, over random shapes drawn by hypothesis."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mlpkit as mk
from tolerances import CANCELLATION_ATOL

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
TOL = 1e-7
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


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
    k = widths[-1]
    if kind == "onehot" and k < 2:
        k = widths[-1] = 2
    model = mk.network.Sequential(layers, loss=loss)
    X = rng.normal(size=(n, widths[0]))
    y = _targets(kind, rng, n, widths[-1])
    return model, X, y


shapes = st.tuples(st.integers(1, 6), st.lists(st.integers(1, 5), min_size=2, max_size=4))


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("head", HEADS, ids=lambda h: f"{h[0]}+{h[1]}")
@SETTINGS
@given(seed=st.integers(0, 10_000), shape=shapes)
def test_backprop_matches_finite_differences(hidden, head, seed, shape):
    n, widths = shape
    if head[2] == "onehot":
        widths = widths[:-1] + [max(widths[-1], 2)]
    model, X, y = _build(seed, n, widths, hidden, head)
    if not _far_from_kinks(model, X):
        return
    if head[0] == "mae" and np.min(np.abs(model.forward(X) - y)) < 2e-2:
        return
    report = mk.gradcheck.check_model(model, X, y)
    assert report.ok(TOL), str(report)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@SETTINGS
@given(seed=st.integers(0, 10_000), shape=shapes)
def test_mse_reductions(reduction, seed, shape):
    n, widths = shape
    model, X, y = _build(seed, n, widths, "tanh", ("mse", "identity", "real"))
    model.loss_fn = mk.losses.MSE(reduction)
    assert mk.gradcheck.check_model(model, X, y).ok(TOL)


@pytest.mark.parametrize("reg", [mk.regularizers.L1(0.03), mk.regularizers.L2(0.05), mk.regularizers.ActivityL2(0.1)],
                         ids=repr)
@pytest.mark.parametrize("head", HEADS[:1] + HEADS[4:6], ids=lambda h: f"{h[0]}+{h[1]}")
@SETTINGS
@given(seed=st.integers(0, 10_000), shape=shapes)
def test_regularised_and_dropout_gradients(reg, head, seed, shape):
    n, widths = shape
    if head[2] == "onehot":
        widths = widths[:-1] + [max(widths[-1], 2)]
    weight_reg = reg if not isinstance(reg, mk.regularizers.ActivityL2) else None
    model, X, y = _build(seed, n, widths, "sigmoid", head, regularizer=weight_reg, dropout=0.3)
    if isinstance(reg, mk.regularizers.ActivityL2):
        model.layers[0].activity_regularizer = reg
    if isinstance(reg, mk.regularizers.L1) and np.min(np.abs(model.layers[0].W)) < 5e-3:
        return                                         # |w| is not differentiable at 0
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
