"""Online learners side by side with River on the Phishing stream (bundled with River)."""
import numpy as np
import pytest

import mcuk

river = pytest.importorskip("river")
from river import datasets, linear_model, metrics, optim, preprocessing  # noqa: E402


def phishing():
    rows = list(datasets.Phishing())
    keys = list(rows[0][0].keys())
    x = np.array([[r[0][k] for k in keys] for r in rows], np.float32)
    y = [bool(r[1]) for r in rows]
    return rows, x, y


# (our rule, River optimizer)
CASES = [
    ("sgd", 0.1, lambda: optim.SGD(0.1)),
    ("adagrad", None, lambda: optim.AdaGrad()),
    ("adam", None, lambda: optim.Adam()),
    ("ftrl", None, lambda: optim.FTRLProximal()),
]


@pytest.mark.parametrize("rule,lr,opt", CASES, ids=[c[0] for c in CASES])
def test_phishing_same_accuracy_as_river(rule, lr, opt):
    rows, x, y = phishing()
    model = preprocessing.StandardScaler() | linear_model.LogisticRegression(optimizer=opt())
    acc, ll = metrics.Accuracy(), metrics.LogLoss()
    ours = mcuk.LogisticRegression(x.shape[1], optimizer=rule, lr=lr, scale=True)
    agree = 0
    for (xd, yy), xr in zip(rows, x):
        p_river = model.predict_proba_one(xd).get(True, 0.5)
        p_ours = ours.predict_proba_one(xr)[True]
        agree += (p_river > 0.5) == (p_ours > 0.5)
        acc.update(yy, p_river > 0.5)
        ll.update(yy, model.predict_proba_one(xd))
        model.learn_one(xd, yy)
        ours.learn_one(xr, yy)
    # The batch form computes the same progressive score as the loop above (on the chip's
    # BinaryEval).
    acc_ours, ll_ours = mcuk.LogisticRegression(x.shape[1], optimizer=rule, lr=lr, scale=True).progressive(x, y)
    # Same accuracy to 1e−6 (as the Rust tests); log loss to 0.01 (f32 against f64).
    assert abs(acc_ours - acc.get()) <= 1e-6, (acc_ours, acc.get())
    assert abs(ll_ours - ll.get()) <= 0.01, (ll_ours, ll.get())
    # Row by row, the two models' decisions agree on nearly every sample.
    assert agree >= 0.99 * len(rows)


def test_learn_one_equals_learn_many():
    rows, x, y = phishing()
    a = mcuk.LogisticRegression(x.shape[1], optimizer="adam", scale=True)
    b = mcuk.LogisticRegression(x.shape[1], optimizer="adam", scale=True)
    for xr, yy in zip(x[:300], y[:300]):
        a.learn_one(xr, yy)
    b.learn_many(x[:300], y[:300])
    assert np.array_equal(a.weights, b.weights) and a.intercept == b.intercept
    p = b.predict_proba_many(x[300:310])
    assert np.array_equal(p, np.array([a.predict_proba_one(r)[True] for r in x[300:310]], np.float32))
    assert a.predict_one(x[300]) == bool(p[0] > 0.5)


def test_linear_regression_learns_a_line(rng):
    m = mcuk.LinearRegression(2, optimizer="sgd", lr=0.05)
    x = rng.uniform(-1, 1, (4000, 2)).astype(np.float32)
    t = (3 * x[:, 0] - 2 * x[:, 1] + 0.5).astype(np.float32)
    m.learn_many(x, t)
    assert np.allclose(m.weights, [3, -2], atol=1e-2) and abs(m.intercept - 0.5) <= 1e-2
    assert abs(m.predict_one({"a": 1.0, "b": 1.0}) - 1.5) <= 3e-2
    assert m.predict_many(x[:3]).shape == (3,)
