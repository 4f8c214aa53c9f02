import numpy as np
import pytest

import mlpkit as mk
from mlpkit import data


@pytest.mark.ch02
@pytest.mark.ch04
@pytest.mark.ch08
@pytest.mark.ch11
@pytest.mark.ch12
def test_xor_and_icecream():
    X, y = data.xor()
    assert X.shape == (4, 2) and np.array_equal(y.ravel(), [0, 1, 1, 0])
    t, s = data.icecream()
    assert t.shape == s.shape == (16, 1)
    assert (t[0, 0], s[0, 0], t[-1, 0], s[-1, 0]) == (25, 10, 40, 41)


@pytest.mark.ch10
@pytest.mark.ch12
@pytest.mark.ch14
def test_moons_and_digits_offline():
    X, y = data.moons(250, noise=0.25, rng=7)
    assert X.shape == (250, 2) and set(np.unique(y)) == {0.0, 1.0}
    np.testing.assert_array_equal(X, data.moons(250, noise=0.25, rng=7)[0])
    Xd, yd = data.digits()
    assert Xd.shape == (1797, 64) and Xd.max() <= 1 and set(yd) == set(range(10))


@pytest.mark.ch03
@pytest.mark.ch04
@pytest.mark.ch08
@pytest.mark.ch11
@pytest.mark.ch12
@pytest.mark.ch14
def test_one_hot_standardize_split_minibatches_bias():
    np.testing.assert_array_equal(data.one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
    X = np.random.default_rng(0).normal(5, 3, size=(100, 4))
    Xs, mu, sd = data.standardize(X)
    np.testing.assert_allclose(Xs.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(Xs.std(0), 1)
    Xtr, Xte, ytr, yte = data.train_test_split(X, np.arange(100), 0.25, rng=np.random.default_rng(1))
    assert len(Xte) == 25 and len(Xtr) == 75 and not set(ytr) & set(yte)
    batches = list(data.minibatches(X, np.arange(100), 32, rng=np.random.default_rng(2)))
    assert [len(b[0]) for b in batches] == [32, 32, 32, 4]
    assert sorted(np.concatenate([b[1] for b in batches])) == list(range(100))
    np.testing.assert_array_equal(data.add_bias_column(np.array([[2.0], [3.0]])), [[1, 2], [1, 3]])
    with pytest.raises(ValueError, match="needs rng"):
        data.train_test_split(X, X)


@pytest.mark.ch03
@pytest.mark.ch04
@pytest.mark.ch11
@pytest.mark.ch12
def test_bias_column_trick_equals_a_separate_bias():
    rng = np.random.default_rng(3)
    X, W, b = rng.normal(size=(5, 2)), rng.normal(size=(2, 3)), rng.normal(size=3)
    np.testing.assert_allclose(data.add_bias_column(X) @ np.vstack([b, W]), X @ W + b)


class _CountingArray(np.ndarray):
    """An ndarray that records how many rows each gather ``X[rows]`` takes."""

    gathered = []

    def __getitem__(self, index):
        if isinstance(index, np.ndarray):
            _CountingArray.gathered.append(len(index))
        return super().__getitem__(index)


@pytest.mark.ch10
def test_minibatches_gather_one_batch_at_a_time_never_all_of_X():
    X = np.arange(200.0).reshape(100, 2).view(_CountingArray)
    _CountingArray.gathered = []
    batches = list(data.minibatches(X, X, 32, rng=np.random.default_rng(0)))
    assert max(_CountingArray.gathered) <= 32                   # no shuffled copy of all 100 rows
    assert sorted(np.concatenate([b[0][:, 0] for b in batches])) == list(range(0, 200, 2))
    unshuffled = list(data.minibatches(X, X, 32))
    assert all(np.shares_memory(b[0], X) for b in unshuffled)   # without rng: views, no copy at all


@pytest.mark.ch12
def test_one_rule_for_classes_from_outputs():
    one = np.array([[0.2], [0.5], [0.7]])
    many = np.array([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]])
    np.testing.assert_array_equal(mk.metrics.classes(one), [0, 1, 1])          # ŷ ≥ 0.5
    np.testing.assert_array_equal(mk.metrics.classes(many), [1, 0])            # argmax
    model = mk.network.Sequential([mk.layers.Dense(2, 1, "sigmoid", rng=np.random.default_rng(0))])
    X = np.random.default_rng(1).normal(size=(5, 2))
    np.testing.assert_array_equal(model.predict_classes(X), mk.metrics.classes(model.predict(X)))
