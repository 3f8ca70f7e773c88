//! The audit log: one JSON line per event (see `events.rs`), appended to a file or written to stdout
//! (`[audit] path = "-"`).
//!
//! Writing never holds up a session: lines go through a bounded channel to one writer thread, which
//! owns the file. A line that finds the channel full is dropped, counted in
//! `cobrowse_audit_events_dropped_total` and warned about (the first time, then every thousandth).
//! The writer flushes whenever the channel is empty, so a line reaches the file within moments.
//!
//! Rotation: by size, when a line would take the file past `max_bytes`, the file becomes `PATH.1` (and
//! `PATH.1` becomes `PATH.2`, up to `keep` old files; the oldest is deleted); and by signal, for tools like
//! logrotate that move the file themselves: [`Reopener::reopen`] (SIGUSR1 in `main.rs`) makes the writer
//! open `PATH` again before its next line.

use crate::config::AuditConfig;
use crate::metrics::Metrics;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::Arc;

/// How many lines may wait for the writer.
const QUEUE_LINES: usize = 4096;

enum Command {
    Line(String),
    /// Look at the reopen flag.
    Wake,
}

/// The relay's side of the audit log.
pub(crate) struct AuditLog {
    lines: SyncSender<Command>,
    reopen: Arc<AtomicBool>,
    metrics: Arc<Metrics>,
}

/// Asks the audit log's writer to open its path again (after the file was moved away).
#[derive(Clone)]
pub(crate) struct Reopener {
    lines: SyncSender<Command>,
    reopen: Arc<AtomicBool>,
}

impl Reopener {
    /// The writer opens the path again before its next line.
    pub fn reopen(&self) {
        self.reopen.store(true, Ordering::Release);
        // A full channel means the writer is busy and looks at the flag soon anyway.
        let _ = self.lines.try_send(Command::Wake);
    }
}

impl AuditLog {
    /// Opens (appends to) the file, or stdout, and starts the writer thread.
    pub fn open(config: &AuditConfig, metrics: Arc<Metrics>) -> io::Result<AuditLog> {
        let sink = Sink::open(config)?;
        let (log, receiver) = AuditLog::with_queue(QUEUE_LINES, metrics);
        let flag = log.reopen.clone();
        std::thread::Builder::new().name("cobrowse-audit".into()).spawn(move || write_lines(receiver, sink, &flag))?;
        Ok(log)
    }

    /// The relay's side, with room for `queue_lines` lines, and the writer's.
    fn with_queue(queue_lines: usize, metrics: Arc<Metrics>) -> (AuditLog, Receiver<Command>) {
        let (lines, receiver) = mpsc::sync_channel(queue_lines);
        (AuditLog { lines, reopen: Arc::new(AtomicBool::new(false)), metrics }, receiver)
    }

    /// Queues one line (without its newline); drops it, counted, if the writer is too far behind.
    pub fn write(&self, line: String) {
        if let Err(TrySendError::Full(_)) = self.lines.try_send(Command::Line(line)) {
            let dropped = self.metrics.audit_event_dropped();
            if dropped == 1 || dropped % 1000 == 0 {
                tracing::warn!(dropped, "the audit log's writer is behind: audit events are being dropped");
            }
        }
    }

    pub fn reopener(&self) -> Reopener {
        Reopener { lines: self.lines.clone(), reopen: self.reopen.clone() }
    }
}

/// The writer thread: until every sender is gone, writes what comes and flushes when nothing waits.
fn write_lines(receiver: Receiver<Command>, mut sink: Sink, reopen: &AtomicBool) {
    while let Ok(command) = receiver.recv() {
        let mut next = Some(command);
        while let Some(command) = next {
            if reopen.swap(false, Ordering::AcqRel) {
                sink.reopen();
            }
            if let Command::Line(line) = command {
                sink.write_line(&line);
            }
            next = receiver.try_recv().ok();
        }
        sink.flush();
    }
    sink.flush();
}

/// Where lines go.
enum Sink {
    Stdout(io::Stdout),
    File(RotatingFile),
}

struct RotatingFile {
    path: PathBuf,
    file: BufWriter<File>,
    /// Bytes in the file now.
    written: u64,
    /// 0: never rotate by size.
    max_bytes: u64,
    keep: usize,
}

impl Sink {
    fn open(config: &AuditConfig) -> io::Result<Sink> {
        if config.path == Path::new(AuditConfig::STDOUT) {
            return Ok(Sink::Stdout(io::stdout()));
        }
        let (file, written) = open_append(&config.path).map_err(|error| {
            io::Error::new(
                error.kind(),
                format!("cannot open the audit log {}: {error} (check [audit] path)", config.path.display()),
            )
        })?;
        Ok(Sink::File(RotatingFile {
            path: config.path.clone(),
            file,
            written,
            max_bytes: config.max_bytes,
            keep: config.keep,
        }))
    }

    fn write_line(&mut self, line: &str) {
        let result = match self {
            Sink::Stdout(stdout) => writeln!(stdout.lock(), "{line}"),
            Sink::File(file) => file.write_line(line),
        };
        if let Err(error) = result {
            tracing::warn!(%error, "cannot write to the audit log");
        }
    }

    fn flush(&mut self) {
        let result = match self {
            Sink::Stdout(stdout) => stdout.flush(),
            Sink::File(file) => file.file.flush(),
        };
        if let Err(error) = result {
            tracing::warn!(%error, "cannot write to the audit log");
        }
    }

    fn reopen(&mut self) {
        if let Sink::File(file) = self {
            if let Err(error) = file.reopen() {
                tracing::warn!(%error, path = %file.path.display(), "cannot reopen the audit log; writing on to the old file");
            }
        }
    }
}

impl RotatingFile {
    fn write_line(&mut self, line: &str) -> io::Result<()> {
        let length = line.len() as u64 + 1;
        if self.max_bytes > 0 && self.written > 0 && self.written + length > self.max_bytes {
            if let Err(error) = self.rotate() {
                tracing::warn!(%error, path = %self.path.display(), "cannot rotate the audit log; writing on");
            }
        }
        writeln!(self.file, "{line}")?;
        self.written += length;
        Ok(())
    }

    /// `PATH.{keep-1}` → `PATH.{keep}`, …, `PATH` → `PATH.1`, then a fresh `PATH`.
    fn rotate(&mut self) -> io::Result<()> {
        self.file.flush()?;
        if self.keep == 0 {
            std::fs::remove_file(&self.path)?;
        } else {
            for index in (1..self.keep).rev() {
                let from = numbered(&self.path, index);
                if from.exists() {
                    std::fs::rename(&from, numbered(&self.path, index + 1))?;
                }
            }
            std::fs::rename(&self.path, numbered(&self.path, 1))?;
        }
        self.reopen()
    }

    fn reopen(&mut self) -> io::Result<()> {
        self.file.flush()?;
        let (file, written) = open_append(&self.path)?;
        self.file = file;
        self.written = written;
        Ok(())
    }
}

fn open_append(path: &Path) -> io::Result<(BufWriter<File>, u64)> {
    let file = OpenOptions::new().create(true).append(true).open(path)?;
    let written = file.metadata()?.len();
    Ok((BufWriter::new(file), written))
}

/// `PATH.N`.
fn numbered(path: &Path, index: usize) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{index}"));
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rotating(dir: &Path, max_bytes: u64, keep: usize) -> RotatingFile {
        let path = dir.join("audit.jsonl");
        let (file, written) = open_append(&path).unwrap();
        RotatingFile { path, file, written, max_bytes, keep }
    }

    fn read(path: PathBuf) -> String {
        std::fs::read_to_string(path).unwrap_or_default()
    }

    #[test]
    fn a_line_that_finds_the_queue_full_is_dropped_and_counted() {
        let metrics = Arc::new(Metrics::new());
        let (log, receiver) = AuditLog::with_queue(2, metrics.clone());
        for n in 0..5 {
            log.write(format!("line {n}"));
        }
        let text = metrics.encode(0, 0);
        assert!(text.lines().any(|line| line == "cobrowse_audit_events_dropped_total 3"), "{text}");
        let kept: Vec<String> = receiver
            .try_iter()
            .filter_map(|command| match command {
                Command::Line(line) => Some(line),
                Command::Wake => None,
            })
            .collect();
        assert_eq!(kept, ["line 0", "line 1"]);
    }

    #[test]
    fn a_full_file_moves_to_dot_one_and_the_oldest_beyond_keep_goes() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = rotating(dir.path(), 20, 2);
        for line in ["line-1 ....", "line-2 ....", "line-3 ....", "line-4 ...."] {
            log.write_line(line).unwrap();
        }
        log.file.flush().unwrap();
        let path = dir.path().join("audit.jsonl");
        assert_eq!(read(path.clone()), "line-4 ....\n");
        assert_eq!(read(numbered(&path, 1)), "line-3 ....\n");
        assert_eq!(read(numbered(&path, 2)), "line-2 ....\n");
        assert!(!numbered(&path, 3).exists(), "only `keep` old files");
    }

    #[test]
    fn reopening_starts_a_new_file_after_it_was_moved_away() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = rotating(dir.path(), 0, 5);
        log.write_line("before").unwrap();
        let path = dir.path().join("audit.jsonl");
        std::fs::rename(&path, dir.path().join("moved")).unwrap();
        log.write_line("still the moved file").unwrap();
        log.reopen().unwrap();
        log.write_line("after").unwrap();
        log.file.flush().unwrap();
        assert_eq!(read(dir.path().join("moved")), "before\nstill the moved file\n");
        assert_eq!(read(path), "after\n");
    }
}
