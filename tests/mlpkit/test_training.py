"""mlpkit.training: the fit loop's bookkeeping (flat parameter vector, optimiser state, divergence)."""
import numpy as np
import pytest

import mlpkit as mk
from mlpkit.layers import Dense
from mlpkit.network import Sequential
from mlpkit.regularizers import Callback
from tolerances import CANCELLATION_ATOL, REORDERED_SUM_RTOL

pytestmark = [pytest.mark.ch04, pytest.mark.ch10, pytest.mark.ch12]


def net(seed=0, loss="mse", out="sigmoid"):
    rng = np.random.default_rng(seed)
    return Sequential([Dense(2, 4, "tanh", rng=rng), Dense(4, 3, "relu", rng=rng), Dense(3, 1, out, rng=rng)],
                      loss=loss)


def test_arrays_taken_before_fit_are_the_trained_ones_after_it():
    X, y = mk.data.xor()
    model = net()
    before = model.parameters()
    start = [p.copy() for p in before]
    model.fit(X, y, optimizer=mk.optimizers.SGD(0.5), epochs=20, verbose=0)
    after = model.parameters()
    assert all(a is b for a, b in zip(after, before))                 # the same objects ...
    assert all(not np.array_equal(a, s) for a, s in zip(after, start))  # ... holding the new values
    assert all(p.flags.c_contiguous and p.base is None for p in after)   # no view of a dead buffer


def test_flat_vector_during_fit_is_what_each_layer_reads():
    """Inside fit every W and b is a view of one vector θ; callbacks see the live values."""
    X, y = mk.data.xor()
    model = net()

    class Peek(Callback):
        def on_epoch_end(self, model, epoch, logs):
            params = model.parameters()
            base = params[0].base
            assert base is not None and base.ndim == 1 and base.size == sum(p.size for p in params)
            assert all(p.base is base for p in params)
            self.loss = model.loss(X, y)
            return False

    peek = Peek()
    hist = model.fit(X, y, optimizer=mk.optimizers.SGD(0.5), epochs=3, callbacks=[peek], verbose=0)
    assert peek.loss == pytest.approx(model.loss(X, y))                 # the last epoch's weights are kept
    assert hist["loss"][-1] > peek.loss - 1e-12                          # (loss logged before the step)


@pytest.mark.parametrize("make_opt", [lambda: mk.optimizers.Adam(0.01), lambda: mk.optimizers.Momentum(0.1),
                                      lambda: mk.optimizers.Adadelta(), lambda: mk.optimizers.Nesterov(0.1)])
def test_fit_and_hand_steps_can_alternate_with_one_optimizer(make_opt):
    """fit joins the optimiser's per-array state into θ's layout and splits it again."""
    X, y = mk.data.xor()
    straight, mixed = net(1), net(1)
    opt_a, opt_b = make_opt(), make_opt()
    straight.fit(X, y, optimizer=opt_a, epochs=6, verbose=0)

    mixed.fit(X, y, optimizer=opt_b, epochs=2, verbose=0)
    for _ in range(2):                                                   # two steps by hand, per array
        mixed.forward(X)
        mixed.backward(y)
        opt_b.step(mixed.parameters(), mixed.gradients())
    mixed.fit(X, y, optimizer=opt_b, epochs=2, verbose=0)
    for a, b in zip(straight.parameters(), mixed.parameters()):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=CANCELLATION_ATOL)
    assert opt_a.t == opt_b.t == 6


def test_divergence_in_the_last_step_is_reported():
    """The loss before the only step is finite; the step itself overflows the weights."""
    X, y = mk.data.xor()
    model = net(2, out="identity")
    with pytest.raises(mk.TrainingDiverged, match=r"parameters became NaN or inf in the last step.*"
                                                  r"learning rate 1e\+308.*smaller"):
        model.fit(X, y * 1e10, optimizer=mk.optimizers.SGD(1e308), epochs=1, verbose=0)


def test_a_failed_fit_leaves_the_layers_on_their_own_arrays():
    X, y = mk.data.xor()
    model = net(3, out="identity")
    before = model.parameters()
    with pytest.raises(mk.TrainingDiverged):
        model.fit(X, y * 1e10, optimizer=mk.optimizers.SGD(1e308), epochs=3, verbose=0)
    assert all(a is b for a, b in zip(model.parameters(), before))


def test_loss_value_and_gradient_agree_with_the_separate_calls():
    rng = np.random.default_rng(4)
    y_true, y_pred = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    for reduction in ("mean", "sum", "half_sum", "half_mean"):
        loss = mk.losses.get("mse", reduction=reduction)
        value, grad = loss.value_and_gradient(y_true, y_pred)
        assert value == pytest.approx(loss(y_true, y_pred), rel=REORDERED_SUM_RTOL)   # 10 squares, fused
        np.testing.assert_allclose(grad, loss.gradient(y_true, y_pred), rtol=REORDERED_SUM_RTOL)
    P = mk.activations.softmax(rng.normal(size=(5, 3)))
    Y = mk.data.one_hot(rng.integers(0, 3, 5), 3)
    cce = mk.losses.get("cce")
    value, dZ = cce.value_and_gradient(Y, P, wrt_logits=True)
    assert value == pytest.approx(cce(Y, P))
    np.testing.assert_allclose(dZ, (P - Y) / 5)


def test_history_and_accuracy_live_in_training_and_are_reexported():
    assert mk.network.History is mk.training.History
    y = np.array([[0.0], [1.0], [1.0]])
    assert mk.training.accuracy(y, np.array([[0.2], [0.7], [0.4]])) == pytest.approx(2 / 3)


class AssigningDense(Dense):
    """A Dense layer written the naive way: new gradient arrays every step, not in place."""

    def backward_from_dZ(self, dZ, need_dX=True):
        self.dZ = dZ
        self.dW = self.X.T @ dZ
        self.db = dZ.sum(axis=0)
        return dZ @ self.W.T if need_dX else None


class Undeclared(Dense):
    """A layer whose parameters() are not named by param_names."""

    param_names = ()


@pytest.mark.parametrize("kind", [AssigningDense, Undeclared])
def test_layers_that_do_not_write_in_place_still_train_exactly(kind):
    X, y = mk.data.xor()
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    plain = Sequential([Dense(2, 4, "tanh", rng=rng_a), Dense(4, 1, "sigmoid", rng=rng_a)])
    custom = Sequential([kind(2, 4, "tanh", rng=rng_b), Dense(4, 1, "sigmoid", rng=rng_b)])
    for model in (plain, custom):
        model.fit(X, y, optimizer=mk.optimizers.Adam(0.05), epochs=30, verbose=0)
    for a, b in zip(plain.parameters(), custom.parameters()):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=CANCELLATION_ATOL)
    assert plain.loss(X, y) < 0.2


def test_gradients_are_written_in_place_and_kept_after_fit():
    X, y = mk.data.xor()
    model = net(6)
    dW = model.layers[0].dW
    model.forward(X)
    model.backward(y)
    assert model.layers[0].dW is dW                                      # the same array, new values
    np.testing.assert_allclose(dW, X.T @ model.layers[0].dZ)
    model.fit(X, y, optimizer=mk.optimizers.SGD(0.1), epochs=2, verbose=0)
    assert model.layers[0].dW is dW and model.layers[0].dW.base is None  # the last step's gradient
