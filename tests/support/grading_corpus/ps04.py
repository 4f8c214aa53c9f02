"""Grading corpus for ps04 (backpropagation): each classic mistake must lose points."""
ASSIGNMENT, NOTEBOOK, TOTAL = "ps04", "ps04.ipynb", 10.0

RIGHT = '''def backprop(X, Y, W1, b1, W2, b2):
    n = X.shape[0]
    A1 = sig(X @ W1 + b1)
    A2 = sig(A1 @ W2 + b2)
    dZ2 = (A2 - Y) / n * A2 * (1 - A2)
    dZ1 = (dZ2 @ W2.T) * A1 * (1 - A1)
    return {"dW1": X.T @ dZ1, "db1": dZ1.sum(axis=0), "dW2": A1.T @ dZ2, "db2": dZ2.sum(axis=0)}'''

SUBMISSIONS = {
    "output_layer_right_hidden_wrong": {"replace": {"backprop": RIGHT.replace(
        "dZ1 = (dZ2 @ W2.T) * A1 * (1 - A1)", "dZ1 = dZ2 @ W2.T")}, "expected": 3.0},
    "gradient_check_only": {"fill": ["numgrad"], "expected": 2.0},
    "hand_table_only": {"fill": ["hand_table"], "expected": 2.0},
}

MUTATIONS = {
    "missing_one_over_n": {"replace": {"backprop": RIGHT.replace("/ n ", "")}, "max_score": 4.0},
    "transposed_dW": {"replace": {"backprop": RIGHT.replace('"dW1": X.T @ dZ1', '"dW1": dZ1.T @ X').replace(
        '"dW2": A1.T @ dZ2', '"dW2": dZ2.T @ A1')}, "max_score": 4.0},
    "db_wrong_axis": {"replace": {"backprop": RIGHT.replace("sum(axis=0)", "sum(axis=1)")}, "max_score": 4.0},
    "sigma_prime_of_a": {"replace": {"backprop": RIGHT.replace("A2 * (1 - A2)", "sig(A2) * (1 - sig(A2))")},
                         "max_score": 7.0},
    "sign_error": {"replace": {"backprop": RIGHT.replace("(A2 - Y)", "(Y - A2)")}, "max_score": 4.0},
    "numgrad_forward_difference_no_restore": {"replace": {"numgrad": '''def numerical_gradient(f, W, h=1e-6):
    grad = np.zeros_like(W)
    base = f()
    for i in np.ndindex(W.shape):
        W[i] += h
        grad[i] = (f() - base) / h
    return grad'''}, "max_score": 8.0},
    "hand_table_forgets_derivative": {"replace": {"hand_table": '''z1 = x @ W1h + b1h
a1 = sig(z1)
z2 = a1 @ W2h + b2h
a2 = sig(z2)
d2 = a2 - y_one
d1 = d2 @ W2h.T
table = {"z1": z1, "a1": a1, "z2": z2, "a2": a2, "d2": d2, "d1": d1, "dW2": a1.T @ d2, "dW1": x.T @ d1}'''},
                                      "max_score": 8.0},
}
