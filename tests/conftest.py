"""Chapter markers: ``pytest -m ch08`` runs the tests of what chapter 8 relies on.

Each test of tests/mlpkit is marked with the chapters (book/chNN_*.md) whose code uses the
feature it checks, like minitorch's task markers; combine them as usual (``-m "ch08 or ch09"``).
"""

CHAPTERS = {
    "ch01": "introduction",
    "ch02": "the perceptron and XOR (sigmoid, Dense, Sequential)",
    "ch03": "the forward pass (Dense, Sequential.forward, the bias column)",
    "ch04": "losses and gradient descent (mse reductions, ice-cream data, SGD, fit)",
    "ch05": "the chain rule and finite differences (numerical_gradient)",
    "ch06": "the sigmoid (sigmoid, sigmoid_prime, sigmoid_backward)",
    "ch07": "backpropagation through one layer (Dense.backward, check_layer)",
    "ch08": "backpropagation with deltas (Sequential.backward, check_model, fused output)",
    "ch09": "activation functions (registry, derivatives, softmax Jacobian)",
    "ch10": "gradient-descent variants (optimisers, batch sizes, callbacks)",
    "ch11": "regularisation (L1, L2, dropout, early stopping, data helpers)",
    "ch12": "results (data sets, metrics, plots, activity regularisation)",
    "ch13": "the cross-check with PyTorch and micrograd",
    "ch14": "convolution (Conv2D, MaxPool2D, Flatten)",
}


def pytest_configure(config):
    for marker, what in CHAPTERS.items():
        config.addinivalue_line("markers", f"{marker}: tests what chapter {marker[2:]} relies on: {what}")
