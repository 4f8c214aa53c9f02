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
    mk.persistence.save(model, tmp_path / "cnn.npz")
    again = mk.persistence.load(tmp_path / "cnn.npz")
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
    mk.persistence.save(Sequential([Dense(2, 2, rng=rng)]), tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as data:
        assert json.loads(str(data["config"]))["layers"][0]["type"] == "Dense"


def test_damaged_file_and_unknown_layer_are_named(tmp_path):
    rng = np.random.default_rng(3)
    model = Sequential([Dense(2, 3, rng=rng), Dense(3, 1, rng=rng)])
    mk.persistence.save(model, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as data:
        arrays = {k: data[k] for k in data.files if k != "param_3"}
    np.savez(tmp_path / "cut.npz", **arrays)
    with pytest.raises(ValueError, match=r"cut\.npz.*holds 3 parameter arrays.*has 4"):
        mk.persistence.load(tmp_path / "cut.npz")
    with pytest.raises(ValueError, match="cannot load layer type 'LSTM'.*Dense"):
        mk.persistence.layer_from_config({"type": "LSTM"})


def _every_option(rng):
    """Two networks that between them set every option a layer has."""
    leaky = mk.activations.get("leaky_relu", alpha=0.2)
    dense = Sequential([Dense(3, 5, leaky, rng=rng, name="hidden", kernel_regularizer=mk.regularizers.L2(0.1),
                              activity_regularizer=mk.regularizers.ActivityL2(0.05)),
                        Dropout(0.25, rng=rng, name="drop"),
                        Dense(5, 2, "softmax", rng=rng, kernel_regularizer=mk.regularizers.L1(0.01))],
                       loss="cce", metrics=("accuracy",))
    conv = Sequential([Conv2D(2, 3, 2, activation=mk.activations.get("leaky_relu", alpha=0.3), rng=rng, name="c"),
                       MaxPool2D(2, name="pool"), Flatten(name="flat"),
                       Dense(12, 1, "sigmoid", rng=rng, kernel_regularizer=mk.regularizers.L2(0.1))], loss="bce")
    X_dense, Y_dense = rng.normal(size=(6, 3)), mk.data.one_hot(rng.integers(0, 2, 6), 2)
    X_conv, y_conv = rng.normal(size=(4, 2, 5, 5)), rng.integers(0, 2, (4, 1)).astype(float)
    return [(dense, X_dense, Y_dense), (conv, X_conv, y_conv)]


def test_round_trip_keeps_every_layer_option(tmp_path):
    # The loaded network runs the same operations on the same values in the same process, so
    # its loss and predictions are bit-identical: no tolerance is needed.
    for i, (model, X, y) in enumerate(_every_option(np.random.default_rng(4))):
        mk.persistence.save(model, tmp_path / f"m{i}.npz")
        again = mk.persistence.load(tmp_path / f"m{i}.npz")
        assert [l.config() for l in again.layers] == [l.config() for l in model.layers]
        assert again.loss(X, y) == model.loss(X, y)
        np.testing.assert_array_equal(again.predict(X), model.predict(X))
        assert again.metrics == model.metrics


def test_nothing_imports_persistence_and_every_layer_is_registered():
    import ast
    from pathlib import Path
    package = Path(mk.__file__).parent
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [a.name for a in node.names]
                assert module.name == "persistence.py" or "persistence" not in names, module.name
    assert {"Dense", "Dropout", "Conv2D", "MaxPool2D", "Flatten"} <= set(mk.base.LAYERS)
    for cls in (Dense, Dropout, Conv2D, MaxPool2D, Flatten):
        assert mk.base.LAYERS[cls.__name__] is cls
