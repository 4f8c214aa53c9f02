"""Grading corpus for ps06 (regularisation)."""
ASSIGNMENT, NOTEBOOK, TOTAL = "ps06", "ps06.ipynb", 10.0

SUBMISSIONS = {
    "l2_only": {"fill": ["l2"], "expected": 3.0},
    "all_but_early_stopping": {"fill": ["l2", "dropout"], "expected": 6.0},
}

EARLY = '''def early_stopping(val_losses, patience):
    best, best_epoch, wait = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch, best_epoch
    return len(val_losses) - 1, best_epoch'''

MUTATIONS = {
    "l2_gradient_without_2": {"replace": {"l2": '''def l2_penalty(W, lam):
    return lam * float(np.sum(W ** 2))


def l2_grad(W, lam):
    return lam * W'''}, "max_score": 7.0},
    "dropout_not_inverted": {"replace": {"dropout": '''def dropout_forward(A, keep_mask, rate):
    return A * keep_mask


def dropout_backward(dA, keep_mask, rate):
    return dA * keep_mask'''}, "max_score": 7.0},
    "dropout_backward_forgets_mask": {"replace": {"dropout": '''def dropout_forward(A, keep_mask, rate):
    return A * keep_mask / (1 - rate)


def dropout_backward(dA, keep_mask, rate):
    return dA / (1 - rate)'''}, "max_score": 7.0},
    "early_stopping_counts_ties_as_improvement": {"replace": {"early": EARLY.replace("if loss < best:", "if loss <= best:")},
                                                  "max_score": 6.0},
    "early_stopping_off_by_one": {"replace": {"early": EARLY.replace("if wait >= patience:", "if wait > patience:")},
                                  "max_score": 6.0},
}
