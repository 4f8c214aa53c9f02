import numpy as np
import pytest

import mlpkit as mk
from mlpkit.layers import Dense
from mlpkit.network import Sequential
from mlpkit.regularizers import L1, L2, ActivityL2, EarlyStopping

pytestmark = [pytest.mark.ch11, pytest.mark.ch12]


def test_penalties_and_gradients():
    W = np.array([[1.0, -2.0], [0.0, 3.0]])
    assert L2(0.5).penalty(W) == pytest.approx(0.5 * 14)
    np.testing.assert_allclose(L2(0.5).gradient(W), W)
    assert L1(0.1).penalty(W) == pytest.approx(0.6)
    np.testing.assert_allclose(L1(0.1).gradient(W), 0.1 * np.sign(W))
    A = np.ones((4, 2))
    assert ActivityL2(0.01).penalty(A) == pytest.approx(0.01 * 8 / 4)


def test_penalty_is_part_of_the_loss():
    rng = np.random.default_rng(0)
    model = Sequential([Dense(2, 2, rng=rng, kernel_regularizer=L2(0.3))], loss="mse")
    X, y = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    plain = mk.losses.mse(y, model.predict(X))
    assert model.loss(X, y) == pytest.approx(plain + 0.3 * np.sum(model.layers[0].W ** 2))


def test_l1_zeroes_weights_l2_only_shrinks():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 10))
    y = X[:, :2] @ np.array([[2.0], [-1.0]])
    def train(reg):
        m = Sequential([Dense(10, 1, rng=np.random.default_rng(2), kernel_regularizer=reg)], loss="mse")
        m.fit(X, y, optimizer=mk.optimizers.SGD(0.01), epochs=400, verbose=0)
        return m.layers[0].W.ravel()
    w_l1, w_l2 = train(L1(0.05)), train(L2(0.05))
    assert np.sum(np.abs(w_l1[2:]) < 1e-2) >= 6          # irrelevant inputs pushed to (about) zero
    assert np.sum(np.abs(w_l2[2:]) < 1e-4) == 0 or np.abs(w_l2[2:]).max() < np.abs(w_l1[:2]).max()


def test_early_stopping_restores_the_best_weights():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(40, 1)), rng.normal(size=(40, 1))      # pure noise: validation gets worse
    Xv, yv = rng.normal(size=(40, 1)), rng.normal(size=(40, 1))
    model = Sequential([Dense(1, 32, "tanh", rng=rng), Dense(32, 1, rng=rng)], loss="mse")
    stop = EarlyStopping(patience=5)
    hist = model.fit(X, y, optimizer=mk.optimizers.Adam(0.05), epochs=300, validation_data=(Xv, yv),
                     callbacks=[stop], verbose=0)
    assert stop.stopped_epoch is not None and len(hist["loss"]) == stop.stopped_epoch < 300
    assert model.evaluate(Xv, yv)["loss"] == pytest.approx(min(hist["val_loss"]))
    with pytest.raises(KeyError, match="pass validation_data"):
        model.fit(X, y, epochs=2, callbacks=[EarlyStopping()], verbose=0)
