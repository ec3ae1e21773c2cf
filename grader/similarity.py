"""Similarity flags: pairs of candidates whose code for one exercise is suspiciously alike.

Fingerprints are winnowed k-gram hashes, as in MOSS (Schleimer, Wilkerson and Aiken, "Winnowing:
local algorithms for document fingerprinting", SIGMOD 2003), taken by :mod:`grader.winnowing`:
names become placeholders, comments and layout go, so renaming and reformatting change nothing.
The exercise's stub is boilerplate: its hashes are removed from every file, so the scaffolding
everyone starts from does not count. Hashes that more than half of a large batch share are
idioms, not evidence, and are dropped too (MOSS's ``-m``).

Pairs are found through the shared hashes (a files-by-hashes product: dense for a small batch,
sparse for a large one), so the cost grows with the pairs that share code, not with all n(n-1)/2
of them; only those are compared exactly, which gives each file's share of code found in the
other (of its fingerprinted characters) and the matching regions (character offsets in each
file, for the report's side-by-side view). A pair's score is the larger share.

Every submission is also compared with the bank's reference and with the known public solutions
a team adds to a folder, and flagged when it is identical to one (up to comments, names,
strings and layout) or shares at least the threshold with it.

This is evidence for a person to look at, never a penalty: nothing here changes a score.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from typing import Any

NOISE = 25  # k-grams of 25 normalised characters (copydetect's default)...
GUARANTEE = 30  # ... and any shared run of 30 is found: a winnowing window of 30 - 25 + 1
THRESHOLD = 0.6  # a pair is flagged when one file has at least 60% of its code in the other...
MIN_OVERLAP = 100  # ... and they share at least 100 characters of filtered code (3 or 4 lines):
# two tiny files are alike by necessity, whoever wrote them
COMMON_SHARE = 0.5  # hashes in more than half of the files (of a batch of 20 or more) are idioms
COMMON_MIN_FILES = 20
MAX_COMPARED = 1500  # per exercise: the pairs, most alike first by shared fingerprints, compared exactly
MAX_PAIRS = 300  # flagged pairs kept for the report (best first); the others are counted
DENSE_CELLS = 4_000_000  # files x hashes up to which pairs are counted densely (16 MB), without scipy

Region = tuple[int, int]  # [start, end) character offsets in a file's text


@dataclasses.dataclass(frozen=True)
class PairMatch:
    """Two candidates' files for one exercise, and how much of each is found in the other."""

    exercise: str
    a: str  # candidate keys, a < b
    b: str
    share_a: float  # of a's code, the part found in b
    share_b: float
    overlap: int = 0  # characters of filtered code in common
    regions_a: tuple[Region, ...] = ()
    regions_b: tuple[Region, ...] = ()

    @property
    def score(self) -> float:
        return max(self.share_a, self.share_b)

    def other(self, key: str) -> str:
        return self.b if key == self.a else self.a

    def to_dict(self) -> dict[str, Any]:
        return {"exercise": self.exercise, "a": self.a, "b": self.b, "score": round(self.score, 4),
                "share_a": round(self.share_a, 4), "share_b": round(self.share_b, 4), "overlap": self.overlap,
                "regions_a": [list(r) for r in self.regions_a], "regions_b": [list(r) for r in self.regions_b]}


@dataclasses.dataclass(frozen=True)
class KnownMatch:
    """A candidate's file that matches a bank reference or a known public solution."""

    exercise: str
    candidate: str  # key
    source: str  # "the bank's reference", or the known solution's file name
    share: float  # of the candidate's code, the part found in the known solution
    identical: bool  # the same code up to comments, names, strings and layout
    regions: tuple[Region, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"exercise": self.exercise, "candidate": self.candidate, "source": self.source,
                "share": round(self.share, 4), "identical": self.identical}


@dataclasses.dataclass
class SimilarityReport:
    """Every flagged pair (best first) and every match with a known solution."""

    pairs: list[PairMatch]
    known: list[KnownMatch]
    threshold: float = THRESHOLD
    files: int = 0
    seconds: float = 0.0
    notes: list[str] = dataclasses.field(default_factory=list)
    more: int = 0  # flagged pairs left out of ``pairs`` (beyond MAX_PAIRS, or beyond MAX_COMPARED)

    def flagged(self) -> list[PairMatch]:
        return list(self.pairs)

    def best(self, key: str) -> PairMatch | None:
        """The candidate's most similar flagged pair."""
        return max((p for p in self.pairs if key in (p.a, p.b)), key=lambda p: p.score, default=None)

    def known_for(self, key: str) -> list[KnownMatch]:
        return [m for m in self.known if m.candidate == key]

    def to_dict(self) -> dict[str, Any]:
        return {"method": "winnowing (MOSS), the stub as boilerplate", "threshold": self.threshold,
                "files": self.files, "seconds": round(self.seconds, 3), "notes": self.notes, "more_pairs": self.more,
                "pairs": [p.to_dict() for p in self.flagged()], "known": [m.to_dict() for m in self.known]}


def warm_up() -> None:
    """Import numpy and the fingerprinting, and fingerprint a line once (a batch does it while it grades)."""
    from grader import winnowing

    winnowing.fingerprint("x = 1\n", NOISE, GUARANTEE - NOISE + 1)


def detect(files: Mapping[str, Mapping[str, str]], stubs: Mapping[str, str],
           known: Mapping[str, Sequence[tuple[str, str]]] | None = None, threshold: float = THRESHOLD,
           ) -> SimilarityReport:
    """Compare, exercise by exercise, every candidate's file with every other's and with the known ones.

    ``files``: exercise slug -> candidate key -> source text; ``stubs``: slug -> the stub's text;
    ``known``: slug -> (label, text) of the bank's reference and known public solutions.
    """
    started = time.monotonic()
    report = SimilarityReport([], [], threshold)
    for slug, by_candidate in files.items():
        _exercise(slug, by_candidate, stubs.get(slug, ""), (known or {}).get(slug, ()), report)
    report.pairs.sort(key=lambda p: (-p.score, p.exercise, p.a, p.b))
    report.more += max(0, len(report.pairs) - MAX_PAIRS)
    del report.pairs[MAX_PAIRS:]
    report.known.sort(key=lambda m: (not m.identical, -m.share, m.exercise, m.candidate))
    report.seconds = time.monotonic() - started
    return report


def _exercise(slug: str, by_candidate: Mapping[str, str], stub: str, known: Sequence[tuple[str, str]],
              report: SimilarityReport) -> None:
    boilerplate = _boilerplate(stub)
    prints = {}
    for key, text in sorted(by_candidate.items()):
        fingerprint = _fingerprint(text, f"{slug}/{key}", boilerplate, report)
        if fingerprint is not None and len(fingerprint.hashes) and fingerprint.coverage:
            prints[key] = fingerprint
    report.files += len(prints)
    candidates = _candidate_pairs(prints, threshold=0.8 * report.threshold)
    if len(candidates) > MAX_COMPARED:
        report.more += len(candidates) - MAX_COMPARED
        report.notes.append(f"{slug}: {len(candidates)} pairs share much of their code; the {MAX_COMPARED} most "
                            "alike were compared, the others are only counted")
    for a, b in candidates[:MAX_COMPARED]:
        pair = _compare(slug, a, b, prints[a], prints[b])
        if pair is not None and pair.score >= report.threshold and pair.overlap >= MIN_OVERLAP:
            report.pairs.append(pair)
    for label, text in known:
        other = _fingerprint(text, f"{slug}/{label}", boilerplate, report)
        if other is None or not len(other.hashes):
            continue
        for key, fingerprint in prints.items():
            match = _compare_known(slug, key, label, fingerprint, other)
            if match is not None and (match.identical or match.share >= report.threshold):
                report.known.append(match)


def _boilerplate(stub: str) -> Any:
    from grader import winnowing  # with numpy: imported by the batch's last step, or by warm_up()

    return winnowing.boilerplate(stub, NOISE) if stub.strip() else ()


def _fingerprint(text: str, name: str, boilerplate: Any, report: SimilarityReport) -> Any:
    from grader import winnowing

    try:
        return winnowing.fingerprint(text, NOISE, GUARANTEE - NOISE + 1, boilerplate)
    except Exception as exc:  # noqa: BLE001 - one odd file must not cost the batch its report
        report.notes.append(f"{name}: not fingerprinted ({type(exc).__name__}: {exc})")
        return None


def _candidate_pairs(prints: Mapping[str, Any], threshold: float) -> list[tuple[str, str]]:
    """The pairs that share at least ``threshold`` of the smaller file's fingerprints, most alike first."""
    import numpy as np

    keys = list(prints)
    if len(keys) < 2:
        return []
    index: dict[int, int] = {}
    rows, cols = [], []
    for row, key in enumerate(keys):
        for value in prints[key].distinct.tolist():
            rows.append(row)
            cols.append(index.setdefault(value, len(index)))
    held = _incidence(np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), len(keys), len(index))
    if len(keys) >= COMMON_MIN_FILES:
        spread = np.asarray(held.sum(axis=0)).ravel()
        held = held[:, np.flatnonzero(spread <= COMMON_SHARE * len(keys))]
    sizes = np.asarray(held.sum(axis=1)).ravel().astype(float)
    first, second, counts = _shared_counts(held)
    smaller = np.maximum(np.minimum(sizes[first], sizes[second]), 1.0)
    alike = counts / smaller
    chosen = np.flatnonzero(alike >= threshold)
    chosen = chosen[np.argsort(-alike[chosen], kind="stable")]
    return [(keys[first[i]], keys[second[i]]) for i in chosen]


def _incidence(rows: Any, cols: Any, files: int, hashes: int) -> Any:
    """Files by hashes, 1 where a file holds a hash: a dense array while it stays small (scipy's
    import costs more than a small batch's whole comparison), else a sparse matrix."""
    import numpy as np

    if files * hashes <= DENSE_CELLS:
        held = np.zeros((files, hashes), dtype=np.float32)  # float32 counts are exact below 2**24
        held[rows, cols] = 1.0
        return held
    from scipy import sparse

    return sparse.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(files, hashes))


def _shared_counts(held: Any) -> tuple[Any, Any, Any]:
    """For each pair of files (first < second) sharing a hash: the two rows and how many they share."""
    import numpy as np

    if isinstance(held, np.ndarray):
        shared = np.triu(held @ held.T, k=1)
        first, second = np.nonzero(shared)
        return first, second, shared[first, second]
    from scipy import sparse

    product = sparse.triu(held @ held.T, k=1).tocoo()
    return product.row, product.col, product.data


def _compare(slug: str, a: str, b: str, first: Any, second: Any) -> PairMatch | None:
    from grader import winnowing

    shared = winnowing.compare(first, second)
    if not shared.overlap_a:
        return None
    return PairMatch(slug, a, b, min(shared.share_a, 1.0), min(shared.share_b, 1.0), shared.overlap_a,
                     shared.regions_a, shared.regions_b)


def _compare_known(slug: str, key: str, label: str, fingerprint: Any, known: Any) -> KnownMatch | None:
    from grader import winnowing

    identical = fingerprint.code.text == known.code.text
    shared = winnowing.compare(fingerprint, known)
    if not identical and shared.overlap_a < MIN_OVERLAP:
        return None
    return KnownMatch(slug, key, label, 1.0 if identical else min(shared.share_a, 1.0), identical, shared.regions_a)
