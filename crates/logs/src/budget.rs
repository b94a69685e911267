//! The time a reader may spend on one file, checked by the reader itself: when the watchdog gives
//! up on a file, the thread that reads it must stop too and free its core, not run on unseen.

use std::cell::Cell;
use std::time::Instant;

thread_local! {
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Sets this thread's deadline for the file it reads next (`None`: no limit).
pub(crate) fn set(deadline: Option<Instant>) {
    DEADLINE.with(|d| d.set(deadline));
}

/// Whether this thread's reader is past its deadline; readers check it between records.
pub(crate) fn exceeded() -> bool {
    DEADLINE.with(|d| d.get().is_some_and(|deadline| Instant::now() >= deadline))
}
