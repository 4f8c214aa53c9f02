"""Grading corpus for ps07 (project): partial credit by accuracy band on held-out digits."""
ASSIGNMENT, NOTEBOOK, TOTAL = "ps07", "ps07.ipynb", 10.0


def model(hidden, epochs, lr="3e-3"):
    return f'''rng = np.random.default_rng(0)
model = mk.network.Sequential([mk.layers.Dense(64, {hidden}, "relu", init="he_uniform", rng=rng),
                               mk.layers.Dense({hidden}, 10, "softmax", rng=rng)], loss="cce")
model.fit(X_train, mk.data.one_hot(y_train, 10), optimizer=mk.optimizers.Adam({lr}), epochs={epochs},
          batch_size=32, rng=rng, verbose=0)'''


SUBMISSIONS = {
    "undertrained_80_band": {"replace": {"model": model(4, 8, "1e-2")}, "expected": 3.0},
    "decent_90_band": {"replace": {"model": model(8, 8, "1e-2")}, "expected": 6.0},
}

MUTATIONS = {
    "untrained_network": {"replace": {"model": model(64, 0)}, "max_score": 0.0},
    "labels_not_one_hot_regression": {"replace": {"model": '''rng = np.random.default_rng(0)
model = mk.network.Sequential([mk.layers.Dense(64, 1, rng=rng)], loss="mse")
model.fit(X_train, y_train.reshape(-1, 1) / 9.0, optimizer=mk.optimizers.Adam(1e-2), epochs=20, verbose=0)'''},
                                      "max_score": 3.0},
}
