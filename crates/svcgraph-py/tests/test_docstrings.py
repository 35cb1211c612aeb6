"""Documentation: every function, class, method and property of the stubs has a docstring
(editors show the stubs' on hover), and its counterpart in the running module has one too
(``help()`` shows that), naming the same svcgraph exceptions.

Dunder methods (``__len__``, ``__contains__``, …) are not required to have one: they implement
a Python protocol (``len(g)``, ``x in g``) whose meaning Python documents, and the runtime's
``__doc__`` of a slot is CPython's own. ``__init__`` and ``__new__`` are the exception, since
they would carry a constructor's arguments (``Graph`` has none today). Module-level constants
(``SCHEMAS``, ``__version__``) are plain values whose ``__doc__`` is their type's, so only the
stubs document them."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Iterator, List, Tuple, Union

import svcgraph
from svcgraph import _svcgraph

# The stubs of the installed package, which is what the tests run against.
STUB = Path(svcgraph.__file__).parent / "_svcgraph.pyi"

Definition = Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef]
EXCEPTIONS = re.compile(
    r"\b(SvcgraphError|SourceError|AuthError|QueryError|InputError|OutputError)\b"
)


def needs_docstring(name: str) -> bool:
    is_dunder = name.startswith("__") and name.endswith("__")
    return not is_dunder or name in ("__init__", "__new__")


def definitions(
    body: List[ast.stmt], owner: Tuple[str, ...] = ()
) -> Iterator[Tuple[Tuple[str, ...], Definition]]:
    """Every function and class of the stubs, with its path (("Graph", "save"))."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            path = owner + (node.name,)
            yield path, node
            if isinstance(node, ast.ClassDef):
                yield from definitions(node.body, path)


def stub_definitions() -> List[Tuple[Tuple[str, ...], Definition]]:
    assert STUB.is_file(), f"{STUB} is not in the installed package"
    return list(definitions(ast.parse(STUB.read_text(encoding="utf-8")).body))


def runtime(path: Tuple[str, ...]) -> object:
    """The running module's object of a stub path; a property is its descriptor."""
    found: object = _svcgraph
    for name in path:
        found = vars(found)[name] if isinstance(found, type) else getattr(found, name)
    return found


def test_every_stub_definition_has_a_docstring() -> None:
    found = stub_definitions()
    assert len(found) > 20, "the stubs were not parsed"
    missing = [
        ".".join(path)
        for path, node in found
        if needs_docstring(node.name) and not (ast.get_docstring(node) or "").strip()
    ]
    assert not missing, f"no docstring in {STUB.name}: {', '.join(missing)}"


def test_the_running_module_documents_what_the_stubs_do() -> None:
    undocumented = []
    different = []
    for path, node in stub_definitions():
        if not needs_docstring(node.name):
            continue
        doc = getattr(runtime(path), "__doc__", None) or ""
        if not doc.strip():
            undocumented.append(".".join(path))
            continue
        # The stubs' docstrings are shorter; they must not promise other exceptions.
        stub_raises = set(EXCEPTIONS.findall(ast.get_docstring(node) or ""))
        runtime_raises = set(EXCEPTIONS.findall(doc))
        if stub_raises != runtime_raises:
            different.append(
                f"{'.'.join(path)} (stub {sorted(stub_raises)}, module {sorted(runtime_raises)})"
            )
    assert not undocumented, f"no __doc__ at run time: {', '.join(undocumented)}"
    assert not different, f"stub and module name different exceptions: {'; '.join(different)}"


def test_every_public_name_of_the_module_has_a_doc() -> None:
    assert (_svcgraph.__doc__ or "").strip()
    public = [name for name in dir(_svcgraph) if not name.startswith("_")]
    assert "Graph" in public and "load" in public
    undocumented = []
    for name in public:
        value = getattr(_svcgraph, name)
        if not callable(value):
            continue  # SCHEMAS: a tuple, documented in the stubs
        if not (value.__doc__ or "").strip():
            undocumented.append(name)
        if isinstance(value, type):
            for member, attribute in vars(value).items():
                if not member.startswith("__") and not (attribute.__doc__ or "").strip():
                    undocumented.append(f"{name}.{member}")
    assert not undocumented, f"no __doc__: {', '.join(undocumented)}"


def test_the_stubs_cover_every_public_name_of_the_module() -> None:
    # stubtest checks signatures too; this names what a docstring would be missing for.
    stubbed = {path for path, _ in stub_definitions()}
    for name in dir(_svcgraph):
        value = getattr(_svcgraph, name)
        if name.startswith("_") or not callable(value):
            continue
        assert (name,) in stubbed, f"{name} is not in {STUB.name}"
        if isinstance(value, type):
            for member in vars(value):
                if not member.startswith("_"):
                    assert (name, member) in stubbed, f"{name}.{member} is not in {STUB.name}"
