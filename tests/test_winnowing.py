"""The fingerprints behind the batch report's similarity flags (grader.winnowing, grader.similarity).

What a reviewer relies on: renaming and reformatting do not hide a copy, a real change shows, any
text at all can be fingerprinted (a candidate's file need not parse), every shared run of
``k + window - 1`` normalised characters is found, and the regions shown point at the copied code
in each file's own text.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import similarity, winnowing

K, WINDOW = similarity.NOISE, similarity.GUARANTEE - similarity.NOISE + 1

ORIGINAL = '''\
import numpy as np


def cosine(a, b):
    """Cosine of two vectors."""
    norm_a = np.linalg.norm(a)
    norm_b = np.linalg.norm(b)
    if norm_a == 0 or norm_b == 0:
        return 0.0
    return float(np.dot(a, b) / (norm_a * norm_b))
'''

DISGUISED = '''\
import numpy as np
def similarity_of(first, second):  # renamed, reformatted, commented
    """Another docstring entirely."""
    n1 = np.linalg.norm(first)
    n2 = np.linalg.norm(second)
    if n1 == 0 or n2 == 0: return 0.0
    return float(np.dot(first, second) / (n1 * n2))
'''


def test_renaming_reformatting_and_comments_change_nothing_but_code_does() -> None:
    assert winnowing.normalise(ORIGINAL).text == winnowing.normalise(DISGUISED).text
    changed = DISGUISED.replace("n1 * n2", "n1 + n2")
    assert winnowing.normalise(changed).text != winnowing.normalise(ORIGINAL).text
    # A method named like a builtin is an attribute: x.sum() and x.mean() are the same shape of code.
    assert winnowing.normalise("y = x.sum()").text == winnowing.normalise("y = x.mean()").text
    assert winnowing.normalise("y = sum(x)").text != winnowing.normalise("y = mean(x)").text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_is_normalised_and_each_character_points_into_the_source(source: str) -> None:
    code = winnowing.normalise(source)
    assert len(code.starts) == len(code.ends) == len(code.text)
    assert np.all(code.starts >= 0) and np.all(code.ends <= len(source)) and np.all(code.starts < code.ends)
    assert np.all(np.diff(code.starts) > 0), "normalised characters keep the source's order"
    print_ = winnowing.fingerprint(source, K, WINDOW)
    assert 0 <= print_.coverage <= len(code.text)


@pytest.mark.parametrize("broken", ['s = "never closed\nx = 1\n', "t = '''runs to the end\n", "def f(:\n\x00\x01 ]]",
                                    "\\\\\\", "é = 1; ñ += é"])
def test_code_that_does_not_parse_is_fingerprinted_too(broken: str) -> None:
    code = winnowing.normalise(broken * 20)
    assert code.text and len(code.starts) == len(code.text)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 200), st.integers(0, 200))
def test_every_shared_run_of_the_guaranteed_length_is_found(seed: int, before: int, after: int) -> None:
    rng = random.Random(seed)
    letters = "+-*/()=<>[]%&|^~,:;{}"  # each its own token, kept as written: the text is its normalised text

    def noise(n: int) -> str:
        return "".join(rng.choice(letters) for _ in range(n))

    shared = noise(K + WINDOW - 1)
    a = winnowing.fingerprint(noise(before) + shared + noise(after), K, WINDOW)
    b = winnowing.fingerprint(noise(after) + shared, K, WINDOW)
    found = winnowing.compare(a, b)
    assert found.overlap_a >= K and found.overlap_b >= K
    run = (before, before + len(shared))
    assert any(start < run[1] and end > run[0] for start, end in found.regions_a), "a region lies on the shared run"


def test_winnowing_keeps_the_rightmost_smallest_hash_of_each_window() -> None:
    hashes = np.array([5, 3, 3, 7, 1, 9, 9, 2], dtype=np.int64)
    assert winnowing.winnow(hashes, 3).tolist() == [2, 4, 7]
    assert winnowing.winnow(hashes, 1).tolist() == list(range(8))
    assert winnowing.winnow(hashes[:2], 5).tolist() == [1]
    assert winnowing.winnow(np.array([], dtype=np.int64), 3).tolist() == []


def test_regions_point_at_the_copied_code_in_each_file() -> None:
    copied = ORIGINAL.split("def cosine", 1)[1]
    unrelated = "import math\n\n\ndef unrelated(x):\n    return [math.exp(v) ** 3 for v in x if v > 2]\n\n\n"
    mine = unrelated + "def cosine" + copied
    a = winnowing.fingerprint(mine, K, WINDOW)
    b = winnowing.fingerprint(ORIGINAL, K, WINDOW)
    found = winnowing.compare(a, b)
    start, end = max(found.regions_a, key=lambda r: r[1] - r[0])
    assert "np.linalg.norm(a)" in mine[start:end] and "unrelated" not in mine[start:end]
    start, end = max(found.regions_b, key=lambda r: r[1] - r[0])
    assert "np.linalg.norm(a)" in ORIGINAL[start:end]
    assert 0 < found.share_b <= 1 and found.share_a < found.share_b  # mine has code of its own


def test_the_stub_is_boilerplate_and_counts_for_nothing() -> None:
    stub = ORIGINAL
    plate = winnowing.boilerplate(stub, K)
    assert len(winnowing.fingerprint(DISGUISED, K, WINDOW, plate).hashes) == 0


def test_small_and_large_batches_find_the_same_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7)
    lines = [f"v{i} = np.dot(a[{i}], b) * {i} + c\n" for i in range(40)]
    files = {}
    for n in range(24):  # enough files for the common-hash rule to apply
        chosen = rng.sample(lines, 12)
        files[f"c{n:02d}"] = "".join(chosen)
    files["copy_of_c03"] = files["c03"].replace("v", "w")
    report = similarity.detect({"ex": files}, {"ex": ""})
    monkeypatch.setattr(similarity, "DENSE_CELLS", 0)  # scipy's sparse product, as for a large batch
    sparse = similarity.detect({"ex": files}, {"ex": ""})
    assert [(p.a, p.b, p.score) for p in report.pairs] == [(p.a, p.b, p.score) for p in sparse.pairs]
    assert ("c03", "copy_of_c03") in {(p.a, p.b) for p in report.pairs}
