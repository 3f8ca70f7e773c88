//! The main thread's tasks as Chromium itself records them: a trace (DevTools `Tracing`, categories
//! `toplevel` and `devtools.timeline`, those of DevTools' Performance panel) around what the `tasks` section
//! measures, read for the longest task on a renderer's main thread and what that task spent its time on
//! (the events directly inside it: a script's call, a style recalculation, a layout, a paint, a garbage
//! collection).
//!
//! Why beside the page's own meters ([`crate::task_meters`]): the gap meter measures the time between two
//! handlers of a ping-pong, and when the browser runs two tasks between them (a slice of our snapshot, then
//! the frame it renders) it reports their sum; the `longtask` entries see only tasks over 50 ms. The trace
//! has every task (`ThreadControllerImpl::RunTask`) with its own duration, whoever posted it: a script's
//! task, a rendering frame, a garbage collection's finalization inside either.
//!
//! The trace is taken over a DevTools connection of its own, to the browser's endpoint that Chromium
//! names in its profile's `DevToolsActivePort` (chromedriver starts it with `--remote-debugging-port=0`):
//! chromedriver's command endpoint answers commands but passes on no events, and a trace arrives as events.

use cobrowse_e2e::Browser;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// The name Chromium gives a renderer's main thread.
const RENDERER_MAIN_THREAD: &str = "CrRendererMain";
/// The trace event of one task run by a thread's scheduler.
const TASK_EVENT: &str = "ThreadControllerImpl::RunTask";
/// A task this long or longer is a long task (the `longtask` entries' threshold).
const LONG_TASK_MS: f64 = 50.0;
/// How long the browser may take to answer a command, or to hand over a whole trace.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// What a trace saw on the renderers' main threads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TracedTasks {
    /// The longest task, in ms.
    pub longest_ms: f64,
    /// Tasks of [`LONG_TASK_MS`] or more.
    pub long_tasks: usize,
    /// Every task that ran to its end within the trace.
    pub tasks: usize,
    /// What the longest task spent its time on: the events directly inside it, summed by name, the
    /// longest first (`Layout 20.1, Paint 9.8, ...`); empty if no task.
    pub longest_parts: String,
}

/// A trace being taken; [`TaskTrace::stop`] ends it and reads it.
pub struct TaskTrace {
    socket: WebSocketStream<TcpStream>,
    next_id: u64,
}

impl TaskTrace {
    /// Starts tracing every process of `browser`'s Chromium.
    pub async fn start(browser: &Browser) -> cobrowse_e2e::Result<Self> {
        let (address, path) = devtools_endpoint(browser.profile_dir())?;
        let stream = TcpStream::connect(&address)
            .await
            .map_err(|error| format!("cannot reach Chromium's DevTools at {address} ({error})"))?;
        let (socket, _) = tokio_tungstenite::client_async(format!("ws://{address}{path}"), stream)
            .await
            .map_err(|error| format!("Chromium's DevTools at {address}{path} refused a connection ({error})"))?;
        let mut trace = Self { socket, next_id: 0 };
        let config = json!({
            "traceConfig": { "includedCategories": ["toplevel", "devtools.timeline", "__metadata"] },
            "transferMode": "ReportEvents",
        });
        trace.command("Tracing.start", config).await?;
        Ok(trace)
    }

    /// Ends the trace and reads the longest task of a renderer's main thread in it.
    pub async fn stop(mut self) -> cobrowse_e2e::Result<TracedTasks> {
        self.command("Tracing.end", json!({})).await?;
        let mut events = Vec::new();
        loop {
            let message = self.next_message("the trace (Tracing.tracingComplete)").await?;
            match message.method.as_deref() {
                Some("Tracing.dataCollected") => events.extend(message.params.value),
                Some("Tracing.tracingComplete") => break,
                _ => {}
            }
        }
        let _ = self.socket.close(None).await;
        Ok(renderer_tasks(&events))
    }

    /// Sends `method` and waits for its answer (events that come first are dropped: none is asked for yet).
    async fn command(&mut self, method: &str, params: Value) -> cobrowse_e2e::Result<()> {
        self.next_id += 1;
        let id = self.next_id;
        let text = json!({ "id": id, "method": method, "params": params }).to_string();
        self.socket.send(Message::text(text)).await.map_err(|error| format!("DevTools {method}: {error}"))?;
        loop {
            let message = self.next_message(method).await?;
            if message.id != Some(id) {
                continue;
            }
            return match message.error {
                Some(error) => Err(format!("DevTools {method} failed: {error}").into()),
                None => Ok(()),
            };
        }
    }

    /// The next text message from the browser, parsed; fails after [`ANSWER_TIMEOUT`] or at the end.
    async fn next_message(&mut self, awaited: &str) -> cobrowse_e2e::Result<DevToolsMessage> {
        loop {
            let next = tokio::time::timeout(ANSWER_TIMEOUT, self.socket.next())
                .await
                .map_err(|_| format!("Chromium's DevTools sent nothing for {ANSWER_TIMEOUT:?}, awaiting {awaited}"))?;
            let message = match next {
                Some(Ok(message)) => message,
                Some(Err(error)) => return Err(format!("DevTools, awaiting {awaited}: {error}").into()),
                None => return Err(format!("Chromium's DevTools closed the connection, awaiting {awaited}").into()),
            };
            if let Message::Text(text) = message {
                return serde_json::from_str(text.as_str()).map_err(|error| {
                    format!("DevTools sent what is not a message ({error}), awaiting {awaited}").into()
                });
            }
        }
    }
}

/// A message from DevTools: an answer (`id`, `error`) or an event (`method`, `params`).
#[derive(Deserialize)]
struct DevToolsMessage {
    id: Option<u64>,
    error: Option<Value>,
    method: Option<String>,
    #[serde(default)]
    params: EventParams,
}

#[derive(Deserialize, Default)]
struct EventParams {
    /// `Tracing.dataCollected`'s events.
    #[serde(default)]
    value: Vec<TraceEvent>,
}

/// One trace event, with what this module reads of it.
#[derive(Deserialize, Debug, Clone)]
pub struct TraceEvent {
    ph: String,
    name: String,
    #[serde(default)]
    pid: u64,
    #[serde(default)]
    tid: u64,
    /// When it began, in µs.
    #[serde(default)]
    ts: f64,
    /// A complete event's duration, in µs.
    dur: Option<f64>,
    #[serde(default)]
    args: Value,
}

/// The tasks that ran to their end on the renderers' main threads (threads named by `thread_name`
/// metadata events), and what the longest was made of.
fn renderer_tasks(events: &[TraceEvent]) -> TracedTasks {
    let main_threads: HashSet<(u64, u64)> = events
        .iter()
        .filter(|event| event.ph == "M" && event.name == "thread_name")
        .filter(|event| event.args.get("name").and_then(Value::as_str) == Some(RENDERER_MAIN_THREAD))
        .map(|event| (event.pid, event.tid))
        .collect();
    let on_main_thread = |event: &&TraceEvent| event.ph == "X" && main_threads.contains(&(event.pid, event.tid));
    let tasks: Vec<&TraceEvent> =
        events.iter().filter(on_main_thread).filter(|event| event.name == TASK_EVENT && event.dur.is_some()).collect();
    let Some(longest) = tasks.iter().max_by(|a, b| a.duration_us().total_cmp(&b.duration_us())) else {
        return TracedTasks::default();
    };
    let inside: Vec<&TraceEvent> = events.iter().filter(on_main_thread).filter(|event| longest.holds(event)).collect();
    TracedTasks {
        longest_ms: longest.duration_us() / 1000.0,
        long_tasks: tasks.iter().filter(|task| task.duration_us() / 1000.0 >= LONG_TASK_MS).count(),
        tasks: tasks.len(),
        longest_parts: parts(&inside, PARTS_DEPTH),
    }
}

impl TraceEvent {
    fn duration_us(&self) -> f64 {
        self.dur.unwrap_or(0.0)
    }

    fn end_us(&self) -> f64 {
        self.ts + self.duration_us()
    }

    /// Whether `other`, on the same thread, lies within this event (and is not this event).
    fn holds(&self, other: &TraceEvent) -> bool {
        (self.pid, self.tid) == (other.pid, other.tid)
            && !std::ptr::eq(self, other)
            && other.ts >= self.ts
            && other.end_us() <= self.end_us()
    }
}

/// How deep [`parts`] tells what the longest task held: its outermost events, and what those held.
const PARTS_DEPTH: usize = 2;

/// The outermost of `inside` (those no other one holds) summed by [`label`], the longest first, in ms;
/// below `depth` 1, each with what its events held, in brackets: `FunctionCall cobrowse_visitor.js:c 51.8
/// [MinorGC 31.8]`.
fn parts(inside: &[&TraceEvent], depth: usize) -> String {
    let mut by_start = inside.to_vec();
    by_start.sort_by(|a, b| a.ts.total_cmp(&b.ts).then(b.duration_us().total_cmp(&a.duration_us())));
    let mut groups: Vec<(String, f64, Vec<&TraceEvent>)> = Vec::new();
    let mut outer_end = f64::NEG_INFINITY;
    for event in by_start {
        if event.end_us() <= outer_end {
            continue; // within the last outermost event
        }
        outer_end = event.end_us();
        let label = label(event);
        match groups.iter_mut().find(|(known, _, _)| *known == label) {
            Some((_, sum, members)) => {
                *sum += event.duration_us();
                members.push(event);
            }
            None => groups.push((label, event.duration_us(), vec![event])),
        }
    }
    groups.sort_by(|a, b| b.1.total_cmp(&a.1));
    let listed: Vec<String> = groups
        .iter()
        .map(|(label, us, members)| {
            let held: Vec<&TraceEvent> =
                inside.iter().copied().filter(|event| members.iter().any(|member| member.holds(event))).collect();
            match depth > 1 && !held.is_empty() {
                true => format!("{label} {:.1} [{}]", us / 1000.0, parts(&held, depth - 1)),
                false => format!("{label} {:.1}", us / 1000.0),
            }
        })
        .collect();
    listed.join(", ")
}

/// An event's name, and for a script's (a call, a timer, a script evaluated) the file of its script and
/// the function called, if named: `FunctionCall cobrowse_visitor.js:onmessage`.
fn label(event: &TraceEvent) -> String {
    let data = |key: &str| event.args.pointer(&format!("/data/{key}")).and_then(Value::as_str).unwrap_or_default();
    let file = data("url").split(['?', '#']).next().unwrap_or_default().rsplit('/').next().unwrap_or_default();
    match (file, data("functionName")) {
        ("", _) => event.name.clone(),
        (file, "") => format!("{} {file}", event.name),
        (file, function) => format!("{} {file}:{function}", event.name),
    }
}

/// The browser's DevTools address (`127.0.0.1:PORT`) and path, from `DevToolsActivePort` in `profile`.
fn devtools_endpoint(profile: &Path) -> cobrowse_e2e::Result<(String, String)> {
    let file = profile.join("DevToolsActivePort");
    let text = std::fs::read_to_string(&file).map_err(|error| {
        format!("cannot read {} ({error}): was Chromium started with --remote-debugging-port?", file.display())
    })?;
    let mut lines = text.lines();
    let port = lines.next().and_then(|port| port.trim().parse::<u16>().ok());
    let path = lines.next().filter(|path| path.starts_with('/'));
    match (port, path) {
        (Some(port), Some(path)) => Ok((format!("127.0.0.1:{port}"), path.to_string())),
        _ => Err(format!("{} holds no port and path: {text:?}", file.display()).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(ph: &str, name: &str, pid: u64, tid: u64, dur: Option<f64>, args: Value) -> TraceEvent {
        TraceEvent { ph: ph.into(), name: name.into(), pid, tid, ts: 0.0, dur, args }
    }

    fn at(ts: f64, event: TraceEvent) -> TraceEvent {
        TraceEvent { ts, ..event }
    }

    fn thread(pid: u64, tid: u64, name: &str) -> TraceEvent {
        event("M", "thread_name", pid, tid, None, json!({ "name": name }))
    }

    fn task(pid: u64, tid: u64, dur_us: f64) -> TraceEvent {
        event("X", TASK_EVENT, pid, tid, Some(dur_us), Value::Null)
    }

    #[test]
    fn only_the_tasks_of_renderer_main_threads_count() {
        let events = vec![
            thread(1, 1, "CrBrowserMain"),
            thread(2, 2, RENDERER_MAIN_THREAD),
            thread(2, 7, "Compositor"),
            task(1, 1, 900_000.0),
            task(2, 7, 800_000.0),
            task(2, 2, 12_500.0),
            at(20_000.0, task(2, 2, 51_000.0)),
            task(2, 2, 3_000.0),
        ];
        let traced = renderer_tasks(&events);
        assert_eq!((traced.longest_ms, traced.long_tasks, traced.tasks), (51.0, 1, 3));
    }

    #[test]
    fn a_task_still_running_at_the_end_or_of_another_name_is_not_counted() {
        let events = vec![
            thread(3, 3, RENDERER_MAIN_THREAD),
            event("B", TASK_EVENT, 3, 3, None, Value::Null),
            event("X", "EpollEvent", 3, 3, Some(90_000.0), Value::Null),
            task(3, 3, 49_000.0),
        ];
        let traced = renderer_tasks(&events);
        assert_eq!((traced.longest_ms, traced.long_tasks, traced.tasks), (49.0, 0, 1));
    }

    #[test]
    fn the_longest_task_is_told_by_the_outermost_events_inside_it() {
        let inner = |name: &str, ts: f64, dur: f64| at(ts, event("X", name, 4, 4, Some(dur), Value::Null));
        let events = vec![
            thread(4, 4, RENDERER_MAIN_THREAD),
            at(1_000.0, task(4, 4, 5_000.0)),
            inner("FunctionCall", 1_500.0, 4_000.0),
            at(10_000.0, task(4, 4, 40_000.0)),
            inner("FunctionCall", 10_000.0, 8_000.0),
            inner("MajorGC", 12_000.0, 5_000.0),
            inner("Layout", 20_000.0, 20_000.0),
            inner("Paint", 41_000.0, 6_000.0),
            inner("FunctionCall", 47_000.0, 2_000.0),
            inner("Paint", 60_000.0, 9_000.0),
        ];
        let traced = renderer_tasks(&events);
        assert_eq!(traced.longest_ms, 40.0);
        assert_eq!(traced.longest_parts, "Layout 20.0, FunctionCall 10.0 [MajorGC 5.0], Paint 6.0");
    }

    #[test]
    fn a_script_is_told_by_its_file() {
        let args =
            json!({ "data": { "url": "http://127.0.0.1:9/visitor/cobrowse_visitor.js?v=abc", "functionName": "f" } });
        let events = vec![
            thread(5, 5, RENDERER_MAIN_THREAD),
            at(0.0, task(5, 5, 60_000.0)),
            at(1_000.0, event("X", "FunctionCall", 5, 5, Some(55_000.0), args)),
            at(2_000.0, event("X", "MajorGC", 5, 5, Some(41_000.0), Value::Null)),
        ];
        let traced = renderer_tasks(&events);
        assert_eq!(traced.long_tasks, 1);
        assert_eq!(traced.longest_parts, "FunctionCall cobrowse_visitor.js:f 55.0 [MajorGC 41.0]");
    }

    #[test]
    fn the_endpoint_is_read_from_devtools_active_port() {
        let dir = std::env::temp_dir().join(format!("cobrowse-bench-trace-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("DevToolsActivePort"), "34465\n/devtools/browser/abc\n").unwrap();
        let endpoint = devtools_endpoint(&dir).unwrap();
        std::fs::write(dir.join("DevToolsActivePort"), "not a port\n").unwrap();
        let broken = devtools_endpoint(&dir).unwrap_err().to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(endpoint, ("127.0.0.1:34465".to_string(), "/devtools/browser/abc".to_string()));
        assert!(broken.contains("holds no port and path"), "{broken}");
    }
}
