"""Oracles that hidden tests write out in numpy agree with the libraries they stand in for.

Some hidden tests compute scikit-learn's or scipy's result themselves rather than importing the
library: importing scikit-learn costs each grade about 0.8 s, more than the rest of a cosine grade.
These tests check each written-out oracle against the library on random data, on the cases the
hidden tests rely on (zero vectors and rows, negative and integer entries) and on many shapes, so
that the speed costs no trust.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from scipy.spatial.distance import cosine as scipy_cosine_distance
from sklearn.metrics.pairwise import cosine_similarity as sklearn_cosine

HIDDEN = Path(__file__).resolve().parent.parent / "exercises" / "cosine_similarity" / "tests" / "hidden"


def hidden_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"hidden_{name}", HIDDEN / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def matrices(rng: np.random.Generator) -> list[np.ndarray]:
    """Matrices of many shapes, some with zero rows, negative, integer-valued or widely scaled entries."""
    found = []
    for n, d in ((1, 1), (1, 5), (3, 1), (7, 4), (40, 33), (120, 300)):
        M = rng.normal(size=(n, d)) * rng.uniform(0.01, 100.0, size=(n, 1))
        if n > 2:
            M[rng.integers(n)] = 0.0
        found += [M, np.round(M * 10)]
    return found


@pytest.mark.parametrize("seed", range(5))
def test_matrix_oracle_is_scikit_learns(seed: int) -> None:
    oracle = hidden_module("test_cosine_matrix").oracle
    rng = np.random.default_rng(seed)
    for A in matrices(rng):
        B = rng.normal(size=(int(rng.integers(1, 30)), A.shape[1]))
        np.testing.assert_allclose(oracle(A, B), sklearn_cosine(A, B), rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(oracle(A), sklearn_cosine(A), rtol=1e-13, atol=1e-15)
        assert oracle(A, B).dtype == np.float64


@pytest.mark.parametrize("seed", range(5))
def test_pair_oracles_are_scikit_learns_and_scipys(seed: int) -> None:
    module = hidden_module("test_cosine_pair")
    rng = np.random.default_rng(seed)
    for dim in (1, 2, 3, 10, 50, 300):
        for _ in range(20):
            a, b = rng.normal(size=dim) * rng.uniform(0.1, 10.0), rng.normal(size=dim)
            expected = float(sklearn_cosine([a], [b])[0, 0])
            assert math.isclose(module.oracle(a, b), expected, rel_tol=1e-13, abs_tol=1e-15)
            assert math.isclose(module.fsum_similarity(a, b), 1.0 - scipy_cosine_distance(a, b),
                                rel_tol=1e-12, abs_tol=1e-14)
            assert isinstance(module.oracle(list(a), tuple(b)), float)
    zero = np.zeros(4)
    assert module.oracle(zero, np.ones(4)) == float(sklearn_cosine([zero], [np.ones(4)])[0, 0]) == 0.0
    assert module.oracle(zero, zero) == 0.0


@pytest.mark.parametrize("seed", range(5))
def test_neighbour_oracle_ranks_as_scikit_learn_does(seed: int) -> None:
    oracle = hidden_module("test_most_similar").oracle
    rng = np.random.default_rng(seed)
    words = [f"w{index}" for index in range(60)]
    embeddings = {w: rng.normal(size=8) for w in words}
    embeddings["w3"] = np.zeros(8)  # a zero vector: similarity 0 with everything
    for word in ("w0", "w3", "w59"):
        others = [w for w in words if w != word]
        scores = sklearn_cosine([embeddings[word]], [embeddings[w] for w in others])[0]
        expected = sorted(zip(others, scores.tolist(), strict=True), key=lambda pair: (-pair[1], pair[0]))
        got = oracle(word, embeddings)
        assert [w for w, _ in got] == [w for w, _ in expected]  # random vectors: no near ties but the zero's
        np.testing.assert_allclose([s for _, s in got], [s for _, s in expected], rtol=1e-13, atol=1e-15)
