"""mlpkit against PyTorch autograd and torch.optim, in float64.

Skipped when torch is absent; `make test` installs torch==2.13.0 (requirements-check.txt).
"""
import numpy as np
import pytest

import mlpkit as mk
from mlpkit.layers import Dense
from mlpkit.network import Sequential
from tolerances import CANCELLATION_ATOL

pytestmark = [pytest.mark.ch13]

torch = pytest.importorskip("torch", reason="torch==2.13.0 is optional: pip install -r requirements-check.txt")
torch.set_num_threads(1)
F = torch.nn.functional

TORCH_ACT = {"identity": lambda z: z, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
             "leaky_relu": lambda z: F.leaky_relu(z, 0.01), "softmax": lambda z: torch.softmax(z, dim=1)}
HEADS = [("mse", "identity"), ("mse", "sigmoid"), ("mae", "identity"), ("binary_cross_entropy", "sigmoid"),
         ("categorical_cross_entropy", "softmax"), ("softmax_cross_entropy", "identity")]


def torch_loss(name, y, out):
    if name == "mse":
        return ((out - y) ** 2).mean()
    if name == "mae":
        return (out - y).abs().mean()
    if name == "binary_cross_entropy":
        return -(y * torch.log(out) + (1 - y) * torch.log(1 - out)).sum() / out.shape[0]
    if name == "categorical_cross_entropy":
        return -(y * torch.log(out)).sum() / out.shape[0]
    return -(y * torch.log_softmax(out, dim=1)).sum() / out.shape[0]


def rel(a, b):
    return np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-300))


@pytest.mark.parametrize("seed", range(40))
def test_gradients_equal_torch_autograd(seed):
    rng = np.random.default_rng(seed)
    depth = int(rng.integers(1, 6))
    widths = [int(w) for w in rng.integers(1, 17, size=depth + 1)]
    loss, out_act = HEADS[seed % len(HEADS)]
    if out_act == "softmax" or loss == "softmax_cross_entropy":
        widths[-1] = max(widths[-1], 2)
    hidden = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"][seed % 5]
    layers = [Dense(a, b, activation=out_act if i == depth - 1 else hidden, init="xavier_normal", rng=rng)
              for i, (a, b) in enumerate(zip(widths[:-1], widths[1:]))]
    model = Sequential(layers, loss=loss)
    n = int(rng.integers(1, 9))
    X = rng.normal(size=(n, widths[0]))
    if loss in ("mse", "mae"):
        y = rng.normal(size=(n, widths[-1]))
    elif loss == "binary_cross_entropy":
        y = rng.integers(0, 2, size=(n, widths[-1])).astype(float)
    else:
        y = mk.data.one_hot(rng.integers(0, widths[-1], n), widths[-1])
    model.forward(X)
    model.backward(y)

    tW = [torch.tensor(l.W, requires_grad=True) for l in layers]
    tb = [torch.tensor(l.b, requires_grad=True) for l in layers]
    A = torch.tensor(X)
    for i, l in enumerate(layers):
        A = TORCH_ACT[l.activation.name](A @ tW[i] + tb[i])
    torch_loss(loss, torch.tensor(y), A).backward()
    for i, l in enumerate(layers):
        assert rel(l.dW, tW[i].grad.numpy()) < 1e-10, f"layer {i + 1} dW ({hidden}/{out_act}/{loss})"
        assert rel(l.db, tb[i].grad.numpy()) < 1e-10, f"layer {i + 1} db ({hidden}/{out_act}/{loss})"


OPTS = [
    (lambda: mk.optimizers.SGD(0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    (lambda: mk.optimizers.Momentum(0.05, 0.9), lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    (lambda: mk.optimizers.Nesterov(0.05, 0.9), lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True)),
    (lambda: mk.optimizers.Adagrad(0.3), lambda p: torch.optim.Adagrad(p, lr=0.3)),
    (lambda: mk.optimizers.Adadelta(1.0, 0.9, 1e-6), lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.9, eps=1e-6)),
    (lambda: mk.optimizers.RMSProp(0.01, 0.99, 1e-8), lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.99, eps=1e-8)),
    (lambda: mk.optimizers.Adam(0.01, 0.9, 0.999, 1e-8), lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.999), eps=1e-8)),
]


@pytest.mark.parametrize("ours, theirs", OPTS, ids=["SGD", "Momentum", "Nesterov", "Adagrad", "Adadelta", "RMSprop", "Adam"])
def test_first_five_steps_equal_torch_optim(ours, theirs):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 1))
    model = Sequential([Dense(3, 4, "tanh", rng=rng), Dense(4, 1, rng=rng)], loss="mse")
    params_t = [torch.tensor(p.copy(), requires_grad=True) for p in model.parameters()]
    opt_m, opt_t = ours(), theirs(params_t)
    for _ in range(5):
        model.forward(X)
        model.backward(y)
        opt_m.step(model.parameters(), model.gradients())
        opt_t.zero_grad()
        h = torch.tanh(torch.tensor(X) @ params_t[0] + params_t[1])
        ((h @ params_t[2] + params_t[3] - torch.tensor(y)) ** 2).mean().backward()
        opt_t.step()
        for p, q in zip(model.parameters(), params_t):
            np.testing.assert_allclose(p, q.detach().numpy(), rtol=1e-12, atol=CANCELLATION_ATOL)
