"""Speed of mlpkit against PyTorch (CPU), scikit-learn and micrograd, as paired ratios.

Usage:  python benchmarks/bench_mlp.py [--quick] [--threads N] [--rounds R]

1. The seed's MNIST architecture 784-64-32-10 (ReLU, softmax + cross-entropy, Adam 1e-3,
   batch 128) for one epoch on Fashion-MNIST (60 000 images), float32: mlpkit, PyTorch,
   scikit-learn's MLPClassifier (one epoch of partial_fit), and the "matmul floor": the
   six matrix products of forward + backward per batch alone, in numpy.
2. Tiny nets, 2000 full-batch gradient steps in-process: XOR 2-5-1 (sigmoid, MSE) and the
   3-4-4-1 net of seed 004 (ReLU, MSE): mlpkit vs PyTorch vs micrograd (micrograd runs
   fewer steps and is scaled, it is pure Python), and a bare numpy loop of the same arithmetic
   (the floor for mlpkit's per-step bookkeeping).

The contenders run interleaved in rounds and the report gives the median of the per-round
ratios, because this machine's speed drifts by ±30 % over minutes (see the toolchain notes).
Thread counts are fixed before numpy is imported.
"""
import argparse
import os
import sys
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="2 rounds, fewer tiny-net steps")
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--rounds", type=int, default=5)
args = parser.parse_args()
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)

import numpy as np  # noqa: E402

import mlpkit as mk  # noqa: E402  (installed: pip install -e .)

ROUNDS = 2 if args.quick else args.rounds
BATCH = 128


def load():
    Xtr, ytr, _, _ = mk.data.load_fashion_mnist()
    X = (Xtr / np.float32(255)).astype(np.float32)        # cast once: float64 X would promote everything
    return X, ytr, mk.data.one_hot(ytr, 10, dtype=np.float32)


def mlpkit_epoch(X, Y, rng):
    model = mk.network.Sequential([
        mk.layers.Dense(784, 64, "relu", init="he_uniform", rng=rng, dtype=np.float32),
        mk.layers.Dense(64, 32, "relu", init="he_uniform", rng=rng, dtype=np.float32),
        mk.layers.Dense(32, 10, "softmax", rng=rng, dtype=np.float32)], loss="cce")
    t = time.perf_counter()
    model.fit(X, Y, optimizer=mk.optimizers.Adam(1e-3), epochs=1, batch_size=BATCH, rng=rng, verbose=0)
    return time.perf_counter() - t


def matmul_floor(X, rng):
    """Only the 6 GEMMs per batch (3 forward, dW for 3 layers; dX for the 2 upper layers is
    counted too: 8 products). The lower bound any numpy MLP epoch is measured against."""
    W1, W2, W3 = (rng.standard_normal(s).astype(np.float32) for s in ((784, 64), (64, 32), (32, 10)))
    t = time.perf_counter()
    for s in range(0, len(X), BATCH):
        Xb = X[s:s + BATCH]
        A1 = Xb @ W1
        A2 = A1 @ W2
        A3 = A2 @ W3
        _ = A2.T @ A3, A3 @ W3.T, A1.T @ A2, A2 @ W2.T, Xb.T @ A1
    return time.perf_counter() - t


def torch_epoch(X, y, torch):
    model = torch.nn.Sequential(torch.nn.Linear(784, 64), torch.nn.ReLU(), torch.nn.Linear(64, 32),
                                torch.nn.ReLU(), torch.nn.Linear(32, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    t = time.perf_counter()
    perm = torch.randperm(len(Xt))
    Xs, ys = Xt[perm], yt[perm]
    for s in range(0, len(Xs), BATCH):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(Xs[s:s + BATCH]), ys[s:s + BATCH])
        loss.backward()
        opt.step()
    return time.perf_counter() - t


def sklearn_epoch(X, y):
    import warnings

    from sklearn.neural_network import MLPClassifier
    clf = MLPClassifier((64, 32), activation="relu", solver="adam", learning_rate_init=1e-3,
                        batch_size=BATCH, max_iter=1, shuffle=True, random_state=0)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    return time.perf_counter() - t


def tiny_mlpkit(X, y, act, widths, steps):
    rng = np.random.default_rng(0)
    layers = [mk.layers.Dense(a, b, act if i < len(widths) - 2 else ("sigmoid" if act == "sigmoid" else "identity"),
                              rng=rng) for i, (a, b) in enumerate(zip(widths[:-1], widths[1:]))]
    model = mk.network.Sequential(layers, loss="mse")
    t = time.perf_counter()
    model.fit(X, y, optimizer=mk.optimizers.SGD(0.05), epochs=steps, verbose=0)   # full batch: 1 step per epoch
    return time.perf_counter() - t


def tiny_bare_numpy(X, y, act, widths, steps):
    """The same training as tiny_mlpkit written as one bare numpy loop (no layers, no checks, no
    history): the floor that `fit`'s bookkeeping is measured against."""
    from scipy.special import expit
    rng = np.random.default_rng(0)
    Ws = [rng.uniform(-1, 1, (a, b)) * np.sqrt(6 / (a + b)) for a, b in zip(widths[:-1], widths[1:])]
    bs = [np.zeros(b) for b in widths[1:]]
    last = len(Ws) - 1
    t = time.perf_counter()
    for _ in range(steps):
        As, Zs = [X], []
        for i, (W, b) in enumerate(zip(Ws, bs)):
            Z = As[-1] @ W + b
            Zs.append(Z)
            As.append(expit(Z) if act == "sigmoid" else (Z if i == last else np.maximum(Z, 0)))
        r = As[-1] - y
        loss = float(np.dot(r.ravel(), r.ravel()) / r.size)         # MSE, as fit records it
        dA = (2.0 / r.size) * r
        for i in range(last, -1, -1):
            if act == "sigmoid":
                dZ = dA * As[i + 1] * (1.0 - As[i + 1])
            else:
                dZ = dA if i == last else dA * (Zs[i] > 0)
            dW, db = As[i].T @ dZ, dZ.sum(axis=0)
            if i:
                dA = dZ @ Ws[i].T
            Ws[i] -= 0.05 * dW
            bs[i] -= 0.05 * db
    assert np.isfinite(loss)
    return time.perf_counter() - t


def tiny_torch(X, y, act, widths, steps, torch):
    mods = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        mods.append(torch.nn.Linear(a, b).double())
        if i < len(widths) - 2:
            mods.append(torch.nn.Sigmoid() if act == "sigmoid" else torch.nn.ReLU())
        elif act == "sigmoid":
            mods.append(torch.nn.Sigmoid())
    model = torch.nn.Sequential(*mods)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    t = time.perf_counter()
    for _ in range(steps):
        opt.zero_grad()
        ((model(Xt) - yt) ** 2).mean().backward()
        opt.step()
    return time.perf_counter() - t


def tiny_micrograd(X, y, act, widths, steps):
    from micrograd.nn import MLP
    model = MLP(widths[0], widths[1:])       # micrograd: ReLU hidden, linear output
    rows = [[float(v) for v in r] for r in X]
    t = time.perf_counter()
    for _ in range(steps):
        out = [model(r) for r in rows]
        loss = sum((o - float(t_[0])) ** 2 for o, t_ in zip(out, y)) * (1.0 / len(rows))
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.05 * p.grad
    return time.perf_counter() - t


def median(xs):
    return float(np.median(xs))


def main():
    try:
        import torch
        torch.set_num_threads(args.threads)
    except ImportError:
        torch = None
        print("torch not installed (pip install -r requirements-check.txt): PyTorch columns skipped")
    X, y, Y = load()
    rng = np.random.default_rng(0)
    rows = {"mlpkit": [], "matmul floor": [], "pytorch": [], "scikit-learn": []}
    for r in range(ROUNDS):
        rows["mlpkit"].append(mlpkit_epoch(X, Y, rng))
        rows["matmul floor"].append(matmul_floor(X, rng))
        if torch is not None:
            rows["pytorch"].append(torch_epoch(X, y, torch))
        rows["scikit-learn"].append(sklearn_epoch(X, y))
        print(f"round {r + 1}/{ROUNDS}: " + ", ".join(f"{k} {v[-1]:.3f} s" for k, v in rows.items() if v), flush=True)
    print(f"\nOne epoch of 784-64-32-10 on Fashion-MNIST (float32, batch {BATCH}, {args.threads} thread(s)), "
          f"median of {ROUNDS} rounds:")
    for k, v in rows.items():
        if v:
            print(f"  {k:<14} {median(v):7.3f} s")
    m = np.array(rows["mlpkit"])
    print(f"  mlpkit / matmul floor      = {median(m / np.array(rows['matmul floor'])):.2f}  (target ≤ 2.5)")
    if rows["pytorch"]:
        print(f"  mlpkit / PyTorch           = {median(m / np.array(rows['pytorch'])):.2f}  (target ≤ 0.5)")
    print(f"  mlpkit / scikit-learn      = {median(m / np.array(rows['scikit-learn'])):.2f}")

    steps = 500 if args.quick else 2000
    mg_steps = 20 if args.quick else 50
    nets = {"XOR 2-5-1 sigmoid": (*mk.data.xor(), "sigmoid", [2, 5, 1]),
            "seed 004 3-4-4-1 relu": (np.array([[2.5, 3.5, -0.5], [4.0, -1.0, 0.5], [0.5, 1.5, 1.0], [3.0, 2.0, -1.5]]),
                                      np.array([[1.0], [-1.0], [-1.0], [1.0]]), "relu", [3, 4, 4, 1])}
    print(f"\nTiny nets, {steps} full-batch SGD steps in-process (micrograd: {mg_steps} steps, scaled):")
    for name, (Xs, ys, act, widths) in nets.items():
        ours, theirs, mg, bare = [], [], [], []
        for _ in range(ROUNDS):
            ours.append(tiny_mlpkit(Xs, ys, act, widths, steps))
            bare.append(tiny_bare_numpy(Xs, ys, act, widths, steps))
            if torch is not None:
                theirs.append(tiny_torch(Xs, ys, act, widths, steps, torch))
            try:
                mg.append(tiny_micrograd(Xs, ys, act, widths, mg_steps) * steps / mg_steps)
            except ImportError:
                pass
        line = f"  {name:<24} mlpkit {median(ours) * 1e3:8.1f} ms"
        if theirs:
            line += f" | PyTorch {median(theirs) * 1e3:8.1f} ms | PyTorch/mlpkit = {median(np.array(theirs) / np.array(ours)):5.1f}× (target ≥ 8)"
        if mg:
            line += f" | micrograd {median(mg) * 1e3:9.0f} ms ({median(np.array(mg) / np.array(ours)):.0f}×)"
        line += f" | bare numpy loop {median(bare) * 1e3:6.1f} ms (mlpkit/bare = {median(np.array(ours) / np.array(bare)):.2f})"
        print(line)


if __name__ == "__main__":
    main()
