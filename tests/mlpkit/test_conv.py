"""mlpkit.conv: Conv2D, MaxPool2D and Flatten against their definitions and finite differences."""
import numpy as np
import pytest

import mlpkit as mk
from mlpkit.conv import Conv2D, Flatten, MaxPool2D

pytestmark = [pytest.mark.ch14]


def direct_conv(X, W, b):
    """The definition Z[i,o,r,c] = Σ X[i,:,r:r+k,c:c+k]·W[o] + b[o], with explicit loops."""
    n, C, H, Wd = X.shape
    O, _, k, _ = W.shape
    Z = np.zeros((n, O, H - k + 1, Wd - k + 1))
    for i in range(n):
        for o in range(O):
            for r in range(H - k + 1):
                for c in range(Wd - k + 1):
                    Z[i, o, r, c] = np.sum(X[i, :, r:r + k, c:c + k] * W[o]) + b[o]
    return Z


@pytest.mark.parametrize("shape, c_out, k", [((2, 2, 6, 5), 3, 3), ((1, 1, 4, 4), 2, 1), ((3, 3, 5, 7), 1, 5)])
def test_conv_forward_equals_the_definition(shape, c_out, k):
    rng = np.random.default_rng(0)
    conv = Conv2D(shape[1], c_out, k, activation="identity", rng=rng)
    conv.b[...] = rng.normal(size=c_out)
    X = rng.normal(size=shape)
    np.testing.assert_allclose(conv.forward(X), direct_conv(X, conv.W, conv.b), rtol=1e-12, atol=1e-12)


def test_conv_applies_its_activation():
    rng = np.random.default_rng(3)
    conv = Conv2D(1, 2, 2, activation="relu", rng=rng)
    X = rng.normal(size=(2, 1, 4, 4))
    np.testing.assert_allclose(conv.forward(X), np.maximum(direct_conv(X, conv.W, conv.b), 0), rtol=1e-12, atol=1e-12)


def test_maxpool_forward_and_backward_by_hand():
    X = np.array([[1, 3, 2, 0], [4, 2, 1, 1], [0, 1, 5, 6], [2, 3, 7, 8]], dtype=float)[None, None]
    pool = MaxPool2D(2)
    np.testing.assert_array_equal(pool.forward(X)[0, 0], [[4, 2], [3, 8]])
    dX = pool.backward(np.array([[10.0, 20.0], [30.0, 40.0]])[None, None])[0, 0]
    np.testing.assert_array_equal(dX, [[0, 0, 20, 0], [10, 0, 0, 0], [0, 0, 0, 0], [0, 30, 0, 40]])
    np.testing.assert_array_equal(MaxPool2D(2).forward(np.arange(16.0).reshape(1, 1, 4, 4))[0, 0],
                                  [[5, 7], [13, 15]])


def test_flatten_is_row_major_and_invertible():
    X = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)
    flatten = Flatten()
    out = flatten.forward(X)
    np.testing.assert_array_equal(out, X.reshape(2, 12))
    np.testing.assert_array_equal(out[0, :4], [0, 1, 2, 3])     # (p1 p2; p3 p4) → p1 p2 p3 p4
    np.testing.assert_array_equal(flatten.backward(out), X)


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "identity"])
def test_cnn_gradients_match_finite_differences(act):
    rng = np.random.default_rng(1)
    model = mk.network.Sequential([Conv2D(2, 3, 3, activation=act, rng=rng), MaxPool2D(2), Flatten(),
                                   mk.layers.Dense(3 * 2 * 2, 4, "softmax", rng=rng)], loss="cce")
    X = rng.normal(size=(3, 2, 6, 6))
    Y = mk.data.one_hot(rng.integers(0, 4, 3), 4)
    report = mk.gradcheck.check_model(model, X, Y)
    assert report.ok(1e-7), str(report)


def test_two_conv_layers_gradients_match_finite_differences():
    rng = np.random.default_rng(4)
    model = mk.network.Sequential([Conv2D(1, 2, 2, activation="tanh", rng=rng),
                                   Conv2D(2, 2, 2, activation="sigmoid", rng=rng), Flatten(),
                                   mk.layers.Dense(2 * 3 * 3, 1, "identity", rng=rng)], loss="mse")
    report = mk.gradcheck.check_model(model, rng.normal(size=(2, 1, 5, 5)), rng.normal(size=(2, 1)))
    assert report.ok(1e-7), str(report)


@pytest.mark.parametrize("layer", [lambda rng: Conv2D(2, 2, 2, activation="tanh", rng=rng),
                                   lambda rng: Conv2D(3, 1, 3, activation="identity", rng=rng),
                                   lambda rng: MaxPool2D(2)])
def test_layer_input_gradient(layer):
    rng = np.random.default_rng(2)
    lay = layer(rng)
    channels = getattr(lay, "c_in", 2)
    report = mk.gradcheck.check_layer(lay, rng.normal(size=(2, channels, 4, 6)))
    assert report.ok(1e-7), str(report)


def test_need_dX_false_skips_only_dX():
    rng = np.random.default_rng(5)
    conv = Conv2D(1, 2, 3, activation="tanh", rng=rng)
    X, dA = rng.normal(size=(2, 1, 5, 5)), rng.normal(size=(2, 2, 3, 3))
    conv.forward(X)
    dX = conv.backward(dA)
    dW, db = conv.dW.copy(), conv.db.copy()
    conv.forward(X)
    assert conv.backward(dA, need_dX=False) is None and dX.shape == X.shape
    np.testing.assert_array_equal(conv.dW, dW)
    np.testing.assert_array_equal(conv.db, db)


def test_float32_cnn_trains_in_float32():
    X, y = mk.data.digits()
    X, Y = X[:200].reshape(-1, 1, 8, 8), mk.data.one_hot(y[:200], 10, np.float32)
    rng = np.random.default_rng(0)
    model = mk.network.Sequential([Conv2D(1, 4, 3, rng=rng, dtype=np.float32), MaxPool2D(2), Flatten(),
                                   mk.layers.Dense(36, 10, "softmax", rng=rng, dtype=np.float32)],
                                  loss="cce", metrics=("accuracy",))
    hist = model.fit(X, Y, optimizer=mk.optimizers.Adam(1e-2), epochs=15, batch_size=32,
                     rng=np.random.default_rng(1), verbose=0)
    assert all(p.dtype == np.float32 for p in model.parameters())
    assert all(g.dtype == np.float32 for g in model.gradients())
    assert hist["loss"][-1] < 0.5 * hist["loss"][0] and hist["accuracy"][-1] > 0.8


def test_bad_input_messages_name_the_layer_the_shapes_and_the_fix():
    conv = Conv2D(1, 2, 3, rng=np.random.default_rng(0))
    model = mk.network.Sequential([conv, Flatten()], loss="mse")
    with pytest.raises(ValueError, match=r"Conv2D layer 1 expects images of shape \(n, C, H, W\).*\(4, 64\).*reshape"):
        model.predict(np.zeros((4, 64)))
    with pytest.raises(ValueError, match=r"expects 1 channel.*\(2, 3, 8, 8\).*in_channels=3"):
        conv.forward(np.zeros((2, 3, 8, 8)))
    with pytest.raises(ValueError, match=r"at least 3×3.*\(1, 1, 2, 8\)"):
        conv.forward(np.zeros((1, 1, 2, 8)))
    with pytest.raises(ValueError, match=r"divisible by 2"):
        MaxPool2D(2).forward(np.zeros((1, 1, 5, 4)))
    with pytest.raises(ValueError, match="not elementwise"):
        Conv2D(1, 2, 3, activation="softmax", rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="kernel_size must be a positive integer"):
        Conv2D(1, 2, 0, rng=np.random.default_rng(0))
    with pytest.raises(RuntimeError, match="call forward before backward"):
        Conv2D(1, 1, 2, rng=np.random.default_rng(0)).backward(np.zeros((1, 1, 2, 2)))
    conv.forward(np.zeros((1, 1, 5, 5)))
    with pytest.raises(ValueError, match=r"expects dA of shape \(1, 2, 3, 3\).*got \(1, 2, 2, 2\)"):
        conv.backward(np.zeros((1, 2, 2, 2)))
