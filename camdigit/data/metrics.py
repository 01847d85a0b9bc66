"""Classification figures (accuracy, per-class precision/recall/F1, confusion matrix) in numpy."""

from __future__ import annotations

import numpy as np


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, classes: int = 10) -> np.ndarray:
    """Rows are true classes, columns predicted ones."""
    matrix = np.zeros((classes, classes), np.int64)
    np.add.at(matrix, (np.asarray(truth, np.int64), np.asarray(predicted, np.int64)), 1)
    return matrix


def classification_report(truth: np.ndarray, predicted: np.ndarray, classes: int = 10) -> dict:
    """Accuracy, per-class precision/recall/F1/support and the confusion matrix, JSON-ready."""
    matrix = confusion_matrix(truth, predicted, classes)
    hits = np.diag(matrix).astype(np.float64)
    support = matrix.sum(axis=1)
    predicted_count = matrix.sum(axis=0)
    precision = np.divide(hits, predicted_count, out=np.zeros(classes), where=predicted_count > 0)
    recall = np.divide(hits, support, out=np.zeros(classes), where=support > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros(classes), where=both > 0)
    total = int(matrix.sum())
    return {
        "accuracy": round(float(hits.sum() / total), 6) if total else 0.0,
        "count": total,
        "errors": int(total - hits.sum()),
        "per_class": {
            str(c): {
                "precision": round(float(precision[c]), 6),
                "recall": round(float(recall[c]), 6),
                "f1": round(float(f1[c]), 6),
                "support": int(support[c]),
            }
            for c in range(classes)
        },
        "confusion_matrix": matrix.tolist(),
    }
