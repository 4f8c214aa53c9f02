import warnings

import numpy as np
import pytest

import mlpkit as mk
from mlpkit import activations as act
from tolerances import CANCELLATION_ATOL, ELEMENTWISE_ULP, EPS, REORDERED_SUM_RTOL

pytestmark = [pytest.mark.ch02, pytest.mark.ch03, pytest.mark.ch06, pytest.mark.ch09]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_stable_for_huge_inputs(dtype):
    Z = np.array([-1e4, -800.0, -50.0, 0.0, 50.0, 800.0, 1e4], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = act.sigmoid(Z)
    assert A.dtype == dtype
    assert np.all(np.isfinite(A)) and A[0] < 1e-30 and A[1] < 1e-30 and A[-1] == 1.0 and A[3] == 0.5
    np.testing.assert_allclose(A[2], np.exp(-50.0) / (1.0 + np.exp(-50.0)), rtol=1e-5)


def test_sigmoid_matches_the_textbook_formula_where_that_is_safe():
    Z = np.linspace(-30, 30, 101)
    np.testing.assert_array_max_ulp(act.sigmoid(Z), 1.0 / (1.0 + np.exp(-Z)), maxulp=ELEMENTWISE_ULP)


def test_softmax_rows_sum_to_one_without_overflow():
    Z = np.array([[1000.0, 1001.0, 1002.0], [-1e4, 0.0, 1e4], [0.0, 0.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        P = act.softmax(Z)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=4 * EPS)        # 3 terms, each rounded once
    np.testing.assert_allclose(P[2], 1 / 3)
    np.testing.assert_allclose(P[0], act.softmax(Z[0:1] - 1000.0)[0])


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "identity"])
def test_prime_matches_finite_differences(name):
    a = act.get(name)
    Z = np.array([-2.0, -0.5, 0.3, 1.7])
    h = 1e-6
    numeric = (a.forward(Z + h) - a.forward(Z - h)) / (2 * h)
    np.testing.assert_allclose(a.prime(Z), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "identity"])
def test_backward_is_upstream_times_local_derivative(name):
    a = act.get(name)
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(4, 3))
    dA = rng.normal(size=(4, 3))
    np.testing.assert_allclose(a.backward(dA, Z, a.forward(Z)), dA * a.prime(Z), rtol=REORDERED_SUM_RTOL,
                               atol=CANCELLATION_ATOL)   # prime from Z vs from A: a few ulp apart


def test_softmax_backward_equals_the_jacobian_product():
    rng = np.random.default_rng(1)
    Z, dA = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    A = act.softmax(Z)
    for i in range(3):
        J = np.diag(A[i]) - np.outer(A[i], A[i])
        np.testing.assert_allclose(act.softmax_backward(dA, A)[i], J.T @ dA[i], rtol=1e-12)


def test_sigmoid_derivative_peaks_at_a_quarter():
    Z = np.linspace(-10, 10, 2001)
    assert act.sigmoid_prime(Z).max() == pytest.approx(0.25) and Z[np.argmax(act.sigmoid_prime(Z))] == 0


def test_relu_kink_convention_and_speed_friendly_types():
    assert act.relu_prime(np.array([0.0]))[0] == 0.0
    assert act.leaky_relu_prime(np.array([0.0]), alpha=0.1)[0] == pytest.approx(0.1)
    assert act.relu(np.array([-1.0, 2.0], dtype=np.float32)).dtype == np.float32


def test_registry_names_and_errors():
    assert {"identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"} <= set(act.ACTIVATIONS)
    assert act.get("ReLU") is act.ACTIVATIONS["relu"]
    with pytest.raises(ValueError, match="unknown activation 'sigmod'.*sigmoid"):
        act.get("sigmod")
    assert mk.activations.get(None).name == "identity"


def test_leaky_relu_alpha_is_settable_through_the_registry_and_dense():
    leaky = act.get("leaky_relu", alpha=0.2)
    Z = np.array([[-1.0, 2.0]])
    np.testing.assert_array_equal(leaky.forward(Z), [[-0.2, 2.0]])
    np.testing.assert_array_equal(leaky.backward(np.ones_like(Z), Z, None), [[0.2, 1.0]])
    np.testing.assert_array_equal(leaky.prime(Z), [[0.2, 1.0]])
    assert leaky.params == {"alpha": 0.2} and act.get("leaky_relu").params == {"alpha": 0.01}
    layer = mk.layers.Dense(2, 2, leaky, init="zeros")
    layer.b[...] = -1.0
    np.testing.assert_array_equal(layer.forward(np.zeros((1, 2))), [[-0.2, -0.2]])
    assert act.get(leaky.config()) == leaky                     # the form config() saves
    with pytest.raises(ValueError, match=r"relu takes no parameter 'alpha'.*leaky_relu"):
        act.get("relu", alpha=0.2)
