//! Progress on stderr, shown only when stderr is a terminal and logging is quiet.
//!
//! Used by `observe` (listing users and teams, reading team members), `apply` (applying)
//! and the commands, which make one [`Progress`] per run (`Printer::progress`); it imports
//! nothing of the crate.
//!
//! [`Progress`] may be hidden, so call sites never branch on whether one is shown
//! (lychee's `progress.rs` shape, STYLE.md §1). Each stage gets a bar of its own, so one
//! stage's count never shows under the next stage's name, and the previous stage's bar is
//! cleared first:
//! - total unknown: a spinner with the stage's name, and the count once there is one
//!   (`⠋ listing users 200`);
//! - total known: a bar with the count, an integer rate and the time left
//!   (`⠋ applying [=====>    ] 5/9 (12/s, 1s left)`);
//! - total zero: nothing (no empty `0/0` bar).
//!
//! The rate is indicatif's `per_sec` rounded to a whole number (`{per_sec}` would print
//! four decimals), per minute when below one per second.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressFinish, ProgressState, ProgressStyle};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Makes the draw target of each new stage's bar.
type Target = Arc<dyn Fn() -> ProgressDrawTarget + Send + Sync>;

/// A progress display that may be hidden. Clones share the display.
#[derive(Clone)]
pub struct Progress {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    target: Target,
    /// Redraw interval of the steady tick that keeps a spinner turning between updates
    /// (`None` in tests: then every update draws).
    tick: Option<Duration>,
    stage: Mutex<Option<Stage>>,
}

/// The bar of the current stage.
struct Stage {
    bar: ProgressBar,
    /// Which template the bar shows now.
    shape: Shape,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Spinner and name: no count yet.
    Spinner,
    /// Spinner, name and count: total unknown.
    Counter,
    /// Bar with count, total, rate and time left.
    Bar,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("shown", &self.inner.is_some())
            .finish()
    }
}

/// `12/s` for rates of one per second or more, `30/min` below.
fn rate(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let per_sec = state.per_sec();
    let _ = if per_sec >= 1.0 || per_sec <= 0.0 || !per_sec.is_finite() {
        write!(w, "{:.0}/s", per_sec)
    } else {
        write!(w, "{:.0}/min", per_sec * 60.0)
    };
}

fn style(shape: Shape) -> ProgressStyle {
    let template = match shape {
        Shape::Spinner => "{spinner} {msg}",
        Shape::Counter => "{spinner} {msg} {pos}",
        Shape::Bar => "{spinner} {msg} [{bar:30}] {pos}/{len} ({rate}, {eta} left)",
    };
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .with_key("rate", rate)
        .progress_chars("=> ")
}

impl Progress {
    /// Drawn on the process's stderr when `enabled`, hidden otherwise; whoever owns stderr
    /// decides (`Printer::progress`: only when its stderr is the process's and a terminal).
    pub fn new(enabled: bool) -> Progress {
        if enabled {
            Progress::with_target(
                Arc::new(ProgressDrawTarget::stderr),
                Some(Duration::from_millis(100)),
            )
        } else {
            Progress::hidden()
        }
    }

    /// Draws nothing.
    pub fn hidden() -> Progress {
        Progress { inner: None }
    }

    /// Draws each stage's bar on a target made by `target`, redrawn every `tick`.
    fn with_target(target: Target, tick: Option<Duration>) -> Progress {
        Progress {
            inner: Some(Arc::new(Inner {
                target,
                tick,
                stage: Mutex::new(None),
            })),
        }
    }

    fn with_stage(&self, f: impl FnOnce(&mut Option<Stage>)) {
        if let Some(inner) = &self.inner {
            let mut stage = inner.stage.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut stage);
        }
    }

    /// Starts a stage named `message`, clearing the previous one: a bar up to `total`, a
    /// spinner when the total is unknown (`None`), nothing when it is `Some(0)`.
    pub fn stage(&self, message: &str, total: Option<u64>) {
        let Some(inner) = &self.inner else { return };
        let target = (inner.target)();
        let tick = inner.tick;
        self.with_stage(|stage| {
            if let Some(old) = stage.take() {
                old.bar.finish_and_clear();
            }
            if total == Some(0) {
                return;
            }
            let shape = if total.is_some() {
                Shape::Bar
            } else {
                Shape::Spinner
            };
            let bar = ProgressBar::with_draw_target(total, target)
                .with_style(style(shape))
                .with_message(message.to_string())
                .with_finish(ProgressFinish::AndClear);
            if let Some(every) = tick {
                bar.enable_steady_tick(every);
            }
            *stage = Some(Stage { bar, shape });
        });
    }

    /// Sets the current stage's total once known: its spinner becomes a bar (a total of
    /// zero clears it).
    pub fn set_total(&self, total: u64) {
        self.with_stage(|stage| {
            if total == 0 {
                if let Some(old) = stage.take() {
                    old.bar.finish_and_clear();
                }
                return;
            }
            if let Some(s) = stage {
                s.reshape(Shape::Bar);
                s.bar.set_length(total);
            }
        });
    }

    /// Sets the current stage's count.
    pub fn set(&self, pos: u64) {
        self.with_stage(|stage| {
            if let Some(s) = stage {
                s.reshape(Shape::Counter);
                s.bar.set_position(pos);
            }
        });
    }

    /// Advances the current stage's count by one.
    pub fn inc(&self) {
        self.with_stage(|stage| {
            if let Some(s) = stage {
                s.reshape(Shape::Counter);
                s.bar.inc(1);
            }
        });
    }

    /// Runs `f` (which writes to the terminal) with the bar hidden, then redraws it; with no
    /// bar, just runs `f`.
    pub fn suspend(&self, f: impl FnOnce()) {
        let mut f = Some(f);
        self.with_stage(|stage| {
            if let (Some(s), Some(f)) = (stage.as_ref(), f.take()) {
                s.bar.suspend(f);
            }
        });
        if let Some(f) = f.take() {
            f();
        }
    }

    /// Prints a line above the bar (nothing when hidden).
    pub fn println(&self, line: &str) {
        self.with_stage(|stage| {
            if let Some(s) = stage {
                s.bar.println(line);
            }
        });
    }

    /// Ends the current stage and clears its bar from the screen.
    pub fn finish(&self) {
        self.with_stage(|stage| {
            if let Some(old) = stage.take() {
                old.bar.finish_and_clear();
            }
        });
    }
}

impl Stage {
    /// Moves to `shape` when it shows more than the current one (a spinner gains a count,
    /// a counter becomes a bar; a bar stays a bar). A new style is not drawn by itself: the
    /// update that follows draws it, so a count is never drawn as 0 on the way.
    fn reshape(&mut self, shape: Shape) {
        let rank = |s: Shape| match s {
            Shape::Spinner => 0,
            Shape::Counter => 1,
            Shape::Bar => 2,
        };
        if rank(shape) > rank(self.shape) {
            self.shape = shape;
            self.bar.set_style(style(shape));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indicatif::TermLike;

    /// A terminal that records every line drawn.
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<Vec<String>>>);

    impl Screen {
        fn lines(&self) -> Vec<String> {
            self.0
                .lock()
                .unwrap()
                .iter()
                .filter(|l| !l.trim().is_empty())
                .cloned()
                .collect()
        }
    }

    impl TermLike for Screen {
        fn width(&self) -> u16 {
            100
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push(s.to_string());
            Ok(())
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push(s.to_string());
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Draws on `screen` at every update (no steady tick).
    fn on(screen: &Screen) -> Progress {
        ticking(screen, None)
    }

    fn ticking(screen: &Screen, tick: Option<Duration>) -> Progress {
        let s = screen.clone();
        Progress::with_target(
            Arc::new(move || ProgressDrawTarget::term_like(Box::new(s.clone()))),
            tick,
        )
    }

    /// The count shown after `name` in a line, if any: `name 12` or `name [==>  ] 12/30`.
    fn count_after(line: &str, name: &str) -> Option<u64> {
        let rest = &line[line.find(name)? + name.len()..];
        let rest = match rest.find("] ") {
            Some(i) => rest[i + 2..].split('/').next()?,
            None => rest,
        };
        rest.split_whitespace().next()?.parse().ok()
    }

    #[test]
    fn stages_as_the_commands_run_them_draw_cleanly() {
        let screen = Screen::default();
        let p = on(&screen);
        // observe: users (total known after the first page), teams, no team members.
        p.stage("listing users", None);
        for n in [100, 200, 250] {
            p.set(n);
            p.set_total(250);
        }
        p.stage("listing teams", None);
        p.stage("reading team members", Some(0));
        // apply: nothing to apply, then 3 actions.
        p.stage("applying", Some(0));
        p.stage("applying", Some(3));
        for _ in 0..3 {
            std::thread::sleep(Duration::from_millis(5));
            p.inc();
        }
        p.finish();
        let lines = screen.lines();
        assert!(
            lines
                .iter()
                .any(|l| l.contains("listing users [") && l.contains("] 100/250 (")),
            "{lines:#?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains("applying [") && l.contains("3/3")),
            "{lines:#?}"
        );
        for l in &lines {
            assert!(!l.contains("0/0"), "an empty bar: {l:?}");
            // Rates are whole numbers.
            for word in l.split(['(', ' ', ',']) {
                if let Some(n) = word.strip_suffix("/s").or(word.strip_suffix("/min")) {
                    assert!(n.parse::<u64>().is_ok(), "rate {word:?} in {l:?}");
                }
            }
            // A stage never shows another stage's count: teams were never counted.
            assert_eq!(count_after(l, "listing teams"), None, "{l:?}");
            assert!(!l.contains("reading team members"), "{l:?}");
        }
        // The users count only goes up.
        let users: Vec<u64> = lines
            .iter()
            .filter_map(|l| count_after(l, "listing users"))
            .collect();
        assert_eq!(users.last(), Some(&250), "{lines:#?}");
        assert!(users.windows(2).all(|w| w[0] <= w[1]), "{users:?}");
        let applying: Vec<&String> = lines.iter().filter(|l| l.contains("applying")).collect();
        assert!(!applying.is_empty());
        assert!(applying.iter().all(|l| l.contains("/3 (")), "{applying:#?}");
    }

    #[test]
    fn a_spinner_gains_a_count_once_counting_starts() {
        let screen = Screen::default();
        let p = on(&screen);
        p.stage("listing users", None);
        p.set(100);
        p.finish();
        let lines = screen.lines();
        assert!(
            lines
                .iter()
                .any(|l| count_after(l, "listing users") == Some(100)),
            "{lines:#?}"
        );
        assert!(
            lines
                .iter()
                .filter(|l| l.contains("listing users"))
                .all(|l| matches!(count_after(l, "listing users"), None | Some(100))),
            "{lines:#?}"
        );
    }

    #[test]
    fn nothing_to_do_draws_no_bar_even_while_ticking() {
        let screen = Screen::default();
        let p = ticking(&screen, Some(Duration::from_millis(2)));
        p.stage("listing teams", None);
        std::thread::sleep(Duration::from_millis(30));
        p.stage("applying", Some(0));
        std::thread::sleep(Duration::from_millis(30));
        p.finish();
        let lines = screen.lines();
        assert!(
            lines.iter().any(|l| l.contains("listing teams")),
            "{lines:#?}"
        );
        assert!(!lines.iter().any(|l| l.contains("applying")), "{lines:#?}");
    }

    #[test]
    fn a_hidden_progress_accepts_every_call() {
        let p = Progress::hidden();
        p.stage("listing users", None);
        p.set_total(3);
        p.set(1);
        p.inc();
        p.println("x");
        p.finish();
    }
}
