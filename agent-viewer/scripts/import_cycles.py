#!/usr/bin/env python3
"""Finds import circles between the files of agent-viewer/src.

Each file is a node. A file depends on another when it names it through a `crate::…` path (in a `use`,
grouped `use crate::{a, b::c}` included, or inline as `crate::a::b`) or through `super::…`. A path is
resolved to the longest prefix that is a file (`crate::build::builder::Builder` → build/builder.rs);
`mod x;` declarations are the module tree, not dependencies. Prints every file's dependencies, then each
strongly connected group of more than one file (a circle), and exits 1 if there is one.

Usage: python3 agent-viewer/scripts/import_cycles.py [path/to/src]
"""

import os
import re
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
SRC = os.path.normpath(SRC)


def module_path(file):
    """`build/builder.rs` → ("build", "builder"); `build/mod.rs` → ("build",); `lib.rs` → ()."""
    parts = os.path.relpath(file, SRC)[:-3].split(os.sep)
    if parts[-1] in ("mod", "lib"):
        parts = parts[:-1]
    return tuple(parts)


TOKENS = re.compile(
    r"//[^\n]*"  # line comment
    r"|/\*.*?\*/"  # block comment
    r'|r(#*)".*?"\1'  # raw string
    r'|b?"(?:\\.|[^"\\])*"'  # string
    r"|b?'(?:\\.|[^\\'])'",  # char
    re.S,
)


def strip_comments_and_strings(text):
    return TOKENS.sub(lambda match: '""' if match.group(0).endswith(('"', "'")) else " ", text)


def expand_use(tree):
    """`a::{b, c::{d, e}}` → ["a::b", "a::c::d", "a::c::e"]."""
    tree = tree.strip()
    brace = tree.find("{")
    if brace < 0:
        return [tree]
    prefix, inner = tree[:brace], tree[brace + 1 : tree.rfind("}")]
    items, depth, start = [], 0, 0
    for index, char in enumerate(inner):
        depth += char == "{"
        depth -= char == "}"
        if char == "," and depth == 0:
            items.append(inner[start:index])
            start = index + 1
    items.append(inner[start:])
    return [path for item in items if item.strip() for path in expand_use(prefix + item.strip())]


def paths_in(text, own):
    """Every module path (a tuple) the file's code names."""
    found = []
    for use in re.findall(r"\buse\s+([^;]+);", text, flags=re.S):
        found.extend(expand_use(re.sub(r"\s+", "", use)))
    found.extend(re.findall(r"(?<![\w:])((?:crate|super|self|\w+)(?:::\w+)+)", text))
    resolved = []
    for path in found:
        parts = path.split("::")
        if parts[0] == "self":
            resolved.append(tuple(list(own) + parts[1:]))
        elif parts[0] not in ("crate", "super"):
            resolved.append(tuple(list(own) + parts))  # a child module (or another crate: not a file)
        elif parts[0] == "crate":
            resolved.append(tuple(parts[1:]))
        elif parts[0] == "super":
            base = list(own)
            while parts and parts[0] == "super":
                base = base[:-1]
                parts = parts[1:]
            resolved.append(tuple(base + parts))
    return resolved


def main():
    files = {}
    for root, _, names in os.walk(SRC):
        for name in names:
            if name.endswith(".rs"):
                path = os.path.join(root, name)
                files[module_path(path)] = os.path.relpath(path, SRC)
    graph = {}
    for module, file in sorted(files.items(), key=lambda item: item[1]):
        with open(os.path.join(SRC, file), encoding="utf-8") as source:
            text = strip_comments_and_strings(source.read())
        text = re.split(r"#\[cfg\(test\)\]\s*mod\s+tests", text)[0]
        deps = set()
        for path in paths_in(text, module):
            for length in range(len(path), 0, -1):
                target = files.get(path[:length])
                if target:
                    if target != file:
                        deps.add(target)
                    break
        graph[file] = sorted(deps)
    for file, deps in graph.items():
        print(f"{file:32} -> {', '.join(deps) if deps else '(nothing of the crate)'}")
    circles = strongly_connected(graph)
    print()
    if circles:
        for circle in circles:
            print("CIRCLE: " + " <-> ".join(sorted(circle)))
        sys.exit(1)
    print(f"no import circle among {len(graph)} files")


def strongly_connected(graph):
    index, low, stack, on_stack, result, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for dep in graph.get(node, []):
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in on_stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                result.append(group)

    sys.setrecursionlimit(10000)
    for node in graph:
        if node not in index:
            visit(node)
    return result


if __name__ == "__main__":
    main()
