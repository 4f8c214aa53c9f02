import numpy as np
import pytest

import mlpkit as mk
from mlpkit.conv import Conv2D, Flatten, MaxPool2D


def direct_conv(X, W, b):
    """The definition, with explicit loops (slow, obviously right)."""
    n, C, H, Wd = X.shape
    O, _, k, _ = W.shape
    Z = np.zeros((n, O, H - k + 1, Wd - k + 1))
    for i in range(n):
        for o in range(O):
            for r in range(H - k + 1):
                for c in range(Wd - k + 1):
                    Z[i, o, r, c] = np.sum(X[i, :, r:r + k, c:c + k] * W[o]) + b[o]
    return Z


def test_conv_forward_equals_the_definition():
    rng = np.random.default_rng(0)
    conv = Conv2D(2, 3, 3, activation="identity", rng=rng)
    conv.b[...] = rng.normal(size=3)
    X = rng.normal(size=(2, 2, 6, 5))
    np.testing.assert_allclose(conv.forward(X), direct_conv(X, conv.W, conv.b), rtol=1e-12)


def test_maxpool_forward():
    X = np.arange(16.0).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(MaxPool2D(2).forward(X)[0, 0], [[5, 7], [13, 15]])
    with pytest.raises(ValueError, match="divisible by 2"):
        MaxPool2D(2).forward(np.zeros((1, 1, 5, 4)))
    with pytest.raises(ValueError, match=r"\(n, C, H, W\)"):
        MaxPool2D(2).forward(np.zeros((4, 16)))


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "identity"])
def test_cnn_gradients_match_finite_differences(act):
    rng = np.random.default_rng(1)
    model = mk.network.Sequential([Conv2D(2, 3, 3, activation=act, rng=rng), MaxPool2D(2), Flatten(),
                                   mk.layers.Dense(3 * 2 * 2, 4, "softmax", rng=rng)], loss="cce")
    X = rng.normal(size=(3, 2, 6, 6))
    Y = mk.data.one_hot(rng.integers(0, 4, 3), 4)
    report = mk.gradcheck.check_model(model, X, Y)
    assert report.ok(1e-7), str(report)


def test_conv_input_gradient():
    rng = np.random.default_rng(2)
    conv = Conv2D(2, 2, 2, activation="tanh", rng=rng)
    report = mk.gradcheck.check_layer(conv, rng.normal(size=(2, 2, 4, 5)))
    assert report.ok(1e-7), str(report)
