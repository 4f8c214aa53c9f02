"""mlpkit.persistence: one .npz file per network, no pickles, clear errors."""
import json

import numpy as np
import pytest

import mlpkit as mk
from mlpkit.conv import Conv2D, Flatten, MaxPool2D
from mlpkit.layers import Dense, Dropout
from mlpkit.network import Sequential


def test_conv_network_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    model = Sequential([Conv2D(1, 3, 3, rng=rng, name="conv"), MaxPool2D(2), Flatten(),
                        Dense(3 * 3 * 3, 10, "softmax", rng=rng)], loss="cce", metrics=("accuracy",))
    X = rng.normal(size=(4, 1, 8, 8))
    model.save(tmp_path / "cnn.npz")
    again = Sequential.load(tmp_path / "cnn.npz")
    assert [type(l) for l in again.layers] == [Conv2D, MaxPool2D, Flatten, Dense]
    assert again.layers[0].name == "conv" and again.metrics == ("accuracy",)
    np.testing.assert_array_equal(again.predict(X), model.predict(X))


def test_loss_reduction_and_dropout_survive(tmp_path):
    rng = np.random.default_rng(1)
    model = Sequential([Dense(3, 4, "relu", rng=rng), Dropout(0.3, rng=rng), Dense(4, 1, rng=rng)],
                       loss=mk.losses.get("mse", reduction="half_sum"))
    mk.persistence.save(model, tmp_path / "m.npz")
    again = mk.persistence.load(tmp_path / "m.npz")
    assert again.loss_fn.reduction == "half_sum" and again.layers[1].rate == 0.3


def test_file_is_not_a_pickle(tmp_path):
    rng = np.random.default_rng(2)
    Sequential([Dense(2, 2, rng=rng)]).save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as data:
        assert json.loads(str(data["config"]))["layers"][0]["type"] == "Dense"


def test_damaged_file_and_unknown_layer_are_named(tmp_path):
    rng = np.random.default_rng(3)
    model = Sequential([Dense(2, 3, rng=rng), Dense(3, 1, rng=rng)])
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as data:
        arrays = {k: data[k] for k in data.files if k != "param_3"}
    np.savez(tmp_path / "cut.npz", **arrays)
    with pytest.raises(ValueError, match=r"cut\.npz.*holds 3 parameter arrays.*has 4"):
        Sequential.load(tmp_path / "cut.npz")
    with pytest.raises(ValueError, match="cannot load layer type 'LSTM'.*Dense"):
        mk.persistence.layer_from_config({"type": "LSTM"})
