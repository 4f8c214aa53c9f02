"""The source documents' hand-worked examples, computed and asserted."""
import numpy as np
import pytest
import sympy as sp

import mlpkit as mk
from mlpkit.layers import Dense
from mlpkit.network import Sequential


def test_seed000_2_2_2_network_one_gradient_step():
    """Seed 000: input [1, 0], target [0, 1], sigmoid layers, C = (1/2)Σ(y − a)² over its 2 outputs.

    All 12 partial derivatives from SymPy (differentiating the whole network expression),
    from the delta formulas, and from mlpkit must agree; then one step W ← W − η ∂C/∂W.
    """
    w1 = sp.Matrix(2, 2, sp.symbols("w1_11 w1_12 w1_21 w1_22"))
    w2 = sp.Matrix(2, 2, sp.symbols("w2_11 w2_12 w2_21 w2_22"))
    b1, b2 = sp.Matrix([sp.symbols("b1_1 b1_2")]).T, sp.Matrix([sp.symbols("b2_1 b2_2")]).T
    sig = lambda M: M.applyfunc(lambda z: 1 / (1 + sp.exp(-z)))
    a0, y = sp.Matrix([[1, 0]]), sp.Matrix([[0, 1]])
    a1 = sig(a0 * w1 + b1.T)
    a2 = sig(a1 * w2 + b2.T)
    C = sum((y[k] - a2[k]) ** 2 for k in range(2)) / 2          # (1/n)Σ with n = 2 outputs
    symbols = list(w1) + list(b1) + list(w2) + list(b2)
    values = dict(zip(symbols, [0.15, 0.25, 0.20, 0.30, 0.35, 0.35, 0.40, 0.50, 0.45, 0.55, 0.60, 0.60]))
    sym_grad = np.array([float(sp.diff(C, s).subs(values)) for s in symbols])

    rng = np.random.default_rng(0)
    model = Sequential([Dense(2, 2, "sigmoid", rng=rng), Dense(2, 2, "sigmoid", rng=rng)], loss=mk.losses.MSE("mean"))
    model.layers[0].W[...] = np.array(w1.subs(values), dtype=float)
    model.layers[0].b[...] = [values[s] for s in b1]
    model.layers[1].W[...] = np.array(w2.subs(values), dtype=float)
    model.layers[1].b[...] = [values[s] for s in b2]
    X, Y = np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])
    model.forward(X)
    model.backward(Y)
    dW1, db1, dW2, db2 = model.gradients()
    ours = np.concatenate([dW1.ravel(), db1, dW2.ravel(), db2])
    np.testing.assert_allclose(ours, sym_grad, rtol=1e-12)

    # the same with the delta formulas written out by hand
    L1, L2 = model.layers
    d2 = (L2.A - Y) * L2.A * (1 - L2.A)            # ∂C/∂a² = (a² − y)·(2/2), times σ'
    d1 = (d2 @ L2.W.T) * L1.A * (1 - L1.A)
    np.testing.assert_allclose(dW2, L1.A.T @ d2)
    np.testing.assert_allclose(dW1, X.T @ d1)

    before = float(sp.N(C.subs(values)))
    model.fit(X, Y, optimizer=mk.optimizers.SGD(0.5), epochs=1, shuffle=False, verbose=0)
    assert model.loss(X, Y) < before
    np.testing.assert_allclose(model.layers[0].W.ravel(), np.array([values[s] for s in w1]) - 0.5 * sym_grad[:4])


def test_seed004_first_hand_iteration_with_the_correct_arithmetic():
    """Seed 004 (column convention: its W1 is 4×3 and z = W1 x + b) — ours is W1ᵀ."""
    X = np.array([[2.5, 3.5, -0.5], [4.0, -1.0, 0.5], [0.5, 1.5, 1.0], [3.0, 2.0, -1.5]])
    W1_doc = np.array([[0.2, -0.1, 0.1], [-0.3, 0.5, -0.2], [0.1, 0.2, 0.3], [-0.4, 0.1, 0.2]])
    b1 = np.array([0.1, 0.2, 0.0, -0.1])
    layer = Dense(3, 4, "sigmoid", init="zeros")
    layer.W[...] = W1_doc.T
    layer.b[...] = b1
    A1 = layer.forward(X)
    products = X[0] @ W1_doc.T
    # the document writes −0.05 for the first product; the right value is 0.5 − 0.35 − 0.05 = 0.1
    assert products[0] == pytest.approx(0.1) and products[0] != pytest.approx(-0.05)
    np.testing.assert_allclose(products[1:], [1.1, 0.8, -0.75])
    np.testing.assert_allclose(layer.Z[0], [0.2, 1.3, 0.8, -0.85])
    # the document writes A1[4] = 1/(1 + e^0) = 0.5; σ(−0.85) is 0.2994
    assert A1[0, 3] == pytest.approx(1 / (1 + np.exp(0.85))) and round(A1[0, 3], 4) == 0.2994
    assert round(A1[0, 1], 4) == 0.7858 and round(A1[0, 2], 4) == 0.6900
    # its second-layer sigmoids, from the document's own z2 (W2 and b2 are not given)
    sig = mk.activations.sigmoid
    assert round(float(sig(0.385)), 4) == 0.5951 and round(float(sig(0.645)), 4) == 0.6559
    assert round(float(sig(-0.43)), 4) == 0.3941      # the document has 0.347 = σ(−0.63)
    assert round(float(sig(0.336)), 4) == 0.5832
