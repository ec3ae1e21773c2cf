"""Forbidden shortcuts: an exercise's ``forbidden`` APIs, found in a submission and reported.

An exercise declares, in ``exercise.toml``, the APIs that would skip the point of the question
(its hidden tests' own oracles, for a start)::

    forbidden = ["torch.nn.functional.scaled_dot_product_attention", "torch.nn.MultiheadAttention"]

Two kinds of evidence, both gathered on the judge's side:

* **static**: :func:`scan` reads the submission's syntax tree, never runs it. It follows imports
  (``import a.b as x``, ``from a import b as c``, ``from a import *``), aliases (``F =
  torch.nn.functional``, anywhere in the file), attribute chains, ``getattr(x, "name")`` and
  ``vars(x)["name"]`` with constant strings, ``importlib.import_module("...")``, ``__import__``
  and ``sys.modules["..."]``; a name that is the same object as a forbidden one in the judge's
  own installation (``torch._C._nn.scaled_dot_product_attention``), or a subclass of a forbidden
  class, counts as that name. Names in comments, docstrings and other strings are not uses.
* **at run time**: the sandbox's worker wraps the forbidden callables before the submission
  loads and reports each call made from the submission's file. The sandbox is untrusted, so a
  reported call is evidence against the submission, and the absence of one proves nothing: a
  submission can unwrap the trap. Dynamic uses the static scan cannot see (names built from
  strings at run time) are what the trap is for.

Attribution: a use inside a top-level function or class counts against that entry point and
every entry point that refers to it by name. A use that runs at import time, or sits in code no
entry point refers to (reached some other way, if at all), cannot be attributed and counts
against all of them. ``if __name__ == "__main__":`` blocks never run when graded and are ignored.

Every hidden test that calls an affected entry point (directly, or through a probe whose source
names it) ends with the outcome ``forbidden`` and 0 points, with a message naming the API and the
line where it was found.
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import functools
import importlib
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from grader.results import Outcome, TestResult

EVERYTHING = "*"  # a use that cannot be attributed: it counts against every entry point
MODULE_LEVEL = "<module>"
MAIN_BLOCK = "<main>"
MAX_HITS = 50  # trap reports kept from one response
UNWRAPPING = frozenset({"__wrapped__", "__closure__", "cell_contents"})  # ways to undo the trap


@dataclasses.dataclass(frozen=True)
class Finding:
    """One use of a forbidden API, or of code that hides which API it reaches."""

    name: str  # the forbidden name, as declared; or what hides the API ("exec of a computed string")
    line: int | None
    where: str  # the top-level function or class it is in, or MODULE_LEVEL
    runtime: bool = False  # reported by the sandbox's trap rather than found in the source
    hidden: bool = False  # code the grader cannot check, in an exercise that forbids APIs

    def describe(self) -> str:
        line = f"line {self.line}" if self.line else "an unknown line"
        place = "" if self.where in (MODULE_LEVEL, EVERYTHING) else f", in {self.where}"
        if self.hidden:
            return f"{self.name} at {line}{place}: code that hides which API it calls"
        if self.runtime:
            return f"{self.name} called at {line}{place} while this test ran (seen by the sandbox's trap)"
        return f"{self.name} used at {line}{place}"


# --- static scan --------------------------------------------------------------------------------


@dataclasses.dataclass
class Scan:
    """What :func:`scan` found, and what each top-level name of the submission refers to."""

    findings: list[Finding]
    refers: dict[str, set[str]]  # top-level name -> the top-level names it mentions
    spans: list[tuple[int, int, str]]  # (first line, last line, top-level name)

    def owner(self, line: int | None) -> str:
        """The top-level function or class that holds ``line`` (MODULE_LEVEL for none)."""
        for first, last, name in self.spans:
            if line is not None and first <= line <= last:
                return name
        return MODULE_LEVEL


def scan(source: str, forbidden: Sequence[str]) -> Scan:
    """Every use of a ``forbidden`` name in ``source``, with the top-level name it is in."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return Scan([], {}, [])  # the sandbox reports the syntax error; nothing can run
    scanner = _Scanner(tree, tuple(forbidden))
    return Scan(scanner.findings(), scanner.refers, scanner.spans)


class _Scanner:
    def __init__(self, tree: ast.Module, forbidden: tuple[str, ...]) -> None:
        self.tree = tree
        self.forbidden = forbidden
        self.aliases: dict[str, set[str]] = {}  # local name -> dotted paths it may hold
        self.star: list[str] = []  # modules imported with *
        self.bound: set[str] = set()  # every name the file binds (for `from x import *`)
        self.owners: dict[int, str] = {}  # id(node) -> top-level name (or MODULE_LEVEL/MAIN_BLOCK)
        self.refers: dict[str, set[str]] = {}
        self.spans: list[tuple[int, int, str]] = []
        # `vars(m)["name"]`: a constant key, resolved like an attribute (not hiding anything)
        self.keyed = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Subscript)
                      and isinstance(_constant(n.slice), str)}
        self._assign_owners()
        self._collect_bindings()

    # -- who owns which node -----------------------------------------------------------------

    def _assign_owners(self) -> None:
        main_ok = not any(isinstance(n, ast.Name) and n.id == "__name__" and isinstance(n.ctx, ast.Store)
                          for n in ast.walk(self.tree))
        for statement in self._top_statements(self.tree.body):
            owner = self._owner_of(statement, main_ok)
            if owner not in (MODULE_LEVEL, MAIN_BLOCK):
                end = getattr(statement, "end_lineno", statement.lineno) or statement.lineno
                first = min([statement.lineno] + [d.lineno for d in getattr(statement, "decorator_list", [])])
                self.spans.append((first, end, owner))
            for node in ast.walk(statement):
                self.owners[id(node)] = owner
            if owner not in (MODULE_LEVEL, MAIN_BLOCK):
                self.refers.setdefault(owner, set()).update(
                    n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                )

    def _top_statements(self, body: list[ast.stmt]) -> Iterable[ast.stmt]:
        """Module-level statements, looking inside module-level if/try/with blocks (not into main)."""
        for statement in body:
            if isinstance(statement, (ast.If, ast.Try, ast.With)) and not _is_main_block(statement):
                yield from self._top_statements(_children(statement))
            else:
                yield statement

    def _owner_of(self, statement: ast.stmt, main_ok: bool) -> str:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return statement.name
        if main_ok and _is_main_block(statement):
            return MAIN_BLOCK
        targets = _simple_targets(statement)
        if len(targets) == 1:  # `x = ...`, `import a as x`: the statement defines x
            return targets[0]
        if targets and isinstance(statement, (ast.Assign, ast.Import, ast.ImportFrom)):
            name = "=".join(targets)  # `a = b = f` or `import x, y`: one statement, several names
            for target in targets:
                self.refers.setdefault(target, set()).add(name)
            return name
        return MODULE_LEVEL

    # -- aliases -----------------------------------------------------------------------------

    def _collect_bindings(self) -> None:
        assignments: list[tuple[str, ast.expr]] = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    self._alias(local, alias.name if alias.asname else alias.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if alias.name == "*":
                        self.star.append(node.module)
                    else:
                        self._alias(alias.asname or alias.name, f"{node.module}.{alias.name}")
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    assignments += _pairs(target, node.value)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                args = node.args
                positional = args.posonlyargs + args.args
                assignments += [(a.arg, d) for a, d in zip(positional[::-1], args.defaults[::-1], strict=False)]
                assignments += [(a.arg, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d]
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                self.bound.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.bound.add(node.name)
            elif isinstance(node, ast.arg):
                self.bound.add(node.arg)
        for _ in range(8):  # aliases of aliases: a fixpoint, bounded
            before = sum(len(v) for v in self.aliases.values())
            for name, value in assignments:
                for path in self.resolve(value):
                    self._alias(name, path)
            if sum(len(v) for v in self.aliases.values()) == before:
                break

    def _alias(self, name: str, path: str) -> None:
        paths = self.aliases.setdefault(name, set())
        if len(paths) < 32:
            paths.add(path)
        self.bound.add(name)

    def resolve(self, node: ast.AST, depth: int = 0) -> set[str]:
        """The dotted paths an expression may evaluate to, as far as the source shows."""
        if depth > 30:
            return set()
        if isinstance(node, ast.Name):
            paths = set(self.aliases.get(node.id, ()))
            if node.id not in self.bound and not hasattr(builtins, node.id):
                paths |= {f"{module}.{node.id}" for module in self.star}
            if node.id in ("getattr", "__import__", "vars", "dir", "eval", "exec", "compile") and (
                node.id not in self.bound
            ):
                paths.add(f"builtins.{node.id}")
            return paths
        if isinstance(node, ast.Attribute):
            return {f"{path}.{node.attr}" for path in self.resolve(node.value, depth + 1)}
        if isinstance(node, ast.Call):
            return self._resolve_call(node, depth)
        if isinstance(node, ast.Subscript) and isinstance(_constant(node.slice), str):
            key = _constant(node.slice)
            if isinstance(node.value, ast.Call) and "builtins.vars" in self.resolve(node.value.func, depth + 1):
                return {f"{p}.{key}" for arg in node.value.args[:1] for p in self.resolve(arg, depth + 1)}
            if isinstance(node.value, ast.Attribute) and node.value.attr == "__dict__":
                return {f"{p}.{key}" for p in self.resolve(node.value.value, depth + 1)}
            if "sys.modules" in self.resolve(node.value, depth + 1):
                return {key}
        return set()

    def _resolve_call(self, node: ast.Call, depth: int) -> set[str]:
        functions = self.resolve(node.func, depth + 1)
        first = _constant(node.args[0]) if node.args else None
        if "builtins.getattr" in functions and len(node.args) >= 2 and isinstance(_constant(node.args[1]), str):
            return {f"{p}.{_constant(node.args[1])}" for p in self.resolve(node.args[0], depth + 1)}
        if isinstance(first, str) and functions & {"importlib.import_module", "builtins.__import__"}:
            return {first, first.split(".")[0]}
        return set()

    # -- uses ----------------------------------------------------------------------------------

    def findings(self) -> list[Finding]:
        found: dict[tuple[str, int, str], Finding] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.Name, ast.Attribute)) and not isinstance(node.ctx, ast.Load):
                continue
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                paths = self._imported(node)
            elif isinstance(node, (ast.Name, ast.Attribute, ast.Call, ast.Subscript)):
                paths = self.resolve(node)
            else:
                continue
            owner = self.owners.get(id(node), MODULE_LEVEL)
            if owner == MAIN_BLOCK:
                continue
            line = getattr(node, "lineno", None)
            for name in _matches(paths, self.forbidden):
                found.setdefault((name, line or 0, owner), Finding(name, line, owner))
            hiding = self._hiding(node)
            if hiding:
                found.setdefault((hiding, line or 0, owner), Finding(hiding, line, owner, hidden=True))
        return list(found.values())

    def _hiding(self, node: ast.AST) -> str | None:
        """Code that reaches an API by a name computed at run time, or undoes the sandbox's trap.

        Honest solutions have no use for it, and it would let a forbidden API through unseen, so
        in an exercise that forbids APIs it counts as a use of them."""
        if isinstance(node, ast.Attribute) and node.attr in UNWRAPPING:
            return f"reading {node.attr}"
        if not isinstance(node, ast.Call):
            return None
        functions = self.resolve(node.func)
        computed = not node.args or not isinstance(_constant(node.args[0]), str)
        if functions & {"builtins.eval", "builtins.exec", "builtins.compile"} and computed:
            return f"{sorted(functions)[0].split('.')[-1]} of a computed string"
        if functions & {"importlib.import_module", "builtins.__import__"} and computed:
            return f"{sorted(functions)[0].split('.')[-1]} of a computed module"
        if functions & {"gc.get_objects", "gc.get_referents", "gc.get_referrers", "importlib.reload", "inspect.unwrap"}:
            return f"{sorted(functions)[0]}()"
        if not node.args or not self._in_forbidden_package(node.args[0]):
            return None
        if "builtins.getattr" in functions and not (len(node.args) > 1 and isinstance(_constant(node.args[1]), str)):
            return "getattr with a computed name"
        if functions & {"builtins.vars", "builtins.dir", "inspect.getmembers"} and id(node) not in self.keyed:
            return f"{sorted(functions)[0].split('.')[-1]}() of a module that holds a forbidden API"
        return None

    def _in_forbidden_package(self, node: ast.AST) -> bool:
        tops = {name.split(".")[0] for name in self.forbidden}
        return any(path.split(".")[0] in tops for path in self.resolve(node))

    def _imported(self, node: ast.Import | ast.ImportFrom) -> set[str]:
        if isinstance(node, ast.Import):
            return {alias.name for alias in node.names}
        if node.module and not node.level:
            return {f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*"}
        return set()


def _is_main_block(statement: ast.stmt) -> bool:
    if not isinstance(statement, ast.If) or not isinstance(statement.test, ast.Compare):
        return False
    test = statement.test
    return (isinstance(test.left, ast.Name) and test.left.id == "__name__" and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq) and _constant(test.comparators[0]) == "__main__")


def _children(statement: ast.stmt) -> list[ast.stmt]:
    blocks = [getattr(statement, field, []) for field in ("body", "orelse", "finalbody")]
    blocks += [handler.body for handler in getattr(statement, "handlers", [])]
    return [s for block in blocks for s in block]


def _simple_targets(statement: ast.stmt) -> list[str]:
    if isinstance(statement, ast.Assign):
        return [t.id for t in statement.targets if isinstance(t, ast.Name)]
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return [statement.target.id]
    if isinstance(statement, ast.Import):
        return [a.asname or a.name.split(".")[0] for a in statement.names]
    if isinstance(statement, ast.ImportFrom):
        return [a.asname or a.name for a in statement.names if a.name != "*"]
    return []


def _pairs(target: ast.expr, value: ast.expr) -> list[tuple[str, ast.expr]]:
    """(name, expression) for `x = e` and element-wise for `a, b = e1, e2`."""
    if isinstance(target, ast.Name):
        return [(target.id, value)]
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)):
        return [pair for t, v in zip(target.elts, value.elts, strict=False) for pair in _pairs(t, v)]
    return []


def _constant(node: ast.AST) -> Any:
    return node.value if isinstance(node, ast.Constant) else None


def _matches(paths: set[str], forbidden: tuple[str, ...]) -> list[str]:
    """The forbidden names among ``paths``: by name, by a look-alike name in the same package
    (``torch.ops.aten.scaled_dot_product_attention``, ``torch._native_multi_head_attention``), or
    by identity in the judge's installation (``torch._C._nn.scaled_dot_product_attention``)."""
    found = []
    for name in forbidden:
        if any(path == name or path.startswith(name + ".") or _look_alike(path, name) for path in paths):
            found.append(name)
        elif any(_same_object(path, name) for path in paths if _worth_loading(path, name)):
            found.append(name)
    return found


def _look_alike(path: str, name: str) -> bool:
    """``path`` is in ``name``'s package and one of its parts contains ``name``'s last part,
    spelling aside (case, underscores): another door to the same computation, or an attribute of
    it. Names under six letters do not count."""
    wanted = name.split(".")[-1].replace("_", "").lower()
    if len(wanted) < 6 or path.split(".")[0] != name.split(".")[0]:
        return False
    return any(wanted in part.replace("_", "").lower() for part in path.split(".")[1:])


def _worth_loading(path: str, name: str) -> bool:
    """Only paths that could be another name for ``name`` are looked up: same package, same last
    part (``torch._C._nn.scaled_dot_product_attention``). The judge imports nothing the candidate
    names, and looks each path up once."""
    return path != name and path.split(".")[0] == name.split(".")[0] and path.split(".")[-1] == name.split(".")[-1]


@functools.lru_cache(maxsize=4096)
def _same_object(path: str, name: str) -> bool:
    wanted = _declared_object(name)
    if wanted is None:
        return False
    found = _existing_object(path)
    if found is None:
        return False
    if found is wanted:
        return True
    return isinstance(found, type) and isinstance(wanted, type) and issubclass(found, wanted)


_DECLARED: dict[str, Any] = {}


def _declared_object(name: str) -> Any:
    """The object a forbidden name (from the bank, trusted) denotes here, importing its module."""
    if name not in _DECLARED:
        _DECLARED[name] = None
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                obj: Any = importlib.import_module(".".join(parts[:cut]))
            except Exception:  # noqa: BLE001 - not a module, or not installed on the judge
                continue
            _DECLARED[name] = _attributes(obj, parts[cut:])
            break
    return _DECLARED[name]


def _existing_object(path: str) -> Any:
    """The object a candidate's path denotes among modules already imported (never importing)."""
    parts = path.split(".")[:12]
    for cut in range(len(parts), 0, -1):
        module = sys.modules.get(".".join(parts[:cut]))
        if module is not None:
            return _attributes(module, parts[cut:])
    return None


def _attributes(obj: Any, names: Sequence[str]) -> Any:
    for name in names:
        try:
            obj = getattr(obj, name)
        except Exception:  # noqa: BLE001 - a missing or odd attribute: not the same object
            return None
    return obj


def probe_names(source: str) -> dict[str, set[str]]:
    """For each function of a probes.py (trusted, the bank's), the candidate's names it uses:
    ``candidate.NAME`` and ``getattr(candidate, "NAME")`` on its first parameter. A probe that
    uses its candidate any other way may call anything: {EVERYTHING}."""
    names: dict[str, set[str]] = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.FunctionDef) or not node.args.args:
            continue
        candidate = node.args.args[0].arg
        used: set[str] = set()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == candidate:
                used.add(sub.attr)
            elif isinstance(sub, ast.Name) and sub.id == candidate and not _is_attribute_base(node, sub):
                used.add(EVERYTHING)
        names[node.name] = used
    return names


def _is_attribute_base(tree: ast.AST, name: ast.Name) -> bool:
    return any(isinstance(n, ast.Attribute) and n.value is name for n in ast.walk(tree))


# --- the judge's bookkeeping --------------------------------------------------------------------


class ForbiddenWatch:
    """One exercise's evidence, and which of the submission's names each hidden test touched.

    The proxy reports each request (:meth:`touch`) and the trap's reports in its response
    (:meth:`observed`); the plugin brackets each test (:meth:`begin_test`, :meth:`end_test`); the
    runner rewrites the results at the end (:meth:`apply`), so that a use seen in a later test
    still costs an earlier test of the same entry point its points.
    """

    def __init__(self, forbidden: Sequence[str], parts: Sequence[str], source: str,
                 probes_source: str | None = None) -> None:
        self.forbidden = tuple(forbidden)
        self.parts = set(parts)
        self.scan = scan(source, self.forbidden) if self.forbidden else Scan([], {}, [])
        self.probes = probe_names(probes_source) if probes_source and self.forbidden else {}
        self.located: dict[str, list[Finding]] = {}  # where a use is (EVERYTHING: cannot be attributed)
        self.direct: dict[str, list[Finding]] = {}  # run-time uses outside any function, by the name called
        self._reach: dict[str, set[str]] = {}
        for finding in self.scan.findings:
            self._locate(finding, finding.where)
        self.touched: list[set[str]] = []
        self._current: set[str] = set()

    def reach(self, name: str) -> set[str]:
        """``name`` and every top-level name it mentions, and they mention, and so on. One walk
        per name asked for (the entry points, mostly): bounded work whatever the source."""
        if name not in self._reach:
            seen, pending = {name}, [name]
            while pending:
                for mentioned in self.scan.refers.get(pending.pop(), ()):
                    if mentioned not in seen:
                        seen.add(mentioned)
                        pending.append(mentioned)
            self._reach[name] = seen
        return self._reach[name]

    def _locate(self, finding: Finding, where: str) -> None:
        """A use in ``where``; against all entry points when none reaches it by name (it runs at
        import time, or is reached some hidden way)."""
        if where in (MODULE_LEVEL, EVERYTHING) or not any(where in self.reach(part) for part in self.parts):
            where = EVERYTHING
        self.located.setdefault(where, []).append(finding)

    def evidence_of(self, name: str) -> list[Finding]:
        """The uses ``name`` reaches (not counting those against every entry point)."""
        return [f for where in self.reach(name) if where != EVERYTHING for f in self.located.get(where, ())] + (
            self.direct.get(name, []))

    @property
    def affected(self) -> dict[str, list[Finding]]:
        """The evidence against each entry point (and against all of them, under EVERYTHING)."""
        found = {name: self.evidence_of(name) for name in self.parts | set(self.direct)}
        found[EVERYTHING] = self.located.get(EVERYTHING, [])
        return {name: evidence for name, evidence in found.items() if evidence}

    # -- fed by the proxy and the plugin -------------------------------------------------------

    def touch(self, op: str, name: str) -> None:
        """A request of the current test: a call of ``name``, or the probe ``name``."""
        self._current |= self._names(op, name)

    def _names(self, op: str, name: str) -> set[str]:
        if op == "call":
            return {name}
        if op == "probe":
            return self.probes.get(name, {EVERYTHING})
        return set(self._current)  # a handle's method: the test's earlier calls made the handle

    def observed(self, hits: Any, op: str, name: str) -> None:
        """The trap's reports in one response (untrusted: checked, capped, taken as evidence)."""
        if not isinstance(hits, list) or not self.forbidden:
            return
        for hit in hits[:MAX_HITS]:
            if not isinstance(hit, dict) or hit.get("name") not in self.forbidden:
                continue
            line = hit.get("line") if type(hit.get("line")) is int else None
            where = EVERYTHING if op == "load" else self.scan.owner(line)
            finding = Finding(hit["name"], line, where, runtime=True)
            if where == MODULE_LEVEL:  # not in any function (code made at run time): this request's names
                for target in self._names(op, name) or {EVERYTHING}:
                    self.direct.setdefault(target, []).append(finding)
            else:
                self._locate(finding, where)

    def begin_test(self) -> None:
        self._current = set()

    def end_test(self) -> None:
        self.touched.append(self._current)

    # -- the verdict -----------------------------------------------------------------------------

    def evidence_for(self, names: set[str]) -> list[Finding]:
        """The findings that cost a test that touched ``names`` its points."""
        if not names:
            return []
        found = list(self.located.get(EVERYTHING, [])) + self.direct.get(EVERYTHING, [])
        for name in names - {EVERYTHING}:
            found += self.evidence_of(name)
        if EVERYTHING in names:  # a probe that may call anything
            found += [f for fs in [*self.located.values(), *self.direct.values()] for f in fs]
        return list(dict.fromkeys(found))

    def apply(self, results: list[TestResult]) -> None:
        """Every test that touched an affected name ends as ``forbidden``, with 0 points."""
        for result, names in zip(results, self.touched, strict=False):
            evidence = self.evidence_for(names)
            if evidence:
                result.outcome, result.points = Outcome.FORBIDDEN, 0.0
                result.message = forbidden_message(evidence, self.forbidden)


def forbidden_message(evidence: Sequence[Finding], forbidden: Sequence[str]) -> str:
    """What the candidate reads: which forbidden API (or hiding code), where."""
    lines = "; ".join(f.describe() for f in evidence[:5])
    more = f" (and {len(evidence) - 5} more)" if len(evidence) > 5 else ""
    return (f"forbidden: {lines}{more}. This exercise forbids {', '.join(forbidden)}, and code that hides "
            "which API it calls: implement it yourself (the statement says what is allowed).")
