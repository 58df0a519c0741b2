"""One logistic regression for every fit in bench/ that writes bot/answering/bands.json."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def fit_logistic(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    l2: float = 1.0,
    weight: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """L2-regularised logistic regression by Newton's method, with optional sample weights:
    [*coefficients, bias]."""
    x1 = np.hstack([x, np.ones((len(x), 1))])
    s = np.ones(len(x)) if weight is None else weight
    w = np.zeros(x1.shape[1])
    penalty = np.r_[np.full(x.shape[1], l2), 0.0]
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(x1 @ w, -50, 50)))
        grad = x1.T @ (s * (p - y)) + penalty * w
        hess = (x1 * (s * p * (1 - p))[:, None]).T @ x1 + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w
