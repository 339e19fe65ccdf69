//! Set-up of evcxr's cell process (the `huntrs` binary started with
//! `EVCXR_IS_RUNTIME`), before evcxr's own loop takes over.
//!
//! evcxr turns a `?` that fails at the top level of a cell into an error message on
//! stderr and an `EVCXR_ERROR_OCCURRED` line on stdout, which it consumes itself:
//! the cell would count as a success. So the cell process's stdout passes through a
//! watcher thread that puts a [`ChildEvent::QuestionMarkError`] line in front of that
//! marker; the kernel then reports the cell as failed.

use std::io::Write;
use std::os::fd::{FromRawFd, OwnedFd};

use crate::wire::ChildEvent;

/// The line evcxr's generated code prints after a failed top-level `?`.
const ERROR_MARKER: &[u8] = b"EVCXR_ERROR_OCCURRED";

/// Makes the cell process outlive neither the kernel nor a stray Ctrl-C, and starts
/// the stdout watcher. Runs first thing in `main`, before any other thread exists.
pub fn prepare() {
    // SAFETY: plain libc calls on this process, before any thread exists.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        // nbtools::runtime::install() replaces these with its handlers.
        libc::signal(libc::SIGINT, libc::SIG_IGN);
        libc::signal(libc::SIGUSR1, libc::SIG_IGN);
    }
    if let Err(error) = watch_stdout() {
        // Cells still run; only a failed `?` goes unreported as an error.
        eprintln!(
            "huntrs: cannot watch the cell process's stdout ({error}); a failing `?` will not mark its cell as failed"
        );
    }
}

/// Replaces fd 1 with a pipe whose reader forwards everything to the original
/// stdout, adding the event line before each error marker.
fn watch_stdout() -> std::io::Result<()> {
    let mut fds = [0; 2];
    // SAFETY: pipe2/dup/dup2 on descriptors this process owns; each new descriptor
    // is wrapped in an OwnedFd exactly once.
    let (reader, original) = unsafe {
        if libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let reader = OwnedFd::from_raw_fd(fds[0]);
        let writer = OwnedFd::from_raw_fd(fds[1]);
        let original = libc::fcntl(1, libc::F_DUPFD_CLOEXEC, 3);
        if original < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let original = OwnedFd::from_raw_fd(original);
        if libc::dup2(fds[1], 1) < 0 {
            return Err(std::io::Error::last_os_error());
        }
        drop(writer);
        (reader, original)
    };
    std::thread::Builder::new()
        .name("huntrs-stdout".into())
        .spawn(move || {
            let mut input = std::fs::File::from(reader);
            let mut output = std::fs::File::from(original);
            let _ = forward(&mut input, &mut output);
        })?;
    Ok(())
}

/// Copies `input` to `output`, writing the [`ChildEvent::QuestionMarkError`] line
/// before every line that is exactly the error marker. Complete lines are written as
/// they arrive; only a line that could still become the marker is held back.
fn forward(input: &mut impl std::io::Read, output: &mut impl Write) -> std::io::Result<()> {
    let event = format!("{}\n", ChildEvent::QuestionMarkError.to_line());
    let mut buffer = vec![0u8; 64 * 1024];
    // Bytes of the current line held back because they are a prefix of the marker.
    let mut held: Vec<u8> = Vec::new();
    let mut at_line_start = true;
    loop {
        let read = match input.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        let mut chunk = &buffer[..read];
        while !chunk.is_empty() {
            let newline = chunk.iter().position(|&b| b == b'\n');
            let (piece, complete) = match newline {
                Some(at) => (&chunk[..=at], true),
                None => (chunk, false),
            };
            chunk = &chunk[piece.len()..];
            if !at_line_start {
                output.write_all(piece)?;
                at_line_start = complete;
                continue;
            }
            held.extend_from_slice(piece);
            if complete {
                let line = held.strip_suffix(b"\n").unwrap_or(&held);
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if line == ERROR_MARKER {
                    output.write_all(event.as_bytes())?;
                }
                output.write_all(&held)?;
                held.clear();
            } else if !ERROR_MARKER.starts_with(&held) {
                output.write_all(&held)?;
                held.clear();
                at_line_start = false;
            }
        }
        output.flush()?;
    }
    output.write_all(&held)?;
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `chunks` one read at a time.
    struct Chunks(Vec<Vec<u8>>);

    impl std::io::Read for Chunks {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Ok(0);
            }
            let chunk = self.0.remove(0);
            buf[..chunk.len()].copy_from_slice(&chunk);
            Ok(chunk.len())
        }
    }

    fn run(chunks: &[&str]) -> String {
        let mut input = Chunks(chunks.iter().map(|c| c.as_bytes().to_vec()).collect());
        let mut output = Vec::new();
        forward(&mut input, &mut output).unwrap();
        String::from_utf8(output).unwrap()
    }

    fn event() -> String {
        ChildEvent::QuestionMarkError.to_line()
    }

    #[test]
    fn ordinary_output_passes_unchanged() {
        let text = "hello\nno newline at the end";
        assert_eq!(run(&[text]), text);
        assert_eq!(
            run(&["EVCXR", "_ERROR_OCCURRED is not alone\n"]),
            "EVCXR_ERROR_OCCURRED is not alone\n"
        );
        assert_eq!(
            run(&["say EVCXR_ERROR_OCCURRED\n"]),
            "say EVCXR_ERROR_OCCURRED\n"
        );
    }

    #[test]
    fn the_marker_gets_the_event_before_it_even_when_split_across_reads() {
        let expected = format!(
            "out\n{}\nEVCXR_ERROR_OCCURRED\nEVCXR_EXECUTION_COMPLETE\n",
            event()
        );
        assert_eq!(
            run(&["out\nEVCXR_ERROR_OCCURRED\nEVCXR_EXECUTION_COMPLETE\n"]),
            expected
        );
        assert_eq!(
            run(&[
                "out\nEVCXR_ERR",
                "OR_OCC",
                "URRED\nEVCXR_EXECUTION_COMPLETE\n"
            ]),
            expected
        );
    }

    #[test]
    fn a_line_that_only_starts_like_the_marker_is_not_one() {
        assert_eq!(
            run(&["partial EVCXR_ERROR_OCCURRED\n"]),
            "partial EVCXR_ERROR_OCCURRED\n"
        );
        assert_eq!(run(&["EVCXR_ERROR_OCCURREDX\n"]), "EVCXR_ERROR_OCCURREDX\n");
        assert_eq!(run(&["EVCXR_ERR"]), "EVCXR_ERR");
    }
}
