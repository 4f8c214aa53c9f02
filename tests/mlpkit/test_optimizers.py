"""Each optimiser's first steps equal its update rule written out independently here."""

import numpy as np
import pytest

from mlpkit import optimizers as O
from tolerances import CANCELLATION_ATOL

pytestmark = [pytest.mark.ch10]


def run(opt, steps=5, seed=0):
    """Minimise ½‖A θ − c‖² from a fixed start; return every iterate."""
    rng = np.random.default_rng(seed)
    A, c = rng.normal(size=(4, 3)), rng.normal(size=4)
    theta = rng.normal(size=3)
    path = [theta.copy()]
    for _ in range(steps):
        g = A.T @ (A @ theta - c)
        opt.step([theta], [g])
        path.append(theta.copy())
    return A, c, path


def reference(rule, steps=5, seed=0):
    rng = np.random.default_rng(seed)
    A, c = rng.normal(size=(4, 3)), rng.normal(size=4)
    theta = rng.normal(size=3)
    state = {}
    path = [theta.copy()]
    for t in range(1, steps + 1):
        g = A.T @ (A @ theta - c)
        theta = rule(theta, g, t, state)
        path.append(theta.copy())
    return path


def sgd(th, g, t, s):
    return th - 0.1 * g


def momentum(th, g, t, s, mu=0.9, lr=0.05):
    s["v"] = g if t == 1 else mu * s["v"] + g
    return th - lr * s["v"]


def nesterov(th, g, t, s, mu=0.9, lr=0.05):
    s["v"] = g if t == 1 else mu * s["v"] + g
    return th - lr * (g + mu * s["v"])


def adagrad(th, g, t, s, lr=0.5, eps=1e-10):
    s["G"] = s.get("G", 0) + g ** 2
    return th - lr * g / (np.sqrt(s["G"]) + eps)


def adadelta(th, g, t, s, rho=0.9, eps=1e-6, lr=1.0):
    s["Eg"] = rho * s.get("Eg", 0) + (1 - rho) * g ** 2
    dx = np.sqrt(s.get("Ex", 0) + eps) / np.sqrt(s["Eg"] + eps) * g
    s["Ex"] = rho * s.get("Ex", 0) + (1 - rho) * dx ** 2
    return th - lr * dx


def rmsprop(th, g, t, s, rho=0.99, eps=1e-8, lr=0.01):
    s["E"] = rho * s.get("E", 0) + (1 - rho) * g ** 2
    return th - lr * g / (np.sqrt(s["E"]) + eps)


def adam(th, g, t, s, lr=0.1, b1=0.9, b2=0.999, eps=1e-8):
    s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0) + (1 - b2) * g ** 2
    mhat, vhat = s["m"] / (1 - b1 ** t), s["v"] / (1 - b2 ** t)
    return th - lr * mhat / (np.sqrt(vhat) + eps)


CASES = [(O.SGD(0.1), sgd), (O.Momentum(0.05, 0.9), momentum), (O.Nesterov(0.05, 0.9), nesterov),
         (O.Adagrad(0.5), adagrad), (O.Adadelta(), adadelta), (O.RMSProp(0.01), rmsprop), (O.Adam(0.1), adam)]


@pytest.mark.parametrize("opt, rule", CASES, ids=lambda c: type(c).__name__ if isinstance(c, O.Optimizer) else "")
def test_first_steps_follow_the_documented_rule(opt, rule):
    _, _, path = run(opt)
    for ours, ref in zip(path, reference(rule)):
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=CANCELLATION_ATOL)


@pytest.mark.parametrize("opt", [type(o)(**({"lr": 0.05} if not isinstance(o, O.Adadelta) else {})) for o, _ in CASES],
                         ids=lambda o: type(o).__name__)
def test_every_optimiser_descends_a_convex_problem(opt):
    A, c, path = run(opt, steps=300)
    loss = [0.5 * float(np.sum((A @ th - c) ** 2)) for th in path]
    assert loss[-1] < loss[0]


def test_float32_parameters_stay_float32():
    for opt, _ in CASES:
        p = np.ones(3, dtype=np.float32)
        type(opt)().step([p], [np.full(3, 0.5, dtype=np.float32)]) if not isinstance(opt, O.SGD) else O.SGD(0.1).step([p], [np.ones(3, np.float32)])
        assert p.dtype == np.float32


def test_errors():
    with pytest.raises(ValueError, match="learning rate must be > 0"):
        O.Adam(lr=0)
    with pytest.raises(ValueError, match="parameter 0 has shape"):
        O.Adam().step([np.ones(3)], [np.ones(2)])
    with pytest.raises(ValueError, match="unknown optimiser"):
        O.get("lbfgs")
    assert isinstance(O.get("adam", lr=0.1), O.Adam)
