"""The solvers against POT on one small problem."""
import numpy as np
import pytest

import mcuk

ot = pytest.importorskip("ot")


def problem(m=20, n=30, seed=3):
    rng = np.random.default_rng(seed)
    xs, xt = rng.normal(size=(m, 2)), rng.normal(size=(n, 2)) + 1
    a = rng.uniform(0.5, 1.5, m)
    a /= a.sum()
    b = rng.uniform(0.5, 1.5, n)
    b /= b.sum()
    return a, b, ot.dist(xs, xt)


def test_sinkhorn_matches_pot():
    a, b, M = problem()
    reg = 0.05 * M.max()
    res = mcuk.sinkhorn(a, b, M, reg=reg, stopThr=1e-12)
    assert res.converged and res.residual <= 4e-12
    ref = ot.sinkhorn(a, b, M, reg, method="sinkhorn_log", numItermax=100000, stopThr=1e-13)
    assert res.plan.shape == M.shape
    assert np.max(np.abs(res.plan - ref)) <= 1e-9
    assert abs(res.cost - np.sum(ref * M)) <= 1e-9 * np.sum(ref * M)


def test_sparse_ot_without_the_sparsity_limit_is_pots_smooth_l2_ot():
    a, b, M = problem()
    for dual in ("semi", "full"):
        res = mcuk.sparse_ot(a, b, M, reg=1.0, k=len(a), dual=dual)
        assert res.converged
        ref = ot.smooth.smooth_ot_dual(a, b, M, 1.0, reg_type="l2", stopThr=1e-12, numItermax=10000)
        assert np.max(np.abs(res.plan - ref)) <= 1e-5


def test_sparse_ot_plan_is_sparse_and_feasible():
    a, b, M = problem()
    exact = ot.emd2(a, b, M)
    for dual in ("semi", "full"):
        res = mcuk.sparse_ot(a, b, M, reg=1.0, k=5, dual=dual)
        assert res.converged, res
        assert np.all(np.count_nonzero(res.plan > 0, axis=0) <= 5)
        assert np.abs(res.plan.sum(axis=1) - a).sum() <= 1e-6
        assert res.cost >= exact - 1e-9


def test_halpern_matching_pennies():
    A = np.array([[1.0, -1.0], [-1.0, 1.0]])
    g = mcuk.halpern_game(A, stopThr=1e-8)
    assert g.converged
    assert np.allclose(g.x, [0.5, 0.5], atol=1e-6) and abs(g.value) <= 1e-6


def test_point_cloud_sinkhorn_is_the_dense_solve_without_the_matrix():
    rng = np.random.default_rng(7)
    m, n = 40, 25
    xs, xt = rng.normal(size=(m, 2)), rng.normal(size=(n, 2)) + 1
    a = np.full(m, 1 / m)
    b = np.full(n, 1 / n)
    M = ot.dist(xs, xt)  # squared Euclidean
    reg = 0.05 * M.max()
    res = mcuk.sinkhorn_clouds(a, b, xs, xt, reg=reg, stopThr=1e-12)
    assert res.converged and res.residual <= 2e-12
    assert res.f.shape == (m,) and res.g.shape == (n,)
    ref = ot.sinkhorn(a, b, M, reg, method="sinkhorn_log", numItermax=100000, stopThr=1e-13)
    plan = res.plan()
    assert plan.shape == (m, n)
    assert np.max(np.abs(plan - ref)) <= 1e-9
    assert abs(res.cost - np.sum(ref * M)) <= 1e-9 * np.sum(ref * M)
    # The Euclidean metric is the square root of the same distances.
    e = mcuk.sinkhorn_clouds(a, b, xs, xt, reg=reg, stopThr=1e-12, metric="euclidean")
    ref_e = ot.sinkhorn(a, b, np.sqrt(M), reg, method="sinkhorn_log", numItermax=100000, stopThr=1e-13)
    assert np.max(np.abs(e.plan() - ref_e)) <= 1e-9


def test_point_cloud_sinkhorn_refuses_bad_input():
    a, b = np.full(3, 1 / 3), np.full(2, 1 / 2)
    x, y = np.zeros((3, 2)), np.ones((2, 2))
    with pytest.raises(ValueError, match="metric"):
        mcuk.sinkhorn_clouds(a, b, x, y, metric="cosine")
    with pytest.raises(ValueError, match="dimension"):
        mcuk.sinkhorn_clouds(a, b, x, np.ones((2, 3)))
    with pytest.raises(ValueError):
        mcuk.sinkhorn_clouds(a, b, np.full((3, 2), np.nan), y)


def test_sparse_ot_plan_in_sparse_form():
    a, b, M = problem()
    k = 3
    for dual in ("semi", "full"):
        res = mcuk.sparse_ot(a, b, M, reg=1.0, k=k, dual=dual)
        m, n = M.shape
        ptr, idx, val = res.plan_indptr, res.plan_indices, res.plan_values
        assert ptr.shape == (n + 1,) and ptr[0] == 0 and ptr[-1] == len(idx) == len(val)
        counts = np.diff(ptr)
        # At most k entries per column, the column's nonzeros in ascending row order.
        assert np.all(counts <= k) and np.all(counts >= 1)
        assert idx.dtype == np.int64 and val.dtype == np.float64
        rebuilt = np.zeros((m, n))
        for j in range(n):
            rows = idx[ptr[j]:ptr[j + 1]]
            assert np.all(np.diff(rows) > 0)
            rebuilt[rows, j] = val[ptr[j]:ptr[j + 1]]
        # Exactly the dense plan: every nonzero, nothing else.
        assert np.array_equal(rebuilt, res.plan)
        assert np.count_nonzero(res.plan) == len(val)
        sp = pytest.importorskip("scipy.sparse")
        csc = res.plan_csc()
        assert sp.issparse(csc) and csc.format == "csc" and csc.shape == (m, n)
        assert np.array_equal(csc.toarray(), res.plan)


def test_sinkhorn_result_has_no_sparse_form():
    a, b, M = problem()
    res = mcuk.sinkhorn(a, b, M, reg=0.05 * M.max())
    assert res.plan_indices is None and res.plan_values is None and res.plan_indptr is None
    with pytest.raises(ValueError):
        res.plan_csc()
