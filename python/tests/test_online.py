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


# ---- multiclass ----------------------------------------------------------------------------

# The Rust differential tests' tolerance (host/tests/online_differential.rs, TOL): every
# prediction within TOL·(1 + |p₆₄|) and the final weights within TOL·(1 + max|w₆₄|).
TOL = 2e-3


def segments():
    """River's ImageSegments stream (bundled, 2310 rows, 18 features, 7 classes), the classes
    numbered in sorted order."""
    rows = list(datasets.ImageSegments())
    keys = list(rows[0][0].keys())
    labels = sorted({r[1] for r in rows})
    x = np.array([[r[0][k] for k in keys] for r in rows], np.float32)
    y = [labels.index(r[1]) for r in rows]
    return rows, labels, x, y


@pytest.mark.parametrize("rule,lr,opt", [
    ("sgd", None, lambda: optim.SGD(0.01)),
    ("adagrad", None, lambda: optim.AdaGrad()),
    ("adam", None, lambda: optim.Adam()),
], ids=["sgd", "adagrad", "adam"])
def test_softmax_regression_side_by_side_with_river(rule, lr, opt):
    rows, labels, x, y = segments()
    river_model = linear_model.SoftmaxRegression(optimizer=opt())
    # River discovers its classes as they come; seeding every class's (zero) weights from the
    # start makes it the fixed-K model of the chip. River's model has no intercept:
    # intercept_lr=0.
    for label in labels:
        river_model.weights[label]
    model = preprocessing.StandardScaler() | river_model
    ours = mcuk.SoftmaxRegression(x.shape[1], len(labels), optimizer=rule, lr=lr, scale=True, intercept_lr=0.0)
    acc = metrics.Accuracy()
    hits = 0
    worst = 0.0
    for (xd, yy), xr, yi in zip(rows, x, y):
        p_river = model.predict_proba_one(xd)
        p_ours = ours.predict_proba_one(xr)
        for k, label in enumerate(labels):
            worst = max(worst, abs(p_ours[k] - p_river[label]) / (1 + abs(p_river[label])))
        acc.update(yy, max(p_river, key=p_river.get))
        hits += ours.predict_one(xr) == yi
        model.learn_one(xd, yy)
        ours.learn_one(xr, yi)
    assert worst <= TOL, worst
    w64 = np.array([[river_model.weights[label].get(k, 0.0) for k in rows[0][0]] for label in labels])
    werr = np.max(np.abs(ours.weights - w64)) / (1 + np.max(np.abs(w64)))
    assert werr <= TOL, werr
    assert np.all(ours.intercepts == 0)
    # Same progressive accuracy to one sample in the stream.
    assert abs(hits / len(rows) - acc.get()) <= 1 / len(rows), (hits / len(rows), acc.get())


def test_softmax_regression_batch_forms_equal_the_one_forms():
    _, labels, x, y = segments()
    a = mcuk.SoftmaxRegression(x.shape[1], len(labels), optimizer="adam", scale=True)
    b = mcuk.SoftmaxRegression(x.shape[1], len(labels), optimizer="adam", scale=True)
    for xr, yy in zip(x[:300], y[:300]):
        a.learn_one(xr, yy)
    b.learn_many(x[:300], y[:300])
    assert np.array_equal(a.weights, b.weights) and np.array_equal(a.intercepts, b.intercepts)
    assert b.weights.shape == (len(labels), x.shape[1]) and b.n_classes == len(labels)
    # The chip's default intercept step (GlmConfig::RIVER, 0.01) moves the intercepts.
    assert np.any(b.intercepts != 0)
    p = b.predict_proba_many(x[300:310])
    assert p.shape == (10, len(labels))
    one = np.array([[a.predict_proba_one(r)[k] for k in range(len(labels))] for r in x[300:310]], np.float32)
    assert np.array_equal(p, one)
    assert np.allclose(p.sum(axis=1), 1, atol=1e-6)
    assert list(b.predict_many(x[300:310])) == [a.predict_one(r) for r in x[300:310]]
    assert list(b.predict_many(x[300:310])) == list(np.argmax(p, axis=1))


def test_softmax_regression_refuses_bad_classes():
    with pytest.raises(ValueError):
        mcuk.SoftmaxRegression(3, 1)
    with pytest.raises(ValueError):
        mcuk.SoftmaxRegression(3, 9)
    m = mcuk.SoftmaxRegression(3, 3)
    with pytest.raises(ValueError):
        m.learn_one([0.0, 1.0, 2.0], 3)
    with pytest.raises(ValueError):
        m.learn_many(np.zeros((2, 3), np.float32), [0, 5])
    assert np.all(m.weights == 0)


def test_learners_have_runtime_docstrings():
    # help() shows the update and the defaults, as the stubs do.
    assert "softmax(W x + b)" in mcuk.SoftmaxRegression.__doc__
    assert "intercept_lr=0.01" in mcuk.SoftmaxRegression.__text_signature__
    assert "σ(wᵀx + b)" in mcuk.LogisticRegression.__doc__ and "adagrad 0.1" in mcuk.LogisticRegression.__doc__
    assert "wᵀx + b" in mcuk.LinearRegression.__doc__
    for f, text in [
        (mcuk.sinkhorn, "reg = ε (default 0.01)"),
        (mcuk.sparse_ot, "γ = reg (default 1.0)"),
        (mcuk.halpern_game, "natural residual (1e-6)"),
        (mcuk.lipsdp, '"relu" (default)'),
    ]:
        assert text in f.__doc__, f.__name__
    assert mcuk.OTResult.plan_csc.__doc__
