import numpy as np
import pytest

import mlpkit as mk
from mlpkit.layers import Dense

pytestmark = [pytest.mark.ch03, pytest.mark.ch07]


def test_dense_shapes_and_formulas():
    rng = np.random.default_rng(0)
    layer = Dense(3, 2, activation="tanh", rng=rng)
    X = rng.normal(size=(5, 3))
    A = layer.forward(X)
    np.testing.assert_allclose(layer.Z, X @ layer.W + layer.b)
    np.testing.assert_allclose(A, np.tanh(layer.Z))
    dA = rng.normal(size=A.shape)
    dX = layer.backward(dA)
    dZ = dA * (1 - A**2)
    np.testing.assert_allclose(layer.dZ, dZ)
    np.testing.assert_allclose(layer.dW, X.T @ dZ)
    np.testing.assert_allclose(layer.db, dZ.sum(axis=0))
    np.testing.assert_allclose(dX, dZ @ layer.W.T)
    assert layer.parameters()[0] is layer.W and layer.gradients()[1] is layer.db


def test_check_layer_report_passes_for_every_activation():
    for act in ["sigmoid", "tanh", "identity", "leaky_relu"]:
        layer = Dense(4, 3, activation=act, rng=np.random.default_rng(1))
        report = mk.gradcheck.check_layer(layer, np.random.default_rng(2).normal(size=(6, 4)))
        assert report.ok(), str(report)


def test_float32_layer_stays_float32():
    layer = Dense(4, 3, activation="relu", rng=np.random.default_rng(0), dtype=np.float32)
    A = layer.forward(np.ones((2, 4), dtype=np.float32))
    layer.backward(np.ones_like(A))
    assert A.dtype == layer.dW.dtype == layer.db.dtype == np.float32


def test_dense_argument_errors():
    with pytest.raises(ValueError, match="n_out must be a positive integer"):
        Dense(3, 0, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="float type"):
        Dense(3, 2, rng=np.random.default_rng(0), dtype=np.int32)
    with pytest.raises(RuntimeError, match="call forward before backward"):
        Dense(3, 2, rng=np.random.default_rng(0)).backward(np.ones((1, 2)))
