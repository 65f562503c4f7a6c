//! A progress bar on stderr for long runs, kept apart from the analysis: the library's
//! parallel loops only bump an [`AtomicUsize`]; a thread here turns it into an indicatif bar.
//!
//! The bar appears only when stderr is a terminal, the run was not asked to be quiet, and the
//! run is still going after [`DELAY`]; it is cleared when the run ends, so a quick run (and any
//! run in a test, a pipe or CI) prints nothing.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a run goes before its bar appears.
pub const DELAY: Duration = Duration::from_secs(1);

/// How often the bar is redrawn.
const TICK: Duration = Duration::from_millis(100);

#[derive(Default)]
struct State {
    label: &'static str,
    total: usize,
    stopped: bool,
}

struct Shared {
    done: AtomicUsize,
    state: Mutex<State>,
    wake: Condvar,
}

/// A progress reporter: a counter the work bumps, and (when enabled) the thread drawing it.
pub struct Progress {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Whether a reporter started with `enabled` draws (stderr is a terminal): a caller
    /// counts its total only then, when counting costs a pass of its own.
    pub fn draws(enabled: bool) -> bool {
        enabled && std::io::stderr().is_terminal()
    }

    /// Starts a reporter for `total` items of the phase `label`. It draws only when `enabled`
    /// and stderr is a terminal; otherwise it is just a counter.
    pub fn start(enabled: bool, label: &'static str, total: usize) -> Progress {
        let shared = Arc::new(Shared {
            done: AtomicUsize::new(0),
            state: Mutex::new(State {
                label,
                total,
                stopped: false,
            }),
            wake: Condvar::new(),
        });
        let thread = Progress::draws(enabled).then(|| {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || draw(&shared))
        });
        Progress { shared, thread }
    }

    /// The counter the work increments once per item done.
    pub fn counter(&self) -> &AtomicUsize {
        &self.shared.done
    }

    /// Moves on to the next phase: a new label and total, the counter back at zero.
    pub fn phase(&self, label: &'static str, total: usize) {
        let mut st = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
        st.label = label;
        st.total = total;
        self.shared.done.store(0, Ordering::Relaxed);
    }

    /// Stops drawing and clears the bar (also done on drop).
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(t) = self.thread.take() {
            {
                let mut st = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
                st.stopped = true;
            }
            self.shared.wake.notify_all();
            let _ = t.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}

fn draw(shared: &Shared) {
    let start = Instant::now();
    let mut bar: Option<ProgressBar> = None;
    let mut st = shared.state.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let wait = if bar.is_some() {
            TICK
        } else {
            DELAY
                .saturating_sub(start.elapsed())
                .max(Duration::from_millis(1))
        };
        st = shared
            .wake
            .wait_timeout(st, wait)
            .unwrap_or_else(|e| e.into_inner())
            .0;
        if st.stopped {
            break;
        }
        if bar.is_none() && start.elapsed() >= DELAY {
            let b = ProgressBar::with_draw_target(
                Some(st.total as u64),
                ProgressDrawTarget::stderr_with_hz(10),
            )
            .with_elapsed(start.elapsed());
            b.set_style(
                ProgressStyle::with_template(
                    "{msg:>10} [{bar:30}] {pos}/{len} ({elapsed}, {eta} left)",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar = Some(b);
        }
        if let Some(b) = &bar {
            b.set_message(st.label);
            b.set_length(st.total as u64);
            b.set_position(shared.done.load(Ordering::Relaxed).min(st.total) as u64);
        }
    }
    drop(st);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_without_drawing_when_not_a_terminal() {
        // Test processes have no terminal on stderr (or `enabled` is false): never a thread.
        let p = Progress::start(false, "rendering", 3);
        p.counter().fetch_add(2, Ordering::Relaxed);
        assert_eq!(p.counter().load(Ordering::Relaxed), 2);
        p.phase("writing", 5);
        assert_eq!(p.counter().load(Ordering::Relaxed), 0);
        assert!(p.thread.is_none());
        p.finish();
    }
}
