"""Bit-identity with the chip: a suite's kernel run through Python over the suite's seeded
inputs gives, vector by vector, the digest the host's Rust suite computes — the digest that
`cargo xtask ontarget` checks the firmware prints under QEMU on every core."""
import numpy as np
import pytest

import mcuk
import mcuk.testvectors as tv

CODES = dict(tv.error_codes())

SUITES = {
    "softmax::three_pass": mcuk.three_pass,
    "softmax::anchored": mcuk.anchored,
    "softmax::two_pass": mcuk.two_pass,
    "softmax::log_softmax": mcuk.log_softmax,
    "softmax::stablemax": mcuk.stablemax,
    "mish::mish_slice": mcuk.mish,
    "mish::mish_grad_slice": mcuk.mish_grad,
    "sparsemax::sparsemax": mcuk.sparsemax,
    "sparsemax::sparsemax_sort": mcuk.sparsemax_sort,
    "sparsemax::entmax15": mcuk.entmax15,
}


def python_digest(name, f, index):
    """testvectors' slice-kernel digest: the result code, then the output bit patterns (NaN
    canonical), of the kernel called from Python."""
    x = tv.logits(name, index)
    try:
        y = f(x)
        code = 0
    except mcuk.KernelError as e:
        y = np.zeros_like(x)  # the suite's output buffer, untouched
        code = CODES[type(e).__name__]
    bits = np.where(np.isnan(y), np.float32(np.nan), y).view(np.uint32)
    bits = np.where(np.isnan(y), np.uint32(0x7FC00000), bits)
    return tv.digest_words([code] + bits.tolist())


@pytest.mark.parametrize("name", sorted(SUITES))
def test_python_digest_equals_host_digest(name):
    assert name in tv.names()
    host = tv.host_digests(name)
    assert len(host) == tv.vectors(name)
    f = SUITES[name]
    py = [python_digest(name, f, i) for i in range(len(host))]
    bad = [i for i, (a, b) in enumerate(zip(py, host)) if a != b]
    assert not bad, f"{len(bad)} vectors differ, first {bad[:5]}"


def test_digest_words_is_fnv1a():
    # FNV-1a of the bytes 00 00 00 00 from the offset basis.
    h = 0x811C9DC5
    for _ in range(4):
        h = ((h ^ 0) * 0x01000193) & 0xFFFFFFFF
    assert tv.digest_words([0]) == h
