//! Short names for the functions a wasm module imports from its JS glue, and for the closure trampolines
//! it exports to it.
//!
//! wasm-bindgen names each import after the JS it calls plus a 16-digit hash (`__wbg_getAttribute_c7b8…`),
//! and the name appears twice in the download: in the module's import section and as a key of the glue's
//! import object. The hashes do not compress; for the visitor's hundred and more imports they cost about
//! two kilobytes gzipped. [`shorten`] renames every function import to a short name (`a`, `b`, … `a0`, …)
//! in both files, consistently; the module's imports and the glue's keys are the only places the names
//! live. A name of the module that the glue does not contain stops the build: the two would disagree.
//! The exports that call a Rust closure (`wasm_bindgen__convert__closures_____invoke__h…`, or with v0
//! mangling `wasm_bindgen_<crate hash>___convert__closures_____invoke___<its types>`, one per closure
//! signature) are renamed the same way (`_a`, `_b`, …), in the export section and where
//! the glue calls them. The module every import comes from (`./cobrowse_visitor_bg.js`, written before each
//! of the hundred and more imports) is renamed `m` (`m`, `m1`, … if there are several), in the module and
//! as the glue's import object key.

use crate::command::Result;
use std::path::Path;

/// Renames the function imports of the module at `wasm` and the matching keys of the glue at `glue`.
pub fn shorten(wasm: &Path, glue: &Path) -> Result {
    let module = std::fs::read(wasm).map_err(|error| format!("cannot read {}: {error}", wasm.display()))?;
    let mut script =
        std::fs::read_to_string(glue).map_err(|error| format!("cannot read {}: {error}", glue.display()))?;
    let (renamed, names, modules) = rename_function_imports(&module)?;
    for (old, new) in &modules {
        let (quoted, short) = (format!("\"{old}\""), format!("\"{new}\""));
        if !script.contains(&quoted) {
            return Err(format!(
                "the glue {} has no import module {quoted}: it does not match the module",
                glue.display()
            ));
        }
        script = script.replace(&quoted, &short);
    }
    for (old, new) in &names {
        let replaced = replace_token(&script, old, new);
        if replaced == script {
            return Err(format!("the glue {} has no import named {old}: it does not match the module", glue.display()));
        }
        script = replaced;
    }
    std::fs::write(wasm, renamed).map_err(|error| format!("cannot write {}: {error}", wasm.display()))?;
    std::fs::write(glue, script).map_err(|error| format!("cannot write {}: {error}", glue.display()))?;
    Ok(())
}

/// Each renamed import as (old name, new name).
type Renames = Vec<(String, String)>;

/// The module with its function imports (and their modules) renamed, the (old, new) names, and the (old, new)
/// module names.
fn rename_function_imports(module: &[u8]) -> Result<(Vec<u8>, Renames, Renames)> {
    if module.len() < 8 || &module[..4] != b"\0asm" {
        return Err("not a wasm module".into());
    }
    let mut out = module[..8].to_vec();
    let mut names = Vec::new();
    let mut modules = Vec::new();
    let mut reader = Reader { bytes: module, at: 8 };
    while reader.at < module.len() {
        let id = reader.byte()?;
        let size = reader.leb()? as usize;
        let payload = reader.take(size)?;
        let payload = match id {
            IMPORT_SECTION => rename_in_section(payload, &mut names, &mut modules)?,
            EXPORT_SECTION => rename_closure_exports(payload, &mut names)?,
            _ => payload.to_vec(),
        };
        out.push(id);
        write_leb(&mut out, payload.len() as u64);
        out.extend_from_slice(&payload);
    }
    Ok((out, names, modules))
}

const IMPORT_SECTION: u8 = 2;
const EXPORT_SECTION: u8 = 7;

/// What every closure trampoline's export name starts with, and what follows the crate's hash that the v0
/// symbol mangling puts between (`wasm_bindgen_a00cff21e8f9afb1___convert__closures_____invoke___…`: a
/// compiler run as nightly mangles so, as the wasm builds do, see `site.rs`).
const CLOSURE_EXPORT: (&str, &str) = ("wasm_bindgen_", "_convert__closures_____invoke_");

/// Whether an export is a closure trampoline (see [`CLOSURE_EXPORT`]).
fn is_closure_export(name: &str) -> bool {
    let (start, middle) = CLOSURE_EXPORT;
    name.strip_prefix(start).and_then(|rest| rest.split_once(middle)).is_some_and(|(hash, _)| {
        hash.is_empty() || hash.trim_end_matches('_').bytes().all(|byte| byte.is_ascii_hexdigit())
    })
}

/// The export section with the closure trampolines renamed `_` + a short name (no other export starts so).
fn rename_closure_exports(payload: &[u8], names: &mut Renames) -> Result<Vec<u8>> {
    let mut reader = Reader { bytes: payload, at: 0 };
    let count = reader.leb()?;
    let mut out = Vec::with_capacity(payload.len());
    write_leb(&mut out, count);
    let mut renamed = 0;
    for _ in 0..count {
        let mut name = reader.name()?;
        let start = reader.at;
        reader.byte()?;
        reader.leb()?;
        if is_closure_export(&name) {
            let short = format!("_{}", short_name(renamed));
            renamed += 1;
            names.push((name, short.clone()));
            name = short;
        } else if name.starts_with('_') && name.len() <= 4 {
            return Err(format!("the module exports {name}, a name the closure exports would take"));
        }
        write_name(&mut out, &name);
        out.extend_from_slice(&payload[start..reader.at]);
    }
    out.extend_from_slice(&payload[reader.at..]);
    Ok(out)
}

fn rename_in_section(payload: &[u8], names: &mut Renames, modules: &mut Renames) -> Result<Vec<u8>> {
    let mut reader = Reader { bytes: payload, at: 0 };
    let count = reader.leb()?;
    let mut out = Vec::with_capacity(payload.len());
    write_leb(&mut out, count);
    for _ in 0..count {
        let module = module_name(reader.name()?, modules);
        let field = reader.name()?;
        let start = reader.at;
        let kind = reader.byte()?;
        skip_description(&mut reader, kind)?;
        let description = &payload[start..reader.at];
        let field = if kind == 0 {
            let short = short_name(names.len());
            names.push((field, short.clone()));
            short
        } else {
            field
        };
        write_name(&mut out, &module);
        write_name(&mut out, &field);
        out.extend_from_slice(description);
    }
    out.extend_from_slice(&payload[reader.at..]);
    Ok(out)
}

/// The short name of an import module: `m`, then `m1`, `m2`, … for each other module, in order of appearance.
fn module_name(module: String, modules: &mut Renames) -> String {
    if let Some((_, short)) = modules.iter().find(|(old, _)| *old == module) {
        return short.clone();
    }
    let short = if modules.is_empty() { "m".to_string() } else { format!("m{}", modules.len()) };
    modules.push((module, short.clone()));
    short
}

/// Skips an import's description after its kind byte (function, table, memory, global, tag).
fn skip_description(reader: &mut Reader, kind: u8) -> Result {
    match kind {
        0 => {
            reader.leb()?;
        }
        1 => {
            reader.byte()?;
            skip_limits(reader)?;
        }
        2 => skip_limits(reader)?,
        3 => {
            reader.byte()?;
            reader.byte()?;
        }
        4 => {
            reader.byte()?;
            reader.leb()?;
        }
        other => return Err(format!("unknown import kind {other}")),
    }
    Ok(())
}

fn skip_limits(reader: &mut Reader) -> Result {
    let flags = reader.byte()?;
    reader.leb()?;
    if flags & 1 != 0 {
        reader.leb()?;
    }
    Ok(())
}

/// `a`…`z`, then `a0`…: short, distinct, and never a JS keyword or a wasm-bindgen name.
fn short_name(index: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
    let mut name = String::from(LETTERS[index % 26] as char);
    let mut rest = index / 26;
    while rest > 0 {
        name.push(char::from_digit((rest % 36) as u32, 36).expect("a digit below 36"));
        rest /= 36;
    }
    name
}

/// `text` with every whole-token occurrence of `old` (not part of a longer identifier) replaced by `new`.
fn replace_token(text: &str, old: &str, new: &str) -> String {
    let is_identifier = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(found) = rest.find(old) {
        let before = rest[..found].chars().next_back().or_else(|| out.chars().next_back());
        let after = rest[found + old.len()..].chars().next();
        out.push_str(&rest[..found]);
        if before.is_some_and(is_identifier) || after.is_some_and(is_identifier) {
            out.push_str(old);
        } else {
            out.push_str(new);
        }
        rest = &rest[found + old.len()..];
    }
    out.push_str(rest);
    out
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8> {
        let byte = *self.bytes.get(self.at).ok_or("the wasm module ends early")?;
        self.at += 1;
        Ok(byte)
    }

    fn leb(&mut self) -> Result<u64> {
        let (mut value, mut shift) = (0u64, 0);
        loop {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
            shift += 7;
        }
    }

    fn take(&mut self, length: usize) -> Result<&'a [u8]> {
        let slice = self.bytes.get(self.at..self.at + length).ok_or("the wasm module ends early")?;
        self.at += length;
        Ok(slice)
    }

    fn name(&mut self) -> Result<String> {
        let length = self.leb()? as usize;
        String::from_utf8(self.take(length)?.to_vec()).map_err(|_| "an import name is not UTF-8".to_string())
    }
}

fn write_leb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn write_name(out: &mut Vec<u8>, name: &str) {
    write_leb(out, name.len() as u64);
    out.extend_from_slice(name.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module importing a function `m.__wbg_f_0123` and a memory `m.mem`, with no other section.
    fn module() -> Vec<u8> {
        let mut section = Vec::new();
        write_leb(&mut section, 2);
        write_name(&mut section, "m");
        write_name(&mut section, "__wbg_f_0123");
        section.extend_from_slice(&[0, 0]); // a function of type 0
        write_name(&mut section, "m");
        write_name(&mut section, "mem");
        section.extend_from_slice(&[2, 0, 1]); // a memory of at least one page
        let mut module = b"\0asm\x01\0\0\0".to_vec();
        module.push(IMPORT_SECTION);
        write_leb(&mut module, section.len() as u64);
        module.extend_from_slice(&section);
        module
    }

    #[test]
    fn function_imports_get_short_names_and_the_rest_is_kept() {
        let (renamed, names, modules) = rename_function_imports(&module()).unwrap();
        assert_eq!(names, [("__wbg_f_0123".to_string(), "a".to_string())]);
        assert_eq!(modules, [("m".to_string(), "m".to_string())]);
        let (again, names_again, _) = rename_function_imports(&renamed).unwrap();
        assert_eq!(names_again, [("a".to_string(), "a".to_string())], "the renamed module parses");
        assert_eq!(again, renamed);
        assert!(renamed.windows(3).any(|window| window == b"mem"));
        assert!(renamed.len() < module().len());
    }

    #[test]
    fn import_modules_get_short_names() {
        let mut modules = Renames::new();
        assert_eq!(module_name("./x_bg.js".into(), &mut modules), "m");
        assert_eq!(module_name("./snippets/y.js".into(), &mut modules), "m1");
        assert_eq!(module_name("./x_bg.js".into(), &mut modules), "m");
    }

    #[test]
    fn closure_exports_get_short_names() {
        let mut section = Vec::new();
        write_leb(&mut section, 2);
        write_name(&mut section, "wasm_bindgen__convert__closures_____invoke__h0123456789abcdef");
        section.extend_from_slice(&[0, 5]); // function 5
        write_name(&mut section, "start");
        section.extend_from_slice(&[0, 6]);
        let mut names = Renames::new();
        let renamed = rename_closure_exports(&section, &mut names).unwrap();
        assert_eq!(names, [("wasm_bindgen__convert__closures_____invoke__h0123456789abcdef".into(), "_a".into())]);
        let v0 =
            "wasm_bindgen_a00cff21e8f9afb1___convert__closures_____invoke___js_sys_7312fd34f87c53bc___Array______true_";
        assert!(is_closure_export(v0));
        assert!(!is_closure_export("wasm_bindgen_start"));
        assert!(!is_closure_export("wasm_bindgen_ok!___convert__closures_____invoke_"));
        let mut again = Renames::new();
        rename_closure_exports(&renamed, &mut again).expect_err("an export named like a short name stops the build");
    }

    #[test]
    fn only_whole_tokens_are_replaced() {
        let glue = "{__wbg_f_0123:function(){},__wbg_f_01234:1,x.__wbg_f_0123}";
        assert_eq!(replace_token(glue, "__wbg_f_0123", "a"), "{a:function(){},__wbg_f_01234:1,x.a}");
    }

    #[test]
    fn short_names_are_distinct() {
        let names: std::collections::HashSet<String> = (0..2000).map(short_name).collect();
        assert_eq!(names.len(), 2000);
        assert_eq!(short_name(0), "a");
        assert_eq!(short_name(26), "a1");
    }
}
