//! Hooks for the process that runs notebook cells.
//!
//! The kernel calls [`install`] once in every fresh cell process. After that:
//! - a panic in user code is reported to the kernel as a [`ChildEvent::Panic`], which
//!   becomes the cell's error (with the message and location) instead of text on stderr;
//! - `SIGINT` (sent by the kernel on an interrupt request) sets a flag, and the next
//!   [`interrupt_point`] stops the cell by unwinding, exactly like a panic: variables
//!   the cell did not move survive, as evcxr keeps them on a panic.
//!
//! The kernel inserts an interruption point at the top of every loop body of a cell;
//! long-running library code calls [`interrupt_point`] itself.

use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::display::send;
use crate::wire::ChildEvent;

static IN_KERNEL: AtomicBool = AtomicBool::new(false);

/// Whether this process runs cells for the huntrs kernel ([`install`] was called), so
/// widgets can ask the kernel for their front-end state.
pub fn in_kernel() -> bool {
    IN_KERNEL.load(Ordering::Relaxed)
}
static INSTALL: Once = Once::new();

/// The payload an interrupted cell unwinds with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted;

/// Installs the panic reporter and the interrupt handler. Idempotent.
pub fn install() {
    IN_KERNEL.store(true, Ordering::Relaxed);
    INSTALL.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let message = if let Some(text) = info.payload().downcast_ref::<&str>() {
                (*text).to_owned()
            } else if let Some(text) = info.payload().downcast_ref::<String>() {
                text.clone()
            } else {
                String::from("(panic payload is not a string)")
            };
            let location = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
            send(&ChildEvent::Panic { message, location });
        }));
        // Azure AD device-code sign-in: the prompt is shown in the running cell.
        data::drivers::set_device_code_handler(std::sync::Arc::new(|prompt| {
            crate::display(
                &crate::MimeBundle::text(prompt.message.clone()).with_html(format!(
                    "<div class=\"huntrs-signin\"><b>Sign in:</b> open <a href=\"{uri}\" target=\"_blank\" \
                     rel=\"noopener\">{uri}</a> and enter the code <code>{code}</code> (valid {mins} min).</div>",
                    uri = crate::escape_html(&prompt.verification_uri),
                    code = crate::escape_html(&prompt.user_code),
                    mins = prompt.expires_in.as_secs() / 60
                )),
            );
        }));
        sectools::runtime::set_progress_sink(std::sync::Arc::new(
            crate::widgets::NotebookProgress::default(),
        ));
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            libc::signal(
                libc::SIGINT,
                on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t,
            );
        }
    });
}

// The flag lives in `sectools::runtime` so library loops and network waits in
// `sectools` and `data` see the same interrupt as cell loops.
extern "C" fn on_sigint(_signal: libc::c_int) {
    sectools::runtime::request_interrupt();
}

/// Forgets an interrupt that arrived after its cell had already finished.
pub fn clear_interrupt() {
    sectools::runtime::clear_interrupt();
}

/// Stops the running cell if an interrupt was requested. Cheap: one atomic load.
#[inline]
pub fn interrupt_point() {
    if sectools::runtime::check_interrupt().is_err() {
        interrupt_now();
    }
}

/// The payload a cell ended by [`fail_cell`] unwinds with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellFailed;

/// Ends the running cell with an error named `ename` (reported as the cell's error,
/// with `message` as its text), unwinding like an interrupt so the variables the cell
/// did not move survive. Outside a kernel it panics with the message.
pub fn fail_cell(ename: &str, message: &str) -> ! {
    if !in_kernel() {
        panic!("{ename}: {message}");
    }
    send(&ChildEvent::CellError {
        ename: ename.to_owned(),
        evalue: message.to_owned(),
    });
    std::panic::resume_unwind(Box::new(CellFailed));
}

#[cold]
fn interrupt_now() {
    send(&ChildEvent::Interrupted);
    // resume_unwind skips the panic hook: an interrupt is not reported as a panic.
    std::panic::resume_unwind(Box::new(Interrupted));
}
