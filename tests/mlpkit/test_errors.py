"""Bad input fails loudly, and the message names the layer/argument, the shapes and the fix."""
import numpy as np
import pytest

import mlpkit as mk
from mlpkit.layers import Dense
from mlpkit.network import Sequential

pytestmark = [pytest.mark.ch03, pytest.mark.ch08]

rng = np.random.default_rng(0)


def net(dtype=np.float64):
    return Sequential([Dense(3, 4, "relu", rng=rng, dtype=dtype, name="hidden"),
                       Dense(4, 2, "softmax", rng=rng, dtype=dtype, name="out")], loss="cce")


def test_layer_size_mismatch_at_construction():
    with pytest.raises(mk.ShapeError, match=r"Dense layer 2 \('b'\) expects 5 inputs but Dense layer 1 \('a'\) "
                                            r"produces 4\. Make layer 2's n_in equal 4"):
        Sequential([Dense(3, 4, rng=rng, name="a"), Dense(5, 1, rng=rng, name="b")])


def test_X_with_wrong_number_of_columns():
    with pytest.raises(mk.ShapeError, match=r"Dense layer 1 \('hidden'\) expects inputs with 3 columns, "
                                            r"got X of shape \(10, 5\)\. Pass X with 3 features"):
        net().predict(np.zeros((10, 5)))
    with pytest.raises(mk.ShapeError, match=r"got shape \(3,\)\. Use X.reshape\(-1, 1\)"):
        net().predict(np.zeros(3))


def test_y_with_wrong_shape():
    with pytest.raises(mk.ShapeError, match=r"y has shape \(6,\) but the network outputs shape \(6, 2\).*one_hot\(y, 2\)"):
        net().fit(np.zeros((6, 3)), np.zeros(6), verbose=0)
    with pytest.raises(mk.ShapeError, match=r"y has shape \(5, 2\).*X with 6 rows"):
        net().fit(np.zeros((6, 3)), np.zeros((5, 2)), verbose=0)


@pytest.mark.ch12
def test_labels_out_of_range_in_one_hot():
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\] for n_classes=3, got \[3, 7\] at rows \[1, 3\]"):
        mk.data.one_hot(np.array([0, 3, 1, 7]), 3)
    with pytest.raises(ValueError, match="non-integer values"):
        mk.data.one_hot(np.array([0.5, 1.0]), 3)
    with pytest.raises(ValueError, match=r"\[-1\]"):
        mk.data.one_hot(np.array([-1, 0]), 2)


def test_nan_and_inf_in_X():
    X = np.zeros((4, 3))
    X[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"non-finite input: X\(2, 1\) = nan \(X has shape \(4, 3\)\)\. Remove or impute"):
        net().predict(X)
    X[2, 1] = np.inf
    with pytest.raises(ValueError, match="non-finite"):
        net().fit(X, np.eye(2)[[0, 1, 0, 1]], verbose=0)


@pytest.mark.ch04
@pytest.mark.ch10
def test_a_loss_that_turns_nan_stops_training_and_suggests_a_smaller_learning_rate():
    r = np.random.default_rng(1)
    X = r.normal(size=(32, 3)) * 100
    y = X @ np.array([[1.0], [2.0], [3.0]])
    model = Sequential([Dense(3, 8, "relu", rng=r), Dense(8, 1, rng=r)], loss="mse")
    with pytest.raises(mk.TrainingDiverged, match=r"the loss became (nan|inf) at epoch \d+.*learning rate 10\.0\).*"
                                                  r"try a learning rate 10 times smaller"):
        model.fit(X, y, optimizer=mk.optimizers.SGD(10.0), epochs=50, verbose=0)


def test_mixed_dtypes():
    with pytest.raises(TypeError, match=r"one dtype.*Dense layer 1: float32, Dense layer 2: float64"):
        Sequential([Dense(3, 4, rng=rng, dtype=np.float32), Dense(4, 1, rng=rng)])
    layer = Dense(3, 2, rng=rng, dtype=np.float32, name="fast")
    with pytest.raises(TypeError, match=r"Dense layer \('fast'\) has float32 weights but X is float64; "
                                        r"cast once with X.astype\(np.float32\)"):
        layer.forward(np.zeros((2, 3)))
    # the network casts X once, on purpose, and says so in its docstring
    assert net(np.float32).predict(np.zeros((2, 3))).dtype == np.float32


def test_binary_targets_out_of_range_and_unknown_names():
    model = Sequential([Dense(2, 1, "sigmoid", rng=rng)], loss="bce")
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 1\], got values in \[-1.0, 1.0\]"):
        model.fit(np.zeros((2, 2)), np.array([[1.0], [-1.0]]), verbose=0)
    with pytest.raises(ValueError, match="unknown metric"):
        Sequential([Dense(2, 1, rng=rng)], metrics=("f1",))
    with pytest.raises(ValueError, match="rng=np.random.default_rng"):
        Sequential([Dense(2, 1, rng=rng)]).fit(np.zeros((4, 2)), np.zeros((4, 1)), batch_size=2, verbose=0)


@pytest.mark.ch11
@pytest.mark.ch14
def test_conv_pool_and_dropout_raise_shape_errors_that_name_the_layer_and_the_fix():
    from mlpkit.conv import Conv2D, MaxPool2D
    rng = np.random.default_rng(0)
    with pytest.raises(mk.ShapeError, match=r"Conv2D layer expects images of shape \(n, C, H, W\).*\(4, 64\).*reshape"):
        Conv2D(1, 2, 3, rng=rng).forward(np.zeros((4, 64)))
    with pytest.raises(mk.ShapeError, match=r"MaxPool2D layer.*\(6, 6\).*divisible by 4"):
        MaxPool2D(4).forward(np.zeros((1, 1, 6, 6)))
    conv = Conv2D(1, 2, 2, rng=rng)
    conv.forward(np.zeros((1, 1, 4, 4)))
    with pytest.raises(mk.ShapeError, match=r"Conv2D layer: backward expects dA of shape \(1, 2, 3, 3\)"):
        conv.backward(np.zeros((1, 2, 2, 2)))
    drop = mk.layers.Dropout(0.5, name="d")
    drop.fixed_mask = np.ones((2, 3))
    with pytest.raises(mk.ShapeError, match=r"Dropout layer \('d'\): fixed_mask has shape \(2, 3\) but the input "
                                            r"has shape \(2, 2\).*"):
        drop.forward(np.ones((2, 2)))
    dense = mk.layers.Dense(2, 3, rng=rng)
    dense.forward(np.ones((1, 2)))
    with pytest.raises(mk.ShapeError, match=r"Dense layer: backward expects dA of shape \(1, 3\)"):
        dense.backward(np.ones((1, 2)))


def test_backward_before_forward_says_so():
    with pytest.raises(RuntimeError, match=r"call forward\(X\) first"):
        net().backward(np.zeros((1, 2)))
