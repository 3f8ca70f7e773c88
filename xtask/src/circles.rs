//! Import circles: no file of a crate may name, directly or through others, a file that names it.
//!
//! Each `.rs` file under a crate's `src/` is a node. A file depends on another when its code (comments,
//! strings and its `#[cfg(test)] mod tests` left out) names it by a path: `crate::a::b` (in a `use`,
//! grouped `use crate::{a, b::c}` included, or inline), `super::…`, or a child module's name. A path
//! resolves to the longest prefix that is a file; `mod x;` declarations are the module tree, not
//! dependencies. A circle is a strongly connected group of more than one file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path: `crate::build::builder` is `["build", "builder"]`; the crate root is `[]`.
type ModulePath = Vec<String>;

/// Every import circle among the files under `src`, each as its files (relative to `src`), sorted.
pub fn find(src: &Path) -> Result<Vec<Vec<String>>, String> {
    let files = rust_files(src)?;
    let by_module: BTreeMap<ModulePath, String> =
        files.iter().map(|file| (module_path(file), file.display().to_string())).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let text = std::fs::read_to_string(src.join(file)).map_err(|error| format!("{}: {error}", file.display()))?;
        let own = module_path(file);
        let name = file.display().to_string();
        let deps = graph.entry(name.clone()).or_default();
        for path in paths_named(&code_only(&text), &own) {
            let target = (0..=path.len()).rev().find_map(|length| by_module.get(&path[..length]));
            if let Some(target) = target.filter(|target| **target != name) {
                deps.insert(target.clone());
            }
        }
    }
    Ok(strongly_connected(&graph))
}

fn rust_files(src: &Path) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    let mut folders = vec![src.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|error| format!("{}: {error}", folder.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                found.push(path.strip_prefix(src).unwrap_or(&path).to_path_buf());
            }
        }
    }
    found.sort();
    Ok(found)
}

/// `build/builder.rs` → `[build, builder]`; `build/mod.rs` → `[build]`; `lib.rs`, `main.rs` → `[]`.
fn module_path(file: &Path) -> ModulePath {
    let mut parts: ModulePath =
        file.with_extension("").iter().map(|part| part.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

/// The text with comments, string and char literals blanked, and the test module cut off.
fn code_only(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < bytes.len() {
        let rest = &text[at..];
        let skip = if rest.starts_with("//") {
            rest.find('\n').unwrap_or(rest.len())
        } else if rest.starts_with("/*") {
            rest.find("*/").map_or(rest.len(), |end| end + 2)
        } else if rest.starts_with("r#\"") || rest.starts_with("r\"") {
            let hashes = rest[1..].bytes().take_while(|&b| b == b'#').count();
            let close = format!("\"{}", "#".repeat(hashes));
            rest[2 + hashes..].find(&close).map_or(rest.len(), |end| 2 + hashes + end + close.len())
        } else if rest.starts_with('"') {
            string_end(rest)
        } else if rest.starts_with('\'') && is_char_literal(rest) {
            rest[1..].find('\'').map_or(1, |end| end + 2)
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            at += c.len_utf8();
            continue;
        };
        out.push(' ');
        at += skip.max(1);
    }
    match out.find("#[cfg(test)]") {
        Some(test) if out[test..].trim_start_matches("#[cfg(test)]").trim_start().starts_with("mod ") => {
            out.truncate(test);
            out
        }
        _ => out,
    }
}

fn string_end(rest: &str) -> usize {
    let bytes = rest.as_bytes();
    let mut at = 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b'"' => return at + 1,
            _ => at += 1,
        }
    }
    bytes.len()
}

/// `'a'` or `'\n'`, not a lifetime (`'a`).
fn is_char_literal(rest: &str) -> bool {
    let mut chars = rest.chars().skip(1);
    matches!((chars.next(), chars.next()), (Some('\\'), _) | (Some(_), Some('\'')))
}

/// Every module path the code names, resolved against the file's own module `own`.
fn paths_named(code: &str, own: &ModulePath) -> Vec<ModulePath> {
    let mut paths = Vec::new();
    for statement in code.split(';') {
        if let Some(tree) =
            statement.trim_start().strip_prefix("pub ").unwrap_or(statement.trim_start()).strip_prefix("use ")
        {
            let compact: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
            paths.extend(expand_use(&compact));
        }
    }
    paths.extend(inline_paths(code));
    paths.into_iter().filter_map(|path| resolve(&path, own)).collect()
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand_use(tree: &str) -> Vec<String> {
    let Some(brace) = tree.find('{') else { return vec![tree.to_string()] };
    let (prefix, inner) = (&tree[..brace], &tree[brace + 1..tree.rfind('}').unwrap_or(tree.len())]);
    let (mut items, mut depth, mut start) = (Vec::new(), 0, 0);
    for (index, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items.into_iter().filter(|item| !item.is_empty()).flat_map(|item| expand_use(&format!("{prefix}{item}"))).collect()
}

/// `crate::a::b` and `super::a` paths written inline in code.
fn inline_paths(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(start).map(|at| at + from) {
            let before = code[..at].chars().next_back();
            from = at + start.len();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let end = code[at..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .map_or(code.len(), |end| at + end);
            let path = code[at..end].trim_end_matches(':');
            // `crate::{a, b}` is a grouped `use`, expanded with the `use` statements.
            if path.contains("::") {
                found.push(path.to_string());
            }
        }
    }
    found
}

fn resolve(path: &str, own: &ModulePath) -> Option<ModulePath> {
    let parts: Vec<&str> = path.split("::").filter(|part| !part.is_empty()).collect();
    let (&first, rest) = parts.split_first()?;
    let mut base = match first {
        "crate" => Vec::new(),
        "self" => own.clone(),
        "super" => own.clone(),
        _ => {
            let mut child = own.clone();
            child.push(first.to_string());
            child
        }
    };
    let mut rest = rest;
    if first == "super" {
        base.pop();
        while rest.first() == Some(&"super") {
            base.pop();
            rest = &rest[1..];
        }
    }
    base.extend(rest.iter().map(|part| part.to_string()));
    Some(base)
}

/// Tarjan's strongly connected components with more than one file.
fn strongly_connected(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        circles: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, node: &'a str) {
            let number = self.index.len();
            self.index.insert(node, number);
            self.low.insert(node, number);
            self.stack.push(node);
            for dep in self.graph.get(node).into_iter().flatten() {
                if !self.index.contains_key(dep.as_str()) {
                    self.visit(dep);
                    let low = self.low[node].min(self.low[dep.as_str()]);
                    self.low.insert(node, low);
                } else if self.stack.contains(&dep.as_str()) {
                    let low = self.low[node].min(self.index[dep.as_str()]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let at = self.stack.iter().rposition(|n| *n == node).unwrap_or(0);
                let mut group: Vec<String> = self.stack.drain(at..).map(str::to_string).collect();
                if group.len() > 1 {
                    group.sort();
                    self.circles.push(group);
                }
            }
        }
    }
    let mut walk = Walk { graph, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), circles: Vec::new() };
    for node in graph.keys() {
        if !walk.index.contains_key(node.as_str()) {
            walk.visit(node);
        }
    }
    walk.circles
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crate_with(files: &[(&str, &str)]) -> tempdir::Dir {
        let dir = tempdir::Dir::new();
        for (name, text) in files {
            let path = dir.path.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    mod tempdir {
        pub struct Dir {
            pub path: std::path::PathBuf,
        }
        impl Dir {
            pub fn new() -> Dir {
                use std::sync::atomic::{AtomicU32, Ordering};
                static NEXT: AtomicU32 = AtomicU32::new(0);
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                let path = std::env::temp_dir().join(format!("xtask-circles-{}-{n}", std::process::id()));
                let _ = std::fs::remove_dir_all(&path);
                std::fs::create_dir_all(&path).unwrap();
                Dir { path }
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.path);
            }
        }
    }

    #[test]
    fn a_circle_through_use_inline_and_super_paths_is_found() {
        let dir = crate_with(&[
            ("lib.rs", "mod a; mod b; mod c;"),
            ("a.rs", "use crate::b::{thing, other::{x}};"),
            ("b.rs", "fn f() { crate::c::g(); }"),
            ("c/mod.rs", "mod d;"),
            ("c/d.rs", "fn h() { super::super::a::k(); }"),
        ]);
        // a → b → c (mod.rs) has no path to a; c/d.rs → a, but nothing names c/d.rs: no circle yet.
        assert!(find(&dir.path).unwrap().is_empty());
        std::fs::write(dir.path.join("b.rs"), "fn f() { crate::c::d::g(); }").unwrap();
        assert_eq!(find(&dir.path).unwrap(), vec![vec!["a.rs".to_string(), "b.rs".into(), "c/d.rs".into()]]);
    }

    #[test]
    fn comments_strings_and_tests_are_not_imports() {
        let dir = crate_with(&[
            ("lib.rs", "mod a; mod b;"),
            ("a.rs", "// crate::b::x\nconst S: &str = \"crate::b::y\"; fn f() { crate::b::z(); }"),
            ("b.rs", "/* crate::a */ fn g(c: char) -> bool { c == 'x' }\n#[cfg(test)]\nmod tests { use crate::a; }"),
        ]);
        assert!(find(&dir.path).unwrap().is_empty());
    }
}
