"""int8/int16 softmax: TFLite-Micro-exact against the golden rows of the repository, the
accurate forms against f64."""
import json

import numpy as np
import pytest
import scipy.special

import mcuk
from conftest import shared_data

GOLDEN = shared_data("softmax_s8_tflm_golden.jsonl")


def golden_records():
    with open(GOLDEN) as f:
        return [json.loads(line) for line in f if line.strip()]


def test_tflm_exact_golden_rows_bit_exact():
    recs = golden_records()
    assert len(recs) > 200, "golden file looks truncated"
    rows = 0
    for v in recs:
        x = np.array(v["input"], np.int8).reshape(v["rows"], v["row_size"])
        raw = (v["mult"], v["shift"], v["diff_min"])
        # Parameters from the scale (as the generator computed them, in f64) equal the recorded ones.
        assert mcuk.softmax_s8_params(v["input_scale"], 1.0, double=True) == raw
        want8 = np.array(v["out_s8"], np.int8).reshape(x.shape)
        want16 = np.array(v["out_s16"], np.int16).reshape(x.shape)
        y8 = mcuk.softmax_s8_tflm(x, mult=raw[0], shift=raw[1], diff_min=raw[2])
        assert y8.dtype == np.int8
        assert np.array_equal(y8, want8)
        y8s = mcuk.softmax_s8_tflm(x, v["input_scale"], 1.0, double=True)
        assert np.array_equal(y8s, want8)
        y16 = mcuk.softmax_s8_s16_tflm(x, mult=raw[0], shift=raw[1], diff_min=raw[2])
        assert np.array_equal(y16, want16)
        rows += v["rows"]
    assert rows > 200


def test_tflm_params_are_required_one_way():
    x = np.zeros(4, np.int8)
    with pytest.raises(mcuk.InputError):
        mcuk.softmax_s8_tflm(x)
    with pytest.raises(mcuk.InputError):
        mcuk.softmax_s8_tflm(x, 0.1, mult=1 << 30, shift=20, diff_min=-10)
    with pytest.raises(mcuk.KernelError):
        mcuk.softmax_s8_tflm(x, float("nan"))


def test_accurate_int8_within_half_lsb_and_a_bit(rng):
    scale = 1 / 16
    for _ in range(200):
        n = int(rng.integers(1, 200))
        x = rng.integers(-128, 128, n).astype(np.int8)
        p = scipy.special.softmax(x.astype(np.float64) * scale)
        y = mcuk.softmax_s8_accurate(x, scale)
        # Output scale 1/256, zero point −128: y = min(round(256·p), 255) − 128, within
        # 0.5 LSB + 1e−4 LSB of the exact value.
        q = np.minimum(256 * p, 255)
        assert np.max(np.abs(y.astype(np.float64) + 128 - q)) <= 0.5 + 1e-4
        y16 = mcuk.softmax_s8_s16_accurate(x, scale)
        q16 = np.minimum(65536 * p, 65535)
        assert np.max(np.abs(y16.astype(np.float64) + 32768 - q16)) <= 0.5 + 1e-4


def test_s16_forms_run_and_agree_roughly(rng):
    x = rng.integers(-32768, 32768, (4, 64)).astype(np.int16)
    scale = 10.0 / 32768
    p = scipy.special.softmax(x.astype(np.float64) * scale, axis=1)
    y = mcuk.softmax_s16_accurate(x, scale)
    yt = mcuk.softmax_s16_tflm(x, scale)
    assert y.shape == x.shape and yt.dtype == np.int16
    # Output scale 1/32768, zero point 0 (TFLM's int16 softmax).
    assert np.max(np.abs(y / 32768 - p)) <= 1.5 / 32768
    assert np.max(np.abs(yt / 32768 - p)) <= 8 / 32768
