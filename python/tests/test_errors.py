"""Bad inputs raise the documented exception (a ValueError) and never crash."""
import numpy as np
import pytest

import mcuk

F32_KERNELS = [
    "softmax", "two_pass", "three_pass", "anchored", "log_softmax", "stablemax", "mish",
    "mish_grad", "sparsemax", "sparsemax_sort", "entmax15",
]


def test_hierarchy():
    for name in ["EmptyError", "LengthMismatchError", "BadRowLengthError", "NanInputError",
                 "AllNegInfinityError", "IndexOutOfRangeError", "BadParameterError",
                 "NonFiniteError", "TflmRefusesError"]:
        assert issubclass(getattr(mcuk, name), mcuk.KernelError)
    assert issubclass(mcuk.KernelError, ValueError)
    assert issubclass(mcuk.InputError, ValueError)
    assert issubclass(mcuk.OtError, ValueError)


@pytest.mark.parametrize("name", F32_KERNELS)
def test_bad_arrays(name):
    f = getattr(mcuk, name)
    with pytest.raises(mcuk.InputError, match="float32"):
        f(np.array([1.0, 2.0]))  # float64
    with pytest.raises(mcuk.InputError):
        f([1.0, 2.0])  # not an array
    with pytest.raises(mcuk.InputError, match="dimensions"):
        f(np.zeros((2, 2, 2), np.float32))
    with pytest.raises(mcuk.InputError, match="contiguous"):
        f(np.arange(10, dtype=np.float32)[::2])
    with pytest.raises(mcuk.InputError, match="contiguous"):
        f(np.zeros((4, 4), np.float32).T)
    with pytest.raises(mcuk.EmptyError, match="empty input"):
        f(np.zeros(0, np.float32))
    with pytest.raises(mcuk.EmptyError):
        f(np.zeros((3, 0), np.float32))


@pytest.mark.parametrize("name", ["softmax", "two_pass", "three_pass", "log_softmax"])
def test_nan_and_all_neg_inf(name):
    f = getattr(mcuk, name)
    with pytest.raises(mcuk.NanInputError, match="NaN"):
        f(np.array([1.0, np.nan], np.float32))
    with pytest.raises(mcuk.AllNegInfinityError):
        f(np.full(3, -np.inf, np.float32))
    # In a 2-D call, one bad row fails the call.
    x = np.zeros((3, 4), np.float32)
    x[2, 1] = np.nan
    with pytest.raises(mcuk.NanInputError):
        f(x)


def test_targets_and_parameters():
    x = np.zeros(4, np.float32)
    with pytest.raises(mcuk.IndexOutOfRangeError, match="index 4 out of range for length 4"):
        mcuk.cross_entropy(x, 4)
    with pytest.raises(mcuk.InputError):
        mcuk.cross_entropy(x, -1)
    with pytest.raises(mcuk.InputError):
        mcuk.cross_entropy(np.zeros((2, 4), np.float32), [0])
    with pytest.raises(mcuk.BadParameterError):
        mcuk.zloss_grad(x, 0, a=-1.0)
    with pytest.raises(mcuk.InputError):
        mcuk.softmax_s8_tflm(np.zeros(4, np.float32), 0.1)
    with pytest.raises(mcuk.InputError, match="shapes"):
        mcuk.sparsemax_jvp(x, np.zeros(3, np.float32))


def test_learner_and_solver_inputs():
    with pytest.raises(mcuk.InputError):
        mcuk.LogisticRegression(0)
    with pytest.raises(mcuk.InputError):
        mcuk.LogisticRegression(3, optimizer="nope")
    m = mcuk.LogisticRegression(3)
    with pytest.raises(mcuk.InputError):
        m.learn_one([1.0, 2.0], True)
    with pytest.raises(mcuk.NanInputError):
        m.learn_one([1.0, float("nan"), 0.0], True)
    a = np.full(2, 0.5)
    with pytest.raises(mcuk.OtError):
        mcuk.sinkhorn(a, a, np.zeros((2, 3)), 0.1)
    with pytest.raises(mcuk.OtError):
        mcuk.sinkhorn(a, np.array([0.9, 0.9]), np.zeros((2, 2)), 0.1)
    with pytest.raises(mcuk.OtError):
        mcuk.sinkhorn(a, a, np.zeros((2, 2)), -1.0)
    with pytest.raises(mcuk.InputError):
        mcuk.sinkhorn(a, a, np.zeros((2, 2), np.float32), 0.1)
