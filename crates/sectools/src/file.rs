//! Whole files into memory, and the check that they are text.
//!
//! Reading a 50 MB log is mostly the kernel zeroing fresh pages and copying the page
//! cache into them, and checking it is UTF-8 is one more pass: both were a sixth of an
//! auditd read and ran on one core while the other waited. A large file is now read
//! in parts, one thread each (`pread` at the part's offset into its slice of one
//! buffer), and checked in parts the same way.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::hugepages::advise;
use crate::parallel::{on_threads, threads_for};

/// Parts smaller than this are not worth a thread.
const MIN_PART_BYTES: usize = 4 << 20;

/// `std::fs::read`, into a buffer on huge pages when the file is large (on Linux,
/// where the kernel allows it), and read in parts on the cores when it is larger still.
/// A file that grows or shrinks while it is read ends up as a plain read would see it.
///
/// ```
/// let path = std::env::temp_dir().join(format!("sectools-read-file-{}", std::process::id()));
/// std::fs::write(&path, "type=USER_LOGIN msg=audit(1551487424.869:752): res=success\n").unwrap();
/// assert_eq!(sectools::read_file(&path).unwrap(), std::fs::read(&path).unwrap());
/// std::fs::remove_file(&path).unwrap();
/// ```
pub fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    // Pipes and /proc files say 0: they are read as a stream.
    let size = file.metadata().map(|m| m.len() as usize).unwrap_or(0);
    read_in_parts(file, size, threads_for(size, MIN_PART_BYTES))
}

/// `file` (of `size` bytes, as far as its metadata knows) read in `parts`.
fn read_in_parts(mut file: std::fs::File, size: usize, parts: usize) -> std::io::Result<Vec<u8>> {
    // One byte more, so that reaching the end needs no second allocation.
    let mut bytes = Vec::with_capacity(size + 1);
    advise(&mut bytes);
    if parts > 1 {
        let filled = read_at_offsets(&file, &mut bytes.spare_capacity_mut()[..size], parts)?;
        // SAFETY: `read_at_offsets` wrote the first `filled` bytes.
        unsafe { bytes.set_len(filled) };
        file.seek(SeekFrom::Start(filled as u64))?;
    }
    // All of a file read as a stream; what a file read in parts gained meanwhile.
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Fills `buf` from the start of `file`, one part per thread; returns how many bytes
/// from the start were read without a gap (all of them unless the file shrank).
#[cfg(unix)]
fn read_at_offsets(
    file: &std::fs::File,
    buf: &mut [std::mem::MaybeUninit<u8>],
    parts: usize,
) -> std::io::Result<usize> {
    let chunk = buf.len().div_ceil(parts).max(1);
    let reads =
        on_threads(buf.chunks_mut(chunk).enumerate().map(|(k, part)| {
            move || read_at(file, part, (k * chunk) as u64).map(|n| (n, part.len()))
        }));
    let mut filled = 0;
    for read in reads {
        let (n, wanted) = read?;
        filled += n;
        if n < wanted {
            break;
        }
    }
    Ok(filled)
}

/// Elsewhere a large file is read as a stream.
#[cfg(not(unix))]
fn read_at_offsets(
    _file: &std::fs::File,
    _buf: &mut [std::mem::MaybeUninit<u8>],
    _parts: usize,
) -> std::io::Result<usize> {
    Ok(0)
}

/// Reads into `buf` from `offset` until it is full or the file ends; returns how many
/// bytes it read.
#[cfg(unix)]
fn read_at(
    file: &std::fs::File,
    buf: &mut [std::mem::MaybeUninit<u8>],
    offset: u64,
) -> std::io::Result<usize> {
    use std::os::fd::AsRawFd;
    let mut done = 0;
    while done < buf.len() {
        let rest = &mut buf[done..];
        let at = libc::off_t::try_from(offset + done as u64)
            .map_err(|_| std::io::Error::other("file offset out of range"))?;
        // SAFETY: `pread` writes at most `rest.len()` bytes at `rest`'s start, memory
        // this function may write; it never reads it.
        let n = unsafe { libc::pread(file.as_raw_fd(), rest.as_mut_ptr().cast(), rest.len(), at) };
        match n {
            0 => break,
            1.. => done += n as usize,
            _ => {
                let error = std::io::Error::last_os_error();
                if error.kind() != std::io::ErrorKind::Interrupted {
                    return Err(error);
                }
            }
        }
    }
    Ok(done)
}

/// `bytes` as a `String`: moved without a copy when they are UTF-8 (checked as
/// [`is_utf8`] does), otherwise with invalid sequences replaced.
pub(crate) fn into_text(bytes: Vec<u8>) -> String {
    if is_utf8(&bytes) {
        // SAFETY: just checked.
        unsafe { String::from_utf8_unchecked(bytes) }
    } else {
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// Whether `bytes` are UTF-8, checked in parts on the cores when there are many.
pub(crate) fn is_utf8(bytes: &[u8]) -> bool {
    is_utf8_in_parts(bytes, threads_for(bytes.len(), MIN_PART_BYTES))
}

/// The parts are cut where a character starts: if the whole is UTF-8, each part then
/// is; if each part is, so is the whole.
fn is_utf8_in_parts(bytes: &[u8], parts: usize) -> bool {
    if parts <= 1 {
        return std::str::from_utf8(bytes).is_ok();
    }
    let is_continuation = |b: u8| b & 0xC0 == 0x80;
    let mut cuts = vec![0];
    for k in 1..parts {
        let mut at = (bytes.len() * k / parts).max(cuts[k - 1]);
        // A character has at most three continuation bytes; a cut after more of them
        // starts its part with one, which the check of that part rejects.
        for _ in 0..3 {
            if bytes.get(at).is_some_and(|&b| is_continuation(b)) {
                at += 1;
            }
        }
        cuts.push(at);
    }
    cuts.push(bytes.len());
    on_threads(
        cuts.windows(2)
            .map(|cut| move || std::str::from_utf8(&bytes[cut[0]..cut[1]]).is_ok()),
    )
    .into_iter()
    .all(|valid| valid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("sectools-file-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn files_read_in_any_number_of_parts_read_as_std_reads_them() {
        let dir = temp_dir("parts");
        for (name, size) in [("empty", 0usize), ("small", 100), ("large", (9 << 20) + 3)] {
            let path = dir.join(name);
            let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &data).unwrap();
            assert_eq!(read_file(&path).unwrap(), data, "{name}");
            for parts in [1, 2, 3, 7, 200] {
                let file = std::fs::File::open(&path).unwrap();
                let read = read_in_parts(file, size, parts).unwrap();
                assert!(read == data, "{name} in {parts} parts");
            }
        }
        let missing = read_file(&dir.join("missing")).unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_longer_or_shorter_than_its_size_said_is_read_as_it_is_now() {
        let dir = temp_dir("resized");
        let path = dir.join("log");
        let data: Vec<u8> = (0..10_000).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        // The size the metadata gave before the file changed.
        for stale_size in [4_000, 10_000, 25_000] {
            let file = std::fs::File::open(&path).unwrap();
            let read = read_in_parts(file, stale_size, 3).unwrap();
            assert!(read == data, "size said {stale_size}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn utf8_checked_in_parts_agrees_with_std_wherever_the_cuts_fall() {
        // One-, two-, three- and four-byte characters, so that cuts land inside each.
        let text = "aé€😀".repeat(50);
        let bytes = text.as_bytes();
        for parts in 1..=12 {
            assert!(
                is_utf8_in_parts(bytes, parts),
                "valid text in {parts} parts"
            );
        }
        let mut broken_at_every_byte = 0;
        for at in 0..bytes.len() {
            for bad in [0x80u8, 0xFF, 0xC3] {
                let mut bad_bytes = bytes.to_vec();
                bad_bytes[at] = bad;
                let expected = std::str::from_utf8(&bad_bytes).is_ok();
                broken_at_every_byte += usize::from(!expected);
                for parts in [2, 3, 5, 11] {
                    assert_eq!(
                        is_utf8_in_parts(&bad_bytes, parts),
                        expected,
                        "{bad:#x} at {at} in {parts} parts"
                    );
                }
            }
        }
        assert!(
            broken_at_every_byte > bytes.len(),
            "the corruptions make invalid text"
        );
        // Runs of continuation bytes longer than a character has, at a cut.
        let mut run = vec![b'a'; 64];
        run[30..36].fill(0x80);
        assert!(!is_utf8_in_parts(&run, 2));
        assert!(is_utf8_in_parts(&[], 4));
    }

    #[test]
    fn text_is_moved_when_valid_and_repaired_when_not() {
        let valid = "aé€😀".repeat(3).into_bytes();
        let at = valid.as_ptr();
        let text = into_text(valid);
        assert_eq!(text, "aé€😀".repeat(3));
        assert_eq!(text.as_ptr(), at, "moved, not copied");
        assert_eq!(into_text(b"ok\xFFok".to_vec()), "ok\u{FFFD}ok");
    }
}
