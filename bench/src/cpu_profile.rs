//! A CPU profile of the visitor's page, on demand: V8's sampling profiler through the DevTools protocol
//! (`Profiler.start` / `Profiler.stop`), summed by function into the top self times. Where the browser
//! works on a script's behalf (a forced style recalc and layout, a DOM call), the time is the calling
//! function's own, so a long task shows up under the function that caused it.
//!
//! `BENCH_PROFILE=NAME` makes the `tasks` section profile the session's start on the pages whose name
//! contains NAME, the `snapshot` section our full snapshot and rrweb's there, the `storms` section the
//! storms so named under each recorder, the `join` section a late agent's join (the agent's page), and
//! `pages` the page changes; each prints the top functions under its table. Build with
//! `cargo xtask build-bench --names` first, or the visitor's wasm functions are only numbers (the sections
//! that run a real session load the relay's site: point `COBROWSE_SITE_DIR` at a copy holding that build).
//! `BENCH_PROFILE_INTERVAL_US` sets the sampling interval (200 µs unless set). `BENCH_PROFILE_CALLERS=1`
//! prints under each function the callers its self time was spent under (the top [`TOP_CALLERS`]), for a
//! function called from many places (the allocator, a vector's growth).
//!
//! `BENCH_PROFILE_DIR=DIR` also keeps each profile whole in DIR, under a name made from what was profiled:
//! `NAME.cpuprofile`, V8's own JSON, which Chromium's DevTools (Performance panel, "Load profile") and
//! speedscope open; and `NAME.folded`, its stacks folded (`root;caller;callee self-µs`, a line per stack),
//! the input of flame graph tools (`inferno-flamegraph`, `flamegraph.pl`, speedscope). The top self times
//! say which functions cost; the whole profile shows the paths that lead to them.

use cobrowse_e2e::{cdp, Browser};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The sampling interval, in microseconds, unless `BENCH_PROFILE_INTERVAL_US` sets another (a storm of a
/// few milliseconds gives a few dozen samples at the default; 25 gives eight times as many, at a cost to
/// the profiled run's speed).
const SAMPLING_INTERVAL_US: u32 = 200;

/// The sampling interval to use: [`SAMPLING_INTERVAL_US`], or `BENCH_PROFILE_INTERVAL_US` where set; an
/// error that says so if it is not a whole number of microseconds above 0 (a typo would otherwise profile
/// at the default, unnoticed).
fn sampling_interval_us() -> cobrowse_e2e::Result<u32> {
    match std::env::var("BENCH_PROFILE_INTERVAL_US") {
        Ok(value) => interval_from(&value),
        Err(_) => Ok(SAMPLING_INTERVAL_US),
    }
}

/// `BENCH_PROFILE_INTERVAL_US`'s value as microseconds.
fn interval_from(value: &str) -> cobrowse_e2e::Result<u32> {
    match value.trim().parse::<u32>() {
        Ok(interval) if interval > 0 => Ok(interval),
        _ => Err(format!(
            "BENCH_PROFILE_INTERVAL_US must be a whole number of microseconds above 0 (such as 25), not `{value}`"
        )
        .into()),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Profile {
    nodes: Vec<ProfileNode>,
    #[serde(default)]
    samples: Vec<u64>,
    #[serde(default)]
    time_deltas: Vec<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProfileNode {
    id: u64,
    call_frame: CallFrame,
    #[serde(default)]
    children: Vec<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CallFrame {
    function_name: String,
    url: String,
    line_number: i64,
    column_number: i64,
}

/// How many functions a profile of the `snapshot`, `storms` and `join` sections lists.
pub const TOP_LINES: usize = 30;
/// How many callers of each listed function `BENCH_PROFILE_CALLERS` adds.
const TOP_CALLERS: usize = 3;

/// Whether the callers of each listed function are wanted too (`BENCH_PROFILE_CALLERS=1`).
fn callers_wanted() -> bool {
    std::env::var("BENCH_PROFILE_CALLERS").is_ok_and(|wanted| wanted == "1")
}

/// The page names to profile (`BENCH_PROFILE`), if asked.
pub fn wanted(page: &str) -> bool {
    std::env::var("BENCH_PROFILE").is_ok_and(|wanted| !wanted.is_empty() && page.contains(&wanted))
}

/// Starts sampling in `browser`'s page.
pub async fn start(browser: &Browser) -> cobrowse_e2e::Result<()> {
    cdp::execute(browser, "Profiler.enable", json!({})).await?;
    let interval = sampling_interval_us()?;
    cdp::execute(browser, "Profiler.setSamplingInterval", json!({ "interval": interval })).await?;
    cdp::execute(browser, "Profiler.start", json!({})).await?;
    Ok(())
}

/// Stops sampling and answers the `count` functions with the most self time, a line each. `label` says
/// what was profiled: the name the whole profile is kept under where `BENCH_PROFILE_DIR` asks for it.
pub async fn stop_top(browser: &Browser, count: usize, label: &str) -> cobrowse_e2e::Result<Vec<String>> {
    let mut stopped = cdp::execute(browser, "Profiler.stop", json!({})).await?;
    let raw = stopped.get_mut("profile").map(serde_json::Value::take).unwrap_or_default();
    let profile =
        Profile::deserialize(&raw).map_err(|error| format!("Profiler.stop answered an unknown shape: {error}"))?;
    if let Some(dir) = kept_in() {
        let kept = keep(&dir, label, &raw, &profile)?;
        eprintln!("profile of {label}: {}", kept.display());
    }
    Ok(top_self_times(&profile, count, callers_wanted()))
}

/// The folder `BENCH_PROFILE_DIR` names for the whole profiles, if set.
fn kept_in() -> Option<PathBuf> {
    std::env::var_os("BENCH_PROFILE_DIR").filter(|dir| !dir.is_empty()).map(PathBuf::from)
}

/// Writes the profile into `dir` as `NAME.cpuprofile` (V8's JSON, `raw`) and `NAME.folded` (its folded
/// stacks), NAME made from `label` (with `-2`, `-3`, ... where a profile of that name is there already, as
/// when a section profiles the same page again); answers the `.folded` file's path.
fn keep(dir: &Path, label: &str, raw: &serde_json::Value, profile: &Profile) -> cobrowse_e2e::Result<PathBuf> {
    let cannot = |path: &Path, error: std::io::Error| {
        format!("cannot write the profile to {} (BENCH_PROFILE_DIR): {error}", path.display())
    };
    std::fs::create_dir_all(dir).map_err(|error| cannot(dir, error))?;
    let base = file_name(label);
    let name = (1..)
        .map(|n| if n == 1 { base.clone() } else { format!("{base}-{n}") })
        .find(|name| !dir.join(format!("{name}.folded")).exists())
        .unwrap_or(base);
    let json = dir.join(format!("{name}.cpuprofile"));
    std::fs::write(&json, raw.to_string()).map_err(|error| cannot(&json, error))?;
    let folded = dir.join(format!("{name}.folded"));
    let mut lines = folded_stacks(profile).join("\n");
    lines.push('\n');
    std::fs::write(&folded, lines).map_err(|error| cannot(&folded, error))?;
    Ok(folded)
}

/// A file name for `label`: its letters and digits, lower case, each run of anything else one `-`.
fn file_name(label: &str) -> String {
    let mut name = String::new();
    for character in label.chars() {
        match character.is_ascii_alphanumeric() {
            true => name.push(character.to_ascii_lowercase()),
            false if !name.is_empty() && !name.ends_with('-') => name.push('-'),
            false => {}
        }
    }
    match name.trim_end_matches('-') {
        "" => "profile".to_string(),
        trimmed => trimmed.to_string(),
    }
}

/// The profile's stacks, folded: for each path from the root to a sampled function, the functions' names
/// joined by `;` (a `;` in a name becomes `,`), a space and the microseconds sampled there, a line each,
/// sorted by path.
fn folded_stacks(profile: &Profile) -> Vec<String> {
    let names: HashMap<u64, String> =
        profile.nodes.iter().map(|node| (node.id, name(&node.call_frame).replace(';', ","))).collect();
    let parents = parents_of(profile);
    let mut us_by_node: HashMap<u64, i64> = HashMap::new();
    for (sample, delta) in profile.samples.iter().zip(&profile.time_deltas) {
        *us_by_node.entry(*sample).or_default() += delta;
    }
    let mut stacks: HashMap<String, i64> = HashMap::new();
    for (node, us) in us_by_node {
        let mut path: Vec<&str> = std::iter::successors(Some(node), |child| parents.get(child).copied())
            .filter_map(|id| names.get(&id).map(String::as_str))
            .collect();
        path.reverse();
        *stacks.entry(path.join(";")).or_default() += us;
    }
    let mut lines: Vec<String> = stacks.into_iter().map(|(path, us)| format!("{path} {}", us.max(0))).collect();
    lines.sort();
    lines
}

/// Profiles `script` run once in `browser`'s page (synchronously, with `args`): the top `count` self times.
/// `label` as for [`stop_top`].
pub async fn profile_script(
    browser: &Browser,
    label: &str,
    script: &str,
    args: Vec<serde_json::Value>,
    count: usize,
) -> cobrowse_e2e::Result<Vec<String>> {
    start(browser).await?;
    let ran: cobrowse_e2e::Result<serde_json::Value> = browser.execute(script, args).await;
    let top = stop_top(browser, count, label).await?;
    ran?;
    Ok(top)
}

/// Prints a profile's top self times under `heading` (as the sections print them under their tables).
pub fn print(heading: &str, top: &[String]) {
    println!("   {heading} (top self times, BENCH_PROFILE):");
    top.iter().for_each(|line| println!("     {line}"));
}

/// [`print`], or why the profile could not be taken.
pub fn print_or_error(heading: &str, top: &cobrowse_e2e::Result<Vec<String>>) {
    match top {
        Ok(lines) => print(heading, lines),
        Err(error) => print(heading, &[format!("not profiled: {error}")]),
    }
}

/// The `count` functions with the most self time, a line each; with `with_callers`, each followed by the
/// callers it spent that time under.
fn top_self_times(profile: &Profile, count: usize, with_callers: bool) -> Vec<String> {
    let names: HashMap<u64, String> = profile.nodes.iter().map(|node| (node.id, name(&node.call_frame))).collect();
    let parents = parents_of(profile);
    let mut self_us: HashMap<&str, i64> = HashMap::new();
    let mut caller_us: HashMap<(&str, &str), i64> = HashMap::new();
    for (sample, delta) in profile.samples.iter().zip(&profile.time_deltas) {
        let Some(name) = names.get(sample) else { continue };
        *self_us.entry(name.as_str()).or_default() += delta;
        let caller = parents.get(sample).and_then(|parent| names.get(parent)).map_or("(none)", String::as_str);
        *caller_us.entry((name.as_str(), caller)).or_default() += delta;
    }
    let mut lines = Vec::new();
    for (name, us) in ranked(self_us).into_iter().take(count) {
        lines.push(format!("{:>8.1} ms  {name}", us as f64 / 1000.0));
        if with_callers {
            let callers =
                caller_us.iter().filter(|((callee, _), _)| *callee == name).map(|((_, caller), us)| (*caller, *us));
            for (caller, us) in ranked(callers).into_iter().take(TOP_CALLERS) {
                lines.push(format!("{:>20.1} ms  under {caller}", us as f64 / 1000.0));
            }
        }
    }
    lines
}

/// Each node's parent, by id (the profile lists each node's children).
fn parents_of(profile: &Profile) -> HashMap<u64, u64> {
    profile.nodes.iter().flat_map(|node| node.children.iter().map(move |&child| (child, node.id))).collect()
}

/// Sums by key, largest first.
fn ranked<K>(sums: impl IntoIterator<Item = (K, i64)>) -> Vec<(K, i64)> {
    let mut ranked: Vec<(K, i64)> = sums.into_iter().collect();
    ranked.sort_by_key(|&(_, us)| std::cmp::Reverse(us));
    ranked
}

fn name(frame: &CallFrame) -> String {
    let function = if frame.function_name.is_empty() { "(anonymous)" } else { &frame.function_name };
    let file = frame.url.rsplit('/').next().unwrap_or_default();
    match file {
        "" => function.to_string(),
        // The column too: the shipped JS is minified onto a few lines.
        file => format!("{function} ({file}:{}:{})", frame.line_number + 1, frame.column_number + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::{file_name, folded_stacks, interval_from, keep, top_self_times, Profile};
    use serde_json::json;

    /// A profile of `alloc` sampled 3 times under `grow` and once under `push`, and `grow` once itself.
    fn profile() -> Profile {
        let node = |id: u64, name: &str, children: &[u64]| {
            json!({ "id": id, "callFrame": { "functionName": name, "url": "", "lineNumber": 0, "columnNumber": 0 },
                    "children": children })
        };
        let nodes = [
            node(1, "(root)", &[2, 3]),
            node(2, "grow", &[4]),
            node(3, "push", &[5]),
            node(4, "alloc", &[]),
            node(5, "alloc", &[]),
        ];
        serde_json::from_value(
            json!({ "nodes": nodes, "samples": [4, 4, 5, 2, 4], "timeDeltas": [100, 100, 100, 100, 100] }),
        )
        .unwrap()
    }

    #[test]
    fn self_times_are_summed_by_function_and_split_by_caller_when_asked() {
        assert_eq!(top_self_times(&profile(), 1, false), ["     0.4 ms  alloc"]);
        let lines = top_self_times(&profile(), 2, true);
        let expected = [
            "     0.4 ms  alloc",
            "                 0.3 ms  under grow",
            "                 0.1 ms  under push",
            "     0.1 ms  grow",
            "                 0.1 ms  under (root)",
        ];
        assert_eq!(lines, expected);
    }

    #[test]
    fn stacks_are_folded_from_the_root_with_the_time_sampled_in_each() {
        let expected = ["(root);grow 100", "(root);grow;alloc 300", "(root);push;alloc 100"];
        assert_eq!(folded_stacks(&profile()), expected);
    }

    #[test]
    fn a_label_becomes_a_file_name_of_letters_digits_and_dashes() {
        assert_eq!(file_name("snapshot, corpus basic.html: ours"), "snapshot-corpus-basic-html-ours");
        assert_eq!(file_name("  "), "profile");
    }

    #[test]
    fn a_kept_profile_is_written_whole_and_folded_under_a_name_of_its_own() {
        let dir = std::env::temp_dir().join(format!("cobrowse-bench-profiles-{}", std::process::id()));
        let raw = json!({ "nodes": [], "samples": [], "timeDeltas": [] });
        let first = keep(&dir, "storm: text", &raw, &profile()).unwrap();
        let second = keep(&dir, "storm: text", &raw, &profile()).unwrap();
        assert_eq!(first, dir.join("storm-text.folded"));
        assert_eq!(second, dir.join("storm-text-2.folded"));
        assert_eq!(std::fs::read_to_string(&second).unwrap(), folded_stacks(&profile()).join("\n") + "\n");
        assert_eq!(std::fs::read_to_string(dir.join("storm-text.cpuprofile")).unwrap(), raw.to_string());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_interval_is_a_whole_number_of_microseconds_above_zero() {
        assert_eq!(interval_from(" 25 ").unwrap(), 25);
        for wrong in ["", "0", "-5", "25us", "2.5"] {
            let error = interval_from(wrong).unwrap_err().to_string();
            assert!(error.contains("BENCH_PROFILE_INTERVAL_US") && error.contains(&format!("`{wrong}`")), "{error}");
        }
    }
}
