"""Classes from network outputs, and the metrics ``fit`` / ``evaluate`` record.

One rule turns outputs into class labels everywhere (predictions, accuracy, decision
boundaries): a single output column is a probability, class 1 when ŷ ≥ 0.5; several columns
are one score per class, the class is the argmax of the row.
"""
import numpy as np

__all__ = ["classes", "accuracy", "METRICS"]


def classes(Y):
    """Class labels (n,) from outputs or targets Y (n, k): [ŷ ≥ 0.5] for k = 1, else argmax per row."""
    Y = np.asarray(Y)
    if Y.ndim == 1:
        Y = Y.reshape(-1, 1)
    return (Y[:, 0] >= 0.5).astype(int) if Y.shape[1] == 1 else np.argmax(Y, axis=1)


def accuracy(y_true, y_pred):
    """Fraction of rows whose predicted class (:func:`classes`) is the target's class."""
    return float(np.mean(classes(y_pred) == classes(y_true)))


#: Metric functions by the names ``Sequential(metrics=...)`` accepts.
METRICS = {"accuracy": accuracy, "acc": accuracy}
