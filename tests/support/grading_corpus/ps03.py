"""Grading corpus for ps03 (activations)."""
ASSIGNMENT, NOTEBOOK, TOTAL = "ps03", "ps03.ipynb", 10.0

SUBMISSIONS = {
    "sigmoid_only": {"fill": ["sigmoid"], "expected": 3.0},
    "all_but_proof": {"fill": ["sigmoid", "activations"], "expected": 8.0},
}

NAIVE = '''def sigmoid(z):
    return 1 / (1 + np.exp(-z))'''

MUTATIONS = {
    "naive_sigmoid_overflows": {"replace": {"sigmoid": NAIVE}, "max_score": 7.0},
    "sigmoid_borrowed_from_mlpkit": {"replace": {"sigmoid": '''import mlpkit.activations
def sigmoid(z):
    return mlpkit.activations.sigmoid(np.asarray(z, dtype=float))'''}, "max_score": 7.0},
    "unstable_softmax_and_wrong_prime": {"replace": {"activations": '''def sigmoid_prime(z):
    return sigmoid(z) * (1 - z)


def relu(z):
    return np.maximum(z, 0)


def softmax(Z):
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)'''}, "max_score": 5.0},
    "proof_claims_without_checking": {"replace": {"proof": '''sigma_prime = sigma * (1 + sigma)
identity_holds = True'''}, "max_score": 8.0},
}
