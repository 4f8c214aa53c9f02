import numpy as np
import pytest

import mlpkit as mk
from mlpkit.layers import Dense, Dropout
from mlpkit.network import Sequential

pytestmark = [pytest.mark.ch02, pytest.mark.ch03, pytest.mark.ch08]


def small(rng, dtype=np.float64):
    return Sequential([Dense(2, 5, "tanh", rng=rng, dtype=dtype), Dropout(0.2, rng=rng),
                       Dense(5, 3, "softmax", rng=rng, dtype=dtype)], loss="cce", metrics=("accuracy",))


def test_parameters_and_gradients_in_one_stable_order():
    model = small(np.random.default_rng(0))
    ps, gs = model.parameters(), model.gradients()
    assert [p.shape for p in ps] == [(2, 5), (5,), (5, 3), (3,)]
    assert [g.shape for g in gs] == [p.shape for p in ps]
    assert ps[0] is model.layers[0].W and ps[3] is model.layers[2].b


@pytest.mark.ch09
def test_fused_softmax_ce_delta_is_P_minus_Y_over_n():
    rng = np.random.default_rng(1)
    model = small(rng)
    X, Y = rng.normal(size=(7, 2)), mk.data.one_hot(rng.integers(0, 3, 7), 3)
    P = model.forward(X, training=False)
    model.backward(Y)
    np.testing.assert_allclose(model.layers[2].dZ, (P - Y) / 7)


@pytest.mark.ch04
@pytest.mark.ch10
@pytest.mark.parametrize("batch_size", [None, 1, 3])
def test_fit_modes_online_minibatch_full_batch(batch_size):
    rng = np.random.default_rng(2)
    X, y = mk.data.xor()
    model = Sequential([Dense(2, 4, "tanh", rng=rng), Dense(4, 1, "sigmoid", rng=rng)], loss="mse")
    opt = mk.optimizers.SGD(0.5)
    hist = model.fit(X, y, optimizer=opt, epochs=5, batch_size=batch_size, rng=rng, verbose=0)
    steps_per_epoch = {None: 1, 1: 4, 3: 2}[batch_size]
    assert opt.t == 5 * steps_per_epoch
    assert len(hist["loss"]) == 5 and model.history is hist


@pytest.mark.ch04
@pytest.mark.ch10
def test_full_batch_step_is_plain_gradient_descent():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 1))
    model = Sequential([Dense(3, 4, "sigmoid", rng=rng), Dense(4, 1, rng=rng)], loss="mse")
    before = [p.copy() for p in model.parameters()]
    model.forward(X)
    model.backward(y)
    grads = [g.copy() for g in model.gradients()]
    model.fit(X, y, optimizer=mk.optimizers.SGD(0.1), epochs=1, shuffle=False, verbose=0)
    for p, b, g in zip(model.parameters(), before, grads):
        np.testing.assert_allclose(p, b - 0.1 * g)


@pytest.mark.ch11
@pytest.mark.ch12
def test_validation_metrics_and_evaluate_and_predict_classes():
    rng = np.random.default_rng(4)
    X, y = mk.data.moons(100, rng=0)
    model = Sequential([Dense(2, 8, "relu", init="he_uniform", rng=rng), Dense(8, 1, "sigmoid", rng=rng)],
                       loss="bce", metrics=("accuracy",))
    hist = model.fit(X, y, optimizer=mk.optimizers.Adam(0.01), epochs=3, batch_size=16,
                     validation_data=(X[:20], y[:20]), rng=rng, verbose=0)
    assert set(hist.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    result = model.evaluate(X, y)
    assert 0 <= result["accuracy"] <= 1
    assert model.predict_classes(X).shape == (100,)


@pytest.mark.ch12
def test_progress_bar_prints_and_verbose_zero_is_silent(capsys):
    rng = np.random.default_rng(5)
    X, y = mk.data.xor()
    model = Sequential([Dense(2, 3, "tanh", rng=rng), Dense(3, 1, rng=rng)])
    model.fit(X, y, epochs=3, verbose=1)
    assert "training" in capsys.readouterr().err
    model.fit(X, y, epochs=3, verbose=0)
    assert capsys.readouterr().err == ""


def test_save_and_load_round_trip(tmp_path):
    rng = np.random.default_rng(6)
    model = small(rng, dtype=np.float32)
    X = rng.normal(size=(4, 2)).astype(np.float32)
    path = tmp_path / "model.npz"
    mk.persistence.save(model, path)
    again = mk.persistence.load(path)
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
    assert again.dtype == np.float32 and [type(l) for l in again.layers] == [type(l) for l in model.layers]


@pytest.mark.ch12
def test_float32_model_keeps_float32_through_training():
    rng = np.random.default_rng(7)
    X, Y = rng.normal(size=(20, 2)), mk.data.one_hot(rng.integers(0, 3, 20), 3)
    model = small(rng, np.float32)
    model.fit(X, Y, optimizer=mk.optimizers.Adam(1e-2), epochs=2, batch_size=5, rng=rng, verbose=0)
    assert all(p.dtype == np.float32 for p in model.parameters())


def _documented_example_layer():
    """The custom layer of mlpkit/base.py's docstring, executed exactly as written there."""
    import re
    source = re.search(r"``` *python\n(.*?)```", mk.base.__doc__, re.S).group(1)
    namespace = {"np": np, "Layer": mk.base.Layer}
    exec(source, namespace)
    return namespace["Scale"]


@pytest.mark.parametrize("position", ["first", "middle", "last"])
def test_a_layer_written_to_the_documented_protocol_trains_with_fit(position):
    Scale = _documented_example_layer()
    rng = np.random.default_rng(8)
    X, y = mk.data.xor()
    layers = {"first": [Scale(2), Dense(2, 4, "tanh", rng=rng), Dense(4, 1, "sigmoid", rng=rng)],
              "middle": [Dense(2, 4, "tanh", rng=rng), Scale(4), Dense(4, 1, "sigmoid", rng=rng)],
              "last": [Dense(2, 4, "tanh", rng=rng), Dense(4, 1, "sigmoid", rng=rng), Scale(1)]}[position]
    model = Sequential(layers, loss="mse")
    assert mk.gradcheck.check_model(model, X, y).ok()
    before = model.loss(X, y)
    model.fit(X, y, optimizer=mk.optimizers.Adam(0.05), epochs=50, verbose=0)
    assert model.loss(X, y) < before
