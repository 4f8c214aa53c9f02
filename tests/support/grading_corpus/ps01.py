"""Grading corpus for ps01 (forward propagation): partial submissions and wrong implementations."""
ASSIGNMENT, NOTEBOOK, TOTAL = "ps01", "ps01.ipynb", 10.0

DENSE = '''def dense_forward(X, W, b, activation="sigmoid"):
    Z = X @ W + b
    return 1.0 / (1.0 + np.exp(-Z)) if activation == "sigmoid" else Z'''

SUBMISSIONS = {
    "dense_only": {"fill": ["dense_forward"], "expected": 3.0},
    "dense_and_forward": {"fill": ["dense_forward", "forward"], "expected": 6.0},
    "seed_cell_only_with_own_dense": {"fill": ["seed004"], "replace": {"dense_forward": DENSE}, "expected": 7.0},
}

MUTATIONS = {   # each replaces one solution cell of a complete solution
    "dense_transposes_W": {"replace": {"dense_forward": DENSE.replace("X @ W + b", "X @ W.T + b")}, "max_score": 7.0},
    "dense_forgets_bias": {"replace": {"dense_forward": DENSE.replace("X @ W + b", "X @ W")}, "max_score": 7.0},
    "dense_ignores_activation": {"replace": {"dense_forward": DENSE.replace('if activation == "sigmoid" else Z', "")},
                                 "max_score": 7.0},
    "forward_returns_only_output": {"replace": {"forward": '''def forward(X, weights, biases):
    A = X
    for W, b in zip(weights, biases):
        A = dense_forward(A, W, b)
    return A'''}, "max_score": 7.0},
    "forward_skips_input": {"replace": {"forward": '''def forward(X, weights, biases):
    out = []
    A = X
    for W, b in zip(weights, biases):
        A = dense_forward(A, W, b)
        out.append(A)
    return out'''}, "max_score": 7.0},
    "seed_uses_column_convention": {"replace": {"seed004": '''W1 = W1_doc
A1 = dense_forward(X_seed, W1.T, b1)'''}, "max_score": 6.0},
    "seed_bias_typo": {"replace": {"seed004": '''W1 = W1_doc.T
A1 = dense_forward(X_seed, W1, np.array([0.1, 0.2, 0.2, -0.1]))'''}, "max_score": 6.0},
}
