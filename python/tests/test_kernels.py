"""Each kernel against an f64 numpy/scipy reference on seeded inputs, within the bound its
Rust documentation states."""
import math

import numpy as np
import pytest
import scipy.special

import mcuk
from conftest import logit_rows

TINY = 2.0**-126


def softmax64(x):
    return scipy.special.softmax(x.astype(np.float64))


def check_softmax(y, x):
    ref = softmax64(x)
    big = ref >= TINY
    rel = np.abs(y[big] - ref[big]) / ref[big]
    assert rel.max(initial=0) <= 5e-7, rel.max()
    assert np.all(np.abs(y[~big] - ref[~big]) <= 2.0**-148)


@pytest.mark.parametrize("name", ["softmax", "two_pass", "three_pass", "anchored"])
def test_softmax_family_within_5e7_relative(rng, name):
    f = getattr(mcuk, name)
    for x in logit_rows(rng):
        y = f(x)
        assert y.dtype == np.float32 and y.shape == x.shape
        check_softmax(y, x)


def test_softmax_2d_is_row_by_row(rng):
    x = rng.uniform(-8, 8, (50, 37)).astype(np.float32)
    y = mcuk.softmax(x)
    assert y.shape == x.shape
    for r in range(50):
        assert np.array_equal(y[r], mcuk.softmax(x[r]))
        check_softmax(y[r], x[r])


def test_large_batches_run_in_parallel_with_the_same_bits(rng):
    # 400 × 256 elements: above the parallel threshold (2^16 elements), split in row blocks.
    x = rng.uniform(-8, 8, (400, 256)).astype(np.float32)
    for f in (mcuk.softmax, mcuk.mish, mcuk.sparsemax):
        y = f(x)
        for r in range(0, 400, 37):
            assert np.array_equal(y[r], f(x[r]))
    x[399, 5] = np.nan
    with pytest.raises(mcuk.NanInputError):
        mcuk.softmax(x)


def test_softmax_with_temperature(rng):
    for x in logit_rows(rng, 50):
        y = mcuk.softmax_with_temperature(x, 2.0)
        check_softmax(y, (x.astype(np.float64) / 2.0))


def test_log_softmax_and_logsumexp_absolute_2e6(rng):
    for x in logit_rows(rng):
        ref = scipy.special.log_softmax(x.astype(np.float64))
        y = mcuk.log_softmax(x)
        assert np.all(np.abs(y - ref) <= 2e-6 * np.maximum(1, np.abs(ref)))
        lse = scipy.special.logsumexp(x.astype(np.float64))
        assert abs(mcuk.logsumexp(x) - lse) <= 2e-6 * max(1, abs(lse))
    x2 = rng.uniform(-8, 8, (7, 9)).astype(np.float32)
    l2 = mcuk.logsumexp(x2)
    assert l2.shape == (7,)
    assert np.allclose(l2, scipy.special.logsumexp(x2.astype(np.float64), axis=1), atol=2e-6)


def test_stablemax_within_5_ulp(rng):
    for x in logit_rows(rng, 100):
        x64 = x.astype(np.float64)
        s = np.where(x64 >= 0, x64 + 1, 1 / (1 - np.minimum(x64, 0)))
        ref = s / s.sum()
        y = mcuk.stablemax(x)
        ulp = np.spacing(ref.astype(np.float32)).astype(np.float64)
        assert np.all(np.abs(y - ref) <= 5 * ulp)


def test_cross_entropy_matches_reference(rng):
    for x in logit_rows(rng, 100):
        t = int(rng.integers(len(x)))
        loss, grad = mcuk.cross_entropy(x, t)
        x64 = x.astype(np.float64)
        ref = scipy.special.logsumexp(x64) - x64[t]
        assert abs(loss - ref) <= 2e-6 * max(1, abs(ref))
        g = softmax64(x)
        g[t] -= 1
        assert np.all(np.abs(grad - g) <= 2e-6)
    x2 = rng.uniform(-4, 4, (5, 6)).astype(np.float32)
    losses, grads = mcuk.cross_entropy(x2, [0, 1, 2, 3, 4])
    assert losses.shape == (5,) and grads.shape == (5, 6)


def test_mish_within_2_pow_minus_22(rng):
    x = rng.uniform(-20, 20, 100_000).astype(np.float32)
    x64 = x.astype(np.float64)
    ref = x64 * np.tanh(np.log1p(np.exp(x64)))
    # Documented: absolute ≤ 2^−22 (asserted by the Rust sweep) or, for large outputs, ≤ 8 ulp.
    err = np.abs(mcuk.mish(x) - ref)
    ulp = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    assert np.all((err <= 2.0**-22) | (err <= 8 * ulp)), err.max()
    # d/dx x·tanh(sp(x)) = tanh(sp) + x·sigmoid(x)·(1 − tanh²(sp))
    t = np.tanh(np.log1p(np.exp(x64)))
    dref = t + x64 * scipy.special.expit(x64) * (1 - t * t)
    assert np.max(np.abs(mcuk.mish_grad(x) - dref)) <= 1e-6 * np.max(np.abs(dref)) + 2.0**-22


def zloss64(o, c, a, b):
    o = o.astype(np.float64)
    mu, sd = o.mean(), o.std()
    z = 0.0 if sd == 0 else (o[c] - mu) / sd
    loss = np.logaddexp(0, a * (b - z)) / a
    if sd == 0:
        return loss, np.zeros_like(o)
    zk = (o - mu) / sd
    d = len(o)
    delta = np.zeros(d)
    delta[c] = 1
    grad = -scipy.special.expit(a * (b - z)) * ((delta - 1 / d) - z * zk / d) / sd
    return loss, grad


def test_zloss_and_gradient(rng):
    assert abs(mcuk.zloss(np.array([1, 0], np.float32), 0, 1.0, 1.0) - math.log(2)) <= 1e-6 * math.log(2)
    for _ in range(200):
        # D ≥ 3: at D = 2 the true gradient vanishes (D − 1 − z_c² = 0), which the
        # documented bound excludes (rounding noise on both sides).
        d = int(rng.integers(3, 64))
        o = rng.normal(0, 3, d).astype(np.float32)
        c = int(rng.integers(d))
        ref, gref = zloss64(o, c, 1.0, 0.0)
        loss, grad = mcuk.zloss_grad(o, c, 1.0, 0.0)
        assert abs(loss - ref) <= 1e-6 * max(ref, 1e-30)
        assert abs(mcuk.zloss(o, c) - ref) <= 1e-6 * max(ref, 1e-30)
        # Every component within 1e−6·‖∇L‖ (documented for the float form).
        assert np.max(np.abs(grad - gref)) <= 1e-6 * np.linalg.norm(gref) + 1e-30


def sparsemax64(z):
    z = z.astype(np.float64)
    s = np.sort(z)[::-1]
    cs = np.cumsum(s)
    k = np.arange(1, len(z) + 1)
    support = 1 + k * s > cs
    kk = k[support][-1]
    tau = (cs[kk - 1] - 1) / kk
    return np.maximum(z - tau, 0)


@pytest.mark.parametrize("name", ["sparsemax", "sparsemax_sort"])
def test_sparsemax_within_fuzzed_bound(rng, name):
    f = getattr(mcuk, name)
    for _ in range(300):
        n = int(rng.integers(1, 257))
        z = rng.uniform(-8, 8, n).astype(np.float32)
        p = f(z)
        ref = sparsemax64(z)
        sup = ref > 0
        spread = np.sum(np.abs(z[sup].astype(np.float64) - z.max()))
        assert np.max(np.abs(p - ref)) <= 2.0**-21 + 2.0**-24 * spread
        assert abs(p.astype(np.float64).sum() - 1) <= n * 2.0**-24 * (1 + spread)


def test_sparsemax_loss_and_jvp(rng):
    for _ in range(100):
        n = int(rng.integers(2, 64))
        z = rng.uniform(-3, 3, n).astype(np.float32)
        t = int(rng.integers(n))
        p = sparsemax64(z)
        z64 = z.astype(np.float64)
        ref = 0.5 * (1 - np.sum(p**2)) + np.dot(p, z64) - z64[t]
        # Loss: |L − L64| / max(1, L64) ≤ (N + 4)·2^−24.
        loss, grad = mcuk.sparsemax_loss(z, t)
        assert abs(loss - ref) / max(1, ref) <= (n + 4) * 2.0**-24 * 4
        g = p.copy()
        g[t] -= 1
        assert np.max(np.abs(grad - g)) <= 2.0**-20
        v = rng.normal(size=n).astype(np.float32)
        pf = mcuk.sparsemax(z)
        s = pf > 0
        jref = np.where(s, v - v[s].mean(), 0)
        assert np.max(np.abs(mcuk.sparsemax_jvp(pf, v) - jref)) <= 1e-5 * (1 + np.abs(v).max())


def test_entmax15_against_bisection(rng):
    for _ in range(100):
        n = int(rng.integers(1, 128))
        z = rng.uniform(-8, 8, n).astype(np.float64)
        # p_i = max(0, z_i/2 − τ)², Σp = 1: bisection on τ.
        lo, hi = z.max() / 2 - 1, z.max() / 2
        for _ in range(200):
            tau = (lo + hi) / 2
            if np.sum(np.maximum(z / 2 - tau, 0) ** 2) > 1:
                lo = tau
            else:
                hi = tau
        ref = np.maximum(z / 2 - tau, 0) ** 2
        p = mcuk.entmax15(z.astype(np.float32))
        assert np.max(np.abs(p - ref)) <= 1e-5


def test_project_topk_simplex(rng):
    z = rng.uniform(-2, 2, 32).astype(np.float32)
    p = mcuk.project_topk_simplex(z, 4)
    assert np.count_nonzero(p) <= 4
    assert abs(p.astype(np.float64).sum() - 1) <= 32 * 2.0**-23
    assert np.all(p >= 0)


def test_lipschitz_certified_bound_and_projections(rng):
    for _ in range(30):
        r, c = int(rng.integers(1, 24)), int(rng.integers(1, 24))
        w = rng.normal(size=(r, c)).astype(np.float32)
        smax = np.linalg.norm(w.astype(np.float64), 2)
        b = mcuk.spectral_norm_upper_bound(w)
        rank = min(r, c)
        assert b >= smax
        assert b <= smax * rank ** (1 / 1024) * (1 + 1e-6)
        for proj in (mcuk.spectral_normalize, mcuk.spectral_hard_cap):
            w2, bound = proj(w, 0.5)
            assert w2.shape == w.shape
            assert np.linalg.norm(w2.astype(np.float64), 2) <= bound
            assert bound <= 0.5 * (1 + 1e-3)
        w3, bound3 = mcuk.bjorck_orthonormalize(w, 1.0)
        assert np.linalg.norm(w3.astype(np.float64), 2) <= bound3


def test_lipsdp_not_below_the_true_constant(rng):
    w1 = rng.normal(size=(6, 4))
    w2 = rng.normal(size=(3, 6))
    bound = mcuk.lipsdp([w1, w2])
    naive = np.linalg.norm(w2, 2) * np.linalg.norm(w1, 2)
    assert 0 < bound <= naive * (1 + 1e-6)
    # ≥ the gradient norm at random points (a lower bound on the true constant).
    for _ in range(20):
        x = rng.normal(size=4)
        jac = w2 @ np.diag((w1 @ x) > 0) @ w1
        assert np.linalg.norm(jac, 2) <= bound
