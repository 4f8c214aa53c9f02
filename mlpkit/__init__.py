"""mlpkit: a small, readable, checked multilayer perceptron in numpy.

Modules (one concept each), loaded on first use so ``import mlpkit`` stays fast:

================ =============================================================
activations      identity, sigmoid, tanh, relu, leaky_relu, softmax (+ backward)
losses           mse (4 reductions), mae, binary / categorical cross-entropy
init             zeros, uniform, normal, Xavier/Glorot and He initialisers
base             the layer protocol (Layer) and the layer registry (register, layer_from_config)
layers           Dense (re-exports Dropout and Layer)
dropout          Dropout (inverted)
network          Sequential: forward, backward (chapter 8's box), predict, evaluate, config
training         fit: the training loop, History
flat             FlatParameters: all parameters in one vector while fit runs
metrics          classes (ŷ ≥ 0.5 or argmax), accuracy
persistence      save/load a network as one .npz file (imports network; nothing imports it)
optimizers       SGD, Momentum, Nesterov, Adagrad, Adadelta, RMSProp, Adam
regularizers     L1, L2, ActivityL2, EarlyStopping
gradcheck        finite-difference gradient checks with a per-parameter report
data             XOR, ice-cream, moons, digits, helpers (split, one-hot, ...)
idx              the IDX format; (Fashion-)MNIST loaders that work offline
plots            loss curves, decision boundaries, loss surfaces
conv             Conv2D, MaxPool2D, Flatten
================ =============================================================

The docstrings cite the book's labels (``ch08-algorithm``, ``eq-ch08-out``, ...): search the
chapter files ``book/chNN_*.md`` for them. Conventions: rows are samples; ``W`` has shape
(d_in, d_out); ``Z = X @ W + b``; ``A = g(Z)``; ``dZ = ∂L/∂Z``; losses take ``(y_true, y_pred)``;
randomness comes from explicit ``rng`` arguments.
"""
import importlib

from ._checks import ShapeError, TrainingDiverged

__version__ = "0.1.0"
__all__ = ["ShapeError", "TrainingDiverged", "__version__"]

_SUBMODULES = ("activations", "losses", "init", "base", "layers", "dropout", "network", "training", "flat",
               "metrics", "persistence", "optimizers", "regularizers", "gradcheck", "data", "idx", "plots", "conv")


def __getattr__(name):
    """Import submodules lazily (PEP 562): ``mk.data`` imports mlpkit.data on first use."""
    if name in _SUBMODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'mlpkit' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
