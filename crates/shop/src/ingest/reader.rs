//! Lines of an NDJSON input, one at a time, each at most a configured size: memory stays bounded
//! whatever the input holds (a file without newlines is one over-long line, reported and
//! skipped, not a buffer that grows until the process dies).

use tokio::io::{AsyncBufRead, AsyncBufReadExt as _};

/// The UTF-8 byte-order mark some editors write at the start of a file: no part of the first
/// line's JSON, which would otherwise be rejected as malformed.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One line of input: its bytes without the newline, or the fact that it was too long.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line<'a> {
    /// The line's bytes (a trailing `\r` removed).
    Text(&'a [u8]),
    /// The line was longer than the limit; its bytes were skipped.
    TooLong,
}

/// Reads lines of at most `max_bytes` from `input`.
pub(crate) struct LineReader<R> {
    input: R,
    max_bytes: usize,
    buffer: Vec<u8>,
    too_long: bool,
    number: u64,
    consumed: u64,
}

impl<R: AsyncBufRead + Unpin> LineReader<R> {
    /// A reader of `input` with lines of at most `max_bytes`.
    pub(crate) fn new(input: R, max_bytes: usize) -> Self {
        Self { input, max_bytes, buffer: Vec::new(), too_long: false, number: 0, consumed: 0 }
    }

    /// Bytes read so far.
    pub(crate) fn consumed(&self) -> u64 {
        self.consumed
    }

    /// The next line and its number (from 1), or `None` at the end. A last line without a
    /// newline counts; an empty input has no lines.
    ///
    /// # Errors
    /// The input's read error.
    pub(crate) async fn next_line(&mut self) -> std::io::Result<Option<(u64, Line<'_>)>> {
        self.buffer.clear();
        self.too_long = false;
        let mut seen_any = false;
        loop {
            let available = self.input.fill_buf().await?;
            if available.is_empty() {
                if !seen_any {
                    return Ok(None);
                }
                break;
            }
            seen_any = true;
            let (part, used, done) = match available.iter().position(|&b| b == b'\n') {
                Some(end) => (&available[..end], end + 1, true),
                None => (available, available.len(), false),
            };
            if !self.too_long {
                if self.buffer.len() + part.len() > self.max_bytes {
                    self.too_long = true;
                    self.buffer = Vec::new();
                } else {
                    self.buffer.extend_from_slice(part);
                }
            }
            self.input.consume(used);
            self.consumed += used as u64;
            if done {
                break;
            }
        }
        self.number += 1;
        if self.too_long {
            return Ok(Some((self.number, Line::TooLong)));
        }
        let mut text = self.buffer.strip_suffix(b"\r").unwrap_or(&self.buffer);
        if self.number == 1 {
            text = text.strip_prefix(BOM).unwrap_or(text);
        }
        Ok(Some((self.number, Line::Text(text))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines(input: &[u8], max: usize) -> Vec<(u64, Option<String>)> {
        let mut reader = LineReader::new(tokio::io::BufReader::with_capacity(4, input), max);
        let mut out = Vec::new();
        while let Some((number, line)) = reader.next_line().await.expect("read") {
            out.push((
                number,
                match line {
                    Line::Text(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
                    Line::TooLong => None,
                },
            ));
        }
        out
    }

    #[tokio::test]
    async fn lines_are_numbered_and_a_last_line_without_newline_counts() {
        let got = lines(b"a\r\n\nbc", 10).await;
        assert_eq!(got, [(1, Some("a".into())), (2, Some(String::new())), (3, Some("bc".into()))]);
    }

    #[tokio::test]
    async fn an_over_long_line_is_reported_and_reading_goes_on() {
        let got = lines(b"short\nthis one is far too long\nok\n", 8).await;
        assert_eq!(got, [(1, Some("short".into())), (2, None), (3, Some("ok".into()))]);
    }

    #[tokio::test]
    async fn a_byte_order_mark_at_the_start_is_skipped_and_nowhere_else() {
        let got = lines(b"\xEF\xBB\xBF{}\r\n\xEF\xBB\xBF{}\n", 16).await;
        assert_eq!(got, [(1, Some("{}".into())), (2, Some("\u{feff}{}".into()))]);
    }

    #[tokio::test]
    async fn an_empty_input_has_no_lines() {
        assert!(lines(b"", 8).await.is_empty());
    }
}
