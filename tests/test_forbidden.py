"""Forbidden shortcuts: found statically and by the sandbox's trap, attributed to entry points,
reported as the outcome ``forbidden``; an honest mention in a comment or a string is not a use."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from grader.bank import load_bank
from grader.grading import grade_sources
from grader.judge.forbidden import EVERYTHING, ForbiddenWatch, probe_names, scan
from grader.results import Outcome
from grader.sandbox.fake import FakeBackend
from grader.sandbox.process_backend import ProcessBackend
from grader.submission import SourceFile

from .conftest import MINI_BANK, ROOT

ATTENTION = ["torch.nn.functional.scaled_dot_product_attention", "torch.nn.MultiheadAttention"]
PARTS = ["scaled_dot_product_attention", "multi_head_attention"]
SDPA, MHA = ATTENTION


def affected(source: str) -> dict[str, list[int | None]]:
    watch = ForbiddenWatch(ATTENTION, PARTS, textwrap.dedent(source))
    return {name: sorted(f.line or 0 for f in found) for name, found in watch.affected.items()}


def names(source: str) -> set[str]:
    return {f.name for f in scan(textwrap.dedent(source), ATTENTION).findings}


@pytest.mark.parametrize("path", [ROOT / "reference" / "attention.py",
                                  ROOT / "exercises" / "attention" / "tests" / "alternative" / "torch_solution.py"])
def test_honest_solutions_are_clean(path):
    assert scan(path.read_text(), ATTENTION).findings == []


def test_names_in_comments_docstrings_and_strings_are_not_uses():
    assert names('''
        """Unlike torch.nn.functional.scaled_dot_product_attention, this is written by hand."""
        import torch
        import torch.nn.functional as F
        # torch.nn.MultiheadAttention would do it, but it is forbidden
        NOTE = "torch.nn.functional.scaled_dot_product_attention"
        def scaled_dot_product_attention(q, k, v, mask=None):
            """Not F.scaled_dot_product_attention."""
            return F.softmax(q @ k.T, dim=-1) @ v, None
    ''') == set()


@pytest.mark.parametrize("source", [
    "import torch\ndef f(q):\n    return torch.nn.functional.scaled_dot_product_attention(q, q, q)\n",
    "import torch.nn.functional as F\ndef f(q):\n    return F.scaled_dot_product_attention(q, q, q)\n",
    "from torch.nn import functional as F\ndef f(q):\n    return F.scaled_dot_product_attention(q, q, q)\n",
    "from torch.nn.functional import scaled_dot_product_attention as s\ndef f(q):\n    return s(q, q, q)\n",
    "import torch\nF = torch.nn.functional\ndef f(q):\n    return F.scaled_dot_product_attention(q, q, q)\n",
    "import torch\ndef f(q):\n    nn = torch.nn\n    g = nn.functional\n"
    "    return g.scaled_dot_product_attention(q, q, q)\n",
    "import torch\ndef f(q):\n    return getattr(torch.nn.functional, 'scaled_dot_product_attention')(q, q, q)\n",
    "import importlib\ndef f(q):\n"
    "    return importlib.import_module('torch.nn.functional').scaled_dot_product_attention(q, q, q)\n",
    "from importlib import import_module as im\ndef f(q):\n"
    "    return im('torch.nn.functional').scaled_dot_product_attention(q, q, q)\n",
    "def f(q):\n    return __import__('torch.nn.functional').nn.functional.scaled_dot_product_attention(q, q, q)\n",
    "import torch\ndef f(q):\n    return vars(torch.nn.functional)['scaled_dot_product_attention'](q, q, q)\n",
    "import torch\ndef f(q):\n    return torch.nn.functional.__dict__['scaled_dot_product_attention'](q, q, q)\n",
    "import sys\ndef f(q):\n    return sys.modules['torch.nn.functional'].scaled_dot_product_attention(q, q, q)\n",
    "import torch\ndef f(q, attend=torch.nn.functional.scaled_dot_product_attention):\n    return attend(q, q, q)\n",
    "import torch\ndef f(q):\n    return torch._C._nn.scaled_dot_product_attention(q, q, q)\n",
])
def test_every_static_route_to_the_oracle_is_found(source):
    assert names(source) == {SDPA}


@pytest.mark.parametrize("source", [
    "import torch\ndef f(e, h):\n    return torch.nn.MultiheadAttention(e, h)\n",
    "from torch import nn\nclass Mine(nn.MultiheadAttention):\n    pass\n",
    "from torch.nn import *\ndef f(e, h):\n    return MultiheadAttention(e, h)\n",
    "from torch.nn.modules.activation import MultiheadAttention as M\ndef f(e, h):\n    return M(e, h)\n",
    "import torch\ndef f(e, h):\n    return torch.ao.nn.quantizable.MultiheadAttention(e, h)\n",  # a subclass
])
def test_classes_their_aliases_and_subclasses_are_found(source):
    assert names(source) == {MHA}


@pytest.mark.parametrize("source", [
    "import torch\ndef f(q):\n    return torch.ops.aten.scaled_dot_product_attention(q, q, q)\n",
    "import torch\ndef f(q):\n    return torch.ops.aten._scaled_dot_product_attention_math(q, q, q)[0]\n",
])
def test_look_alike_names_in_the_same_package_count(source):
    assert names(source) == {SDPA}


@pytest.mark.parametrize(("source", "how"), [
    ("import torch\ndef f(q):\n    return getattr(torch.nn.functional, 'scaled_' + 'dot')(q)\n", "getattr with a"),
    ("import torch\ndef f(q):\n    return [v for k, v in vars(torch.nn.functional).items()]\n", "vars() of"),
    ("import importlib\ndef f(q):\n    return importlib.import_module('torch' + '.nn')\n", "import_module of"),
    ("def f(q):\n    return eval('q' + '')\n", "eval of a computed string"),
    ("def f(q, g):\n    return g.__wrapped__(q)\n", "reading __wrapped__"),
    ("import importlib, torch\ndef f(q):\n    importlib.reload(torch.nn.functional)\n", "importlib.reload()"),
])
def test_code_that_hides_which_api_it_calls_counts_as_a_use(source, how):
    found = scan(source, ATTENTION).findings
    assert [f.hidden for f in found] == [True] and found[0].name.startswith(how) and found[0].where == "f"


def test_ordinary_dynamic_code_outside_the_forbidden_packages_is_fine():
    assert names('''
        import numpy as np
        def f(x, kind="float64"):
            return getattr(np, kind)(x), getattr(x, "shape"), eval("1")
    ''') == set()


def test_a_use_counts_against_its_entry_point_and_those_that_call_it():
    assert affected('''
        import torch
        def _project(x, w):
            return x @ w.T
        def scaled_dot_product_attention(q, k, v, mask=None):
            return torch.nn.functional.scaled_dot_product_attention(q, k, v), None
        def multi_head_attention(query, *rest):
            return scaled_dot_product_attention(_project(query, query), query, query)
    ''') == {"scaled_dot_product_attention": [6], "multi_head_attention": [6]}
    only_mha = affected('''
        import torch
        def scaled_dot_product_attention(q, k, v, mask=None):
            return q, k
        def multi_head_attention(query, key, value, heads, *rest):
            layer = torch.nn.MultiheadAttention(query.shape[-1], heads, batch_first=True)
            return layer(query, key, value)
    ''')
    assert only_mha == {"multi_head_attention": [6]}


def test_uses_that_no_entry_point_reaches_by_name_count_against_all():
    hidden_helper = affected('''
        import torch
        def _helper(q):
            return torch.nn.functional.scaled_dot_product_attention(q, q, q)
        def scaled_dot_product_attention(q, k, v, mask=None):
            return globals()["_hel" + "per"](q), None
    ''')
    assert hidden_helper[EVERYTHING] == [4]
    at_import = affected("import torch\nRESULT = print(torch.nn.functional.scaled_dot_product_attention)\n")
    assert at_import[EVERYTHING] == [2]
    imported_for_later = affected("from torch.nn.functional import scaled_dot_product_attention as _s\n")
    assert imported_for_later[EVERYTHING] == [1]


def test_a_main_block_never_runs_when_graded():
    assert names('''
        def scaled_dot_product_attention(q, k, v, mask=None):
            return q, k
        if __name__ == "__main__":
            import torch
            print(torch.nn.functional.scaled_dot_product_attention)
    ''') == set()


def test_probes_name_the_entry_points_they_drive():
    probes = probe_names(textwrap.dedent('''
        def decode(candidate, table):
            return candidate.beam_search_decode(table)
        def both(candidate, x):
            return getattr(candidate, "a")(x), candidate.b(x)
        def anything(candidate, name):
            return getattr(candidate, name)()
    '''))
    assert probes["decode"] == {"beam_search_decode"}
    assert "b" in probes["both"] and EVERYTHING in probes["anything"]


def test_only_the_tests_of_an_affected_entry_point_lose_their_points():
    from grader.results import TestResult

    watch = ForbiddenWatch(ATTENTION, PARTS, "import torch\ndef multi_head_attention(*a):\n"
                                             "    return torch.nn.MultiheadAttention(4, 2)\n")
    results = []
    for called in (["scaled_dot_product_attention"], ["multi_head_attention"], []):
        watch.begin_test()
        for name in called:
            watch.touch("call", name)
        watch.end_test()
        results.append(TestResult("t", Outcome.PASSED, 1.0, 1.0))
    watch.apply(results)
    assert [r.outcome for r in results] == [Outcome.PASSED, Outcome.FORBIDDEN, Outcome.PASSED]
    assert results[1].points == 0 and "torch.nn.MultiheadAttention used at line 3, in multi_head_attention" in (
        results[1].message)


def test_trap_reports_are_checked_before_they_count():
    watch = ForbiddenWatch(ATTENTION, PARTS, "def scaled_dot_product_attention(q, k, v):\n    return q\n")
    watch.begin_test()
    watch.touch("call", "scaled_dot_product_attention")
    watch.observed([{"name": "os.system", "line": 2}, "junk", {"name": SDPA, "line": "2"}] * 100, "call", "x")
    assert all(f.name == SDPA for fs in watch.affected.values() for f in fs)
    watch.observed([{"name": SDPA, "line": 2}], "call", "scaled_dot_product_attention")
    assert [f.runtime for f in watch.affected["scaled_dot_product_attention"]][-1] is True


# -- end to end ----------------------------------------------------------------------------------


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    """The mini bank's adder, forbidding operator.add."""
    folder = tmp_path / "bank"
    shutil.copytree(MINI_BANK, folder)
    toml = folder / "adder" / "exercise.toml"
    toml.write_text(toml.read_text().replace("[limits]", 'forbidden = ["operator.add"]\n\n[limits]'))
    return folder


def grade_adder(bank: Path, source: str, backend=None):
    exercise = load_bank(bank)["adder"]
    return grade_sources("t", {"adder": SourceFile(None, source=textwrap.dedent(source))}, [exercise],
                         backend or FakeBackend(), seed=1).exercises[0]


HONEST_SCALE = "def scale(values, factor):\n    return [v * factor for v in values]\n"


def test_a_static_use_is_the_outcome_forbidden_in_its_entry_points_tests(bank):
    result = grade_adder(bank, "import operator\ndef add(a, b):\n    return operator.add(a, b)\n" + HONEST_SCALE)
    outcomes = {t.name: t.outcome for t in result.tests}
    assert outcomes == {"test_small_integers": Outcome.FORBIDDEN, "test_random_floats": Outcome.FORBIDDEN,
                        "test_rejects_strings": Outcome.FORBIDDEN, "test_scale": Outcome.PASSED}
    message = next(t.message for t in result.tests if t.outcome is Outcome.FORBIDDEN)
    assert "operator.add used at line 3, in add" in message and result.score == 3


def test_a_dynamic_use_is_caught_by_the_trap(bank):
    source = ('import sys\ndef add(a, b):\n    if not isinstance(a, (int, float)):\n        raise ValueError("no")\n'
              '    return [m for m in list(sys.modules.values()) if m.__name__ == "oper" + "ator"][0].add(a, b)\n'
              + HONEST_SCALE)
    assert grade_adder(bank, source).score == 10  # the fake sandbox has no trap: static evidence only
    result = grade_adder(bank, source, ProcessBackend())
    outcomes = {t.name: t.outcome for t in result.tests}
    assert outcomes["test_scale"] is Outcome.PASSED
    assert {outcomes[n] for n in outcomes if n != "test_scale"} == {Outcome.FORBIDDEN}
    assert "operator.add called at line 5, in add while this test ran (seen by the sandbox's trap)" in next(
        t.message for t in result.tests if t.outcome is Outcome.FORBIDDEN)


def test_the_library_calling_a_forbidden_function_is_not_the_candidate(bank):
    toml = bank / "adder" / "exercise.toml"
    toml.write_text(toml.read_text().replace('"operator.add"', '"os.path.join"'))
    source = ("import os\ndef add(a, b):\n    if isinstance(a, str) or isinstance(b, str):\n"
              "        raise ValueError('no')\n    os.path.abspath('x')  # calls os.path.join inside\n"
              "    return a + b\n" + HONEST_SCALE)
    assert grade_adder(bank, source, ProcessBackend()).score == 10
    caught = grade_adder(bank, source.replace("os.path.abspath('x')", "getattr(os.path, 'jo' + 'in')('x')"),
                         ProcessBackend())
    assert caught.score == 3


def test_the_candidate_kit_states_the_forbidden_apis(bank):
    from grader.integrations.kit import forbidden_rules

    assert forbidden_rules([load_bank(bank)["adder"]])[0].startswith("- Forbidden in `adder.py`: `operator.add`.")
    assert forbidden_rules([load_bank(MINI_BANK)["adder"]]) == []


def test_forbidden_is_its_own_outcome_in_every_format(bank):
    import base64
    import io
    import json

    from grader.reports import WRITERS

    result = grade_sources("t", {"adder": SourceFile(None, source="import operator\ndef add(a, b):\n"
                                                                   "    return operator.add(a, b)\n" + HONEST_SCALE)},
                           [load_bank(bank)["adder"]], FakeBackend(), seed=1)
    for name, write in WRITERS.items():
        buffer = io.StringIO()
        write(result, buffer)
        text = buffer.getvalue()
        if name == "classroom":  # result=<base64 of the runner's JSON>
            text = base64.b64decode(text.strip().removeprefix("result=")).decode()
        assert "forbidden" in text.lower(), name
    data = json.loads(io.StringIO(_render(WRITERS["json"], result)).getvalue())
    assert {t["outcome"] for t in data["exercises"][0]["tests"]} == {"forbidden", "passed"}
    assert 'type="forbidden"' in _render(WRITERS["junit"], result)


def _render(write, result) -> str:
    import io

    buffer = io.StringIO()
    write(result, buffer)
    return buffer.getvalue()
