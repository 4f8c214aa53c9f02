"""Learning works: the seeds' XOR and two-moons results are reached."""
import numpy as np
import pytest

import mlpkit as mk
from mlpkit.layers import Dense
from mlpkit.network import Sequential

pytestmark = [pytest.mark.ch10, pytest.mark.ch12]


def test_xor_full_batch_gradient_descent_reaches_loss_below_001():
    # seed 003 §4.3: 2-5-1, sigmoid hidden and output, learning rate 1, full-batch GD
    rng = np.random.default_rng(1685)
    X, y = mk.data.xor()
    model = Sequential([Dense(2, 5, "sigmoid", init="uniform", rng=rng),
                        Dense(5, 1, "sigmoid", init="uniform", rng=rng)], loss=mk.losses.MSE("sum"))
    hist = model.fit(X, y, optimizer=mk.optimizers.SGD(1.0), epochs=4000, verbose=0)
    assert hist["loss"][-1] < 0.01
    np.testing.assert_array_equal(model.predict_classes(X), [0, 1, 1, 0])


def test_two_moons_reaches_the_seeds_936_percent():
    # seed 003 §4.2: 250 points, noise 0.25, 8 ReLU units, Adam, batch 32 (training accuracy, as the seed reports)
    X, y = mk.data.moons(250, noise=0.25, rng=0)
    rng = np.random.default_rng(0)
    model = Sequential([Dense(2, 8, "relu", init="he_uniform", rng=rng), Dense(8, 1, "sigmoid", rng=rng)],
                       loss="bce", metrics=("accuracy",))
    hist = model.fit(X, y, optimizer=mk.optimizers.Adam(0.01), epochs=300, batch_size=32, rng=rng, verbose=0)
    assert hist["accuracy"][-1] >= 0.936
