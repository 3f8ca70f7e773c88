#!/usr/bin/env python3
"""Import circles between the files of visitor-wasm/src.

Every `use crate::…`, `use super::…`, `use self::…` (use trees with braces included) and every inline
`crate::a::b` path in a file is resolved to the file of the longest module prefix it names (`crate::tree::mask::
Masking` → `tree/mask.rs`, `crate::changed` → `lib.rs`). `mod` declarations are not imports. The checker prints
each file's imports, then every import circle (strongly connected set of files), and exits 1 if there is one.

Usage: python3 visitor-wasm/check_cycles.py [SRC_DIR]   (default: the src/ beside this script)
"""

import os
import re
import sys


def module_of(path, src):
    """The module path of a source file: `tree/mask.rs` → ('tree', 'mask'); `tree/mod.rs` → ('tree',)."""
    rel = os.path.relpath(path, src)[: -len(".rs")].split(os.sep)
    if rel[-1] in ("mod", "lib"):
        rel = rel[:-1]
    return tuple(rel)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)  # string literals
    return re.sub(r"//[^\n]*", "", text)


def expand_use_tree(tree):
    """`a::{b, c::{d, self}}` → ['a::b', 'a::c::d', 'a::c']."""
    tree = tree.replace(" ", "").replace("\n", "")
    brace = tree.find("{")
    if brace < 0:
        return [tree[:-len("::self")] if tree.endswith("::self") else tree]
    prefix, inner = tree[:brace], tree[brace + 1 : tree.rfind("}")]
    parts, depth, current = [], 0, ""
    for char in inner:
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += char == "{"
        depth -= char == "}"
        current += char
    parts.append(current)
    paths = []
    for part in filter(None, parts):
        if part == "self":
            paths.append(prefix.rstrip(":"))
        else:
            paths.extend(expand_use_tree(prefix + part))
    return paths


def referenced_paths(text, module, children):
    """Absolute module paths (tuples, without `crate`) this file's text refers to; `children` are the names of
    the file's own child modules, which paths may name without `crate::` or `self::`."""
    found = []
    for tree in re.findall(r"\buse\s+((?:crate|super|self)::[^;]*);", text):
        found.extend(expand_use_tree(re.sub(r"\s+as\s+\w+", "", tree)))
    body = re.sub(r"\buse\s+[^;]*;", "", text)
    for path in re.findall(r"(?<![\w:])crate(?:::\w+)+", body):
        found.append(path)
    for child in children:
        for path in re.findall(r"(?<![\w:.])" + child + r"(?:::\w+)+", body):
            found.append("self::" + path)
    absolute = []
    for path in found:
        parts = path.split("::")
        if parts[0] == "crate":
            absolute.append(tuple(parts[1:]))
        elif parts[0] == "self":
            absolute.append(module + tuple(parts[1:]))
        elif parts[0] == "super":
            base = list(module)
            while parts and parts[0] == "super":
                base.pop()
                parts.pop(0)
            absolute.append(tuple(base) + tuple(parts))
    return absolute


def resolve(path, files_by_module):
    """The file of the longest module prefix of `path`."""
    for length in range(len(path), -1, -1):
        if path[:length] in files_by_module:
            return files_by_module[path[:length]]
    return None


def strongly_connected(graph):
    """Tarjan's algorithm: the strongly connected sets of `graph` (node → set of nodes)."""
    index, low, stack, on_stack, sets, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.append(member)
                if member == node:
                    break
            sets.append(sorted(members))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sets


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "src")
    files = sorted(
        os.path.join(root, name) for root, _, names in os.walk(src) for name in names if name.endswith(".rs")
    )
    files_by_module = {module_of(path, src): os.path.relpath(path, src) for path in files}
    graph = {}
    for path in files:
        name = os.path.relpath(path, src)
        with open(path, encoding="utf-8") as source:
            text = strip_comments(source.read())
        module = module_of(path, src)
        children = [m[-1] for m in files_by_module if len(m) == len(module) + 1 and m[: len(module)] == module]
        targets = {resolve(p, files_by_module) for p in referenced_paths(text, module, children)}
        graph[name] = {target for target in targets if target and target != name}
    for name in sorted(graph):
        print(f"{name:32} -> {', '.join(sorted(graph[name])) or '(nothing in the crate)'}")
    circles = [members for members in strongly_connected(graph) if len(members) > 1]
    print()
    if not circles:
        print(f"{len(graph)} files, {sum(map(len, graph.values()))} imports: no import circle")
        return 0
    for members in circles:
        print(f"import circle of {len(members)} files: {', '.join(members)}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
