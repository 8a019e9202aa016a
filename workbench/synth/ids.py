"""Resident id numbers (GB 11643) and credit codes (GB 32100), built vectorized.

The check characters are the same ISO 7064 computations as ``stdnum.cn.ric`` and
``stdnum.cn.uscc`` (tests compare them); ids are unique by construction of
(area, birth date, sequence) with disjoint sequence ranges per use.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.districts import DISTRICTS
from workbench.synth.calendar import s_int, ymd

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK = np.array(list("10X98765432"))
# Real GB/T 2260 area codes of Beijing's 16 districts (110192 is a local code only).
ID_AREAS = np.array([int(c) for c in DISTRICTS if c != "110192"], dtype=np.int64)

# Sequence ranges (3 digits) that keep every kind of id disjoint from the others.
SEQ_BACKGROUND = (0, 700)
SEQ_PLANT = (700, 800)
SEQ_OLD = (800, 900)  # old ids of ref_identity_change
SEQ_DIRTY = (900, 1000)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array(
    [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64
)
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)


def id_check_chars(body17: np.ndarray) -> np.ndarray:
    """GB 11643 check characters of 17-digit integer bodies."""
    digits = np.empty((len(body17), 17), dtype=np.int64)
    rest = np.asarray(body17, dtype=np.int64).copy()
    for i in range(16, -1, -1):
        digits[:, i] = rest % 10
        rest //= 10
    return ID_CHECK[(digits @ ID_WEIGHTS) % 11]


def id_bodies(area: np.ndarray, birth: np.ndarray, seq: np.ndarray) -> np.ndarray:
    y, m, d = ymd(birth)
    return (
        np.asarray(area, np.int64) * 10**11
        + (y * 10000 + m * 100 + d) * 1000
        + np.asarray(seq, np.int64)
    )


def id_strings(body17: np.ndarray, check: np.ndarray | None = None) -> pa.Array:
    if check is None:
        check = id_check_chars(body17)
    return pc.binary_join_element_wise(
        s_int(body17), pa.array(check.astype(object), pa.string()), ""
    )


def draw_seq(rng: np.random.Generator, sex: np.ndarray, seq_range: tuple[int, int]) -> np.ndarray:
    """3-digit sequence numbers whose parity gives the sex (odd: male)."""
    lo, hi = seq_range
    half = rng.integers(0, (hi - lo) // 2, len(sex))
    return lo + 2 * half + (np.asarray(sex) == 1)


def unique_ids(
    rng: np.random.Generator,
    area: np.ndarray,
    birth: np.ndarray,
    sex: np.ndarray,
    seq_range: tuple[int, int],
    taken: set[int] | None = None,
) -> np.ndarray:
    """17-digit bodies, unique among themselves (and not in ``taken``), redrawing clashes."""
    seq = draw_seq(rng, sex, seq_range)
    for _ in range(100):
        body = id_bodies(area, birth, seq)
        _, first = np.unique(body, return_index=True)
        clash = np.ones(len(body), dtype=bool)
        clash[first] = False  # the first of each value keeps it
        if taken:
            clash |= np.isin(body, np.fromiter(taken, np.int64, len(taken)))
        if not clash.any():
            if taken is not None:
                taken.update(body.tolist())
            return body
        seq[clash] = draw_seq(rng, sex[clash], seq_range)
    raise RuntimeError("could not draw unique id numbers; widen the birth date range")


def id15_of(id18: str) -> str:
    """The 15-digit first-generation form of an 18-character id born 1900-1999."""
    return id18[:6] + id18[8:17]


def wrong_check(id18: str) -> str:
    right = id18[17]
    return id18[:17] + ("1" if right != "1" else "2")


def _org_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    """GB 11714 organisation codes: 8 characters and their check character."""
    alphabet = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))
    values = {c: (int(c) if c.isdigit() else ord(c) - 55) for c in alphabet}
    body_idx = rng.integers(0, 10, (n, 8))
    letters = rng.random((n, 8)) < 0.04
    body_idx[letters] = rng.integers(10, len(alphabet), letters.sum())
    chars = alphabet[body_idx]
    vals = np.vectorize(values.get)(chars) if n else np.zeros((0, 8), np.int64)
    c9 = 11 - (vals @ ORG_WEIGHTS) % 11
    check = np.where(c9 == 10, "X", np.where(c9 == 11, "0", c9.astype(str)))
    return np.array(["".join(r) for r in chars], dtype=object) + check.astype(object)


def uscc_codes(
    rng: np.random.Generator, n: int, area: np.ndarray, unit_type: np.ndarray
) -> np.ndarray:
    """Valid USCCs (object array of str); the first two characters follow the unit type."""
    head = np.select(
        [unit_type == "20", unit_type == "30", unit_type == "40", unit_type == "50"],
        ["11", "12", "51", "92"],
        "91",
    )
    body = head.astype(object) + np.asarray(area).astype(str).astype(object) + _org_codes(rng, n)
    idx = np.array([[USCC_ALPHABET.index(c) for c in b] for b in body], dtype=np.int64).reshape(
        n, 17
    )
    check = np.array(list(USCC_ALPHABET))[(31 - (idx @ USCC_WEIGHTS) % 31) % 31]
    return body + check.astype(object)


def uscc_check(body17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]
