"""Grading corpus for ps05 (optimisers)."""
ASSIGNMENT, NOTEBOOK, TOTAL = "ps05", "ps05.ipynb", 10.0

SUBMISSIONS = {
    "momentum_only": {"fill": ["momentum"], "expected": 3.0},
    "adam_without_training": {"fill": ["momentum", "adam"], "expected": 7.0},
}

ADAM = '''def adam_step(theta, m, v, g, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v'''

MUTATIONS = {
    "momentum_textbook_sign": {"replace": {"momentum": '''def momentum_step(theta, v, g, lr=0.1, mu=0.9):
    v = mu * v - lr * g
    return theta - v, v'''}, "max_score": 7.0},
    "momentum_no_memory": {"replace": {"momentum": '''def momentum_step(theta, v, g, lr=0.1, mu=0.9):
    return theta - lr * g, g'''}, "max_score": 7.0},
    "adam_no_bias_correction": {"replace": {"adam": ADAM.replace("m / (1 - beta1 ** t)", "m").replace(
        "v / (1 - beta2 ** t)", "v")}, "max_score": 6.0},
    "adam_eps_inside_sqrt_and_no_square": {"replace": {"adam": ADAM.replace("g ** 2", "g")}, "max_score": 6.0},
    "xor_not_called": {"replace": {"xor": "final_loss = 0.0"}, "max_score": 9.0},
}
