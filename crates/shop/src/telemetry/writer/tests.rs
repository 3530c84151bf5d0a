//! The batch writer: every line out, whole and in order per thread, at once when idle, and what
//! is still buffered at close.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use super::*;

/// An output kept in memory.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Sink {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

#[test]
fn every_line_of_every_thread_is_written_whole_and_in_order_by_the_close() {
    let sink = Sink::default();
    let (writer, flusher) = to(sink.clone()).expect("the writer thread starts");
    let writer = Arc::new(writer);

    let threads: Vec<_> = (0..4)
        .map(|thread| {
            let writer = Arc::clone(&writer);
            std::thread::spawn(move || {
                for line in 0..5_000 {
                    (&*writer).write_all(format!("thread {thread} line {line}\n").as_bytes()).expect("written");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("the thread finishes");
    }
    drop(flusher);

    let text = sink.text();
    for thread in 0..4 {
        let lines: Vec<&str> = text.lines().filter(|line| line.starts_with(&format!("thread {thread} "))).collect();
        let expected: Vec<String> = (0..5_000).map(|line| format!("thread {thread} line {line}")).collect();
        assert_eq!(lines, expected, "thread {thread}");
    }
    assert_eq!(text.lines().count(), 20_000);
}

#[test]
fn a_lone_line_is_written_soon_without_waiting_for_more() {
    let sink = Sink::default();
    let (writer, _flusher) = to(sink.clone()).expect("the writer thread starts");

    (&writer).write_all(b"alone\n").expect("written");

    let started = Instant::now();
    while sink.text().is_empty() && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(sink.text(), "alone\n");
}

#[test]
fn a_writer_closed_by_its_flusher_still_accepts_lines() {
    let sink = Sink::default();
    let (writer, flusher) = to(sink.clone()).expect("the writer thread starts");
    (&writer).write_all(b"before\n").expect("written");

    drop(flusher);

    assert_eq!(sink.text(), "before\n");
    assert_eq!((&writer).write(b"").expect("accepted after the close"), 0);
}
