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
