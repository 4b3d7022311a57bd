//! What the CLI prints on stderr: the progress bar (terminals only), status lines (unless
//! `--quiet`), warnings and errors (coloured only on a terminal that wants colour).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use quarry_codegen::diagnostic::stderr_wants_colour;
use quarry_codegen::{Config, Diagnostic, Error, Progress};
use std::io::IsTerminal;
use std::time::Duration;

/// The CLI's output settings, decided once at start-up.
pub(crate) struct Ui {
    quiet: bool,
    colour: bool,
    /// `None` when stderr is not a terminal or `--quiet` is given.
    bar: Option<ProgressBar>,
}

impl Ui {
    /// Looks at stderr and `NO_COLOR` once.
    pub(crate) fn new(quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal())
            .then(|| ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()));
        Ui {
            quiet,
            colour: stderr_wants_colour(),
            bar,
        }
    }

    /// Drives the progress bar from the config's progress reports.
    pub(crate) fn attach_progress(&self, config: &mut Config) {
        let Some(bar) = self.bar.clone() else { return };
        let spinner = ProgressStyle::with_template("{spinner} {msg}").expect("valid template");
        let counter =
            ProgressStyle::with_template("{spinner} preparing queries [{bar:30}] {pos}/{len}").expect("valid template");
        bar.set_style(spinner);
        config.on_progress(move |step| match step {
            Progress::StartingServer => {
                bar.set_message("starting the embedded PostgreSQL");
                bar.enable_steady_tick(Duration::from_millis(100));
            }
            Progress::LoadingSchema { index, total } => {
                bar.set_message(format!("loading schema {}/{total}", index + 1))
            }
            Progress::Preparing { done, total } => {
                if bar.length() != Some(total as u64) {
                    bar.set_style(counter.clone());
                    bar.set_length(total as u64);
                }
                bar.set_position(done as u64);
            }
            _ => {}
        });
    }

    /// Removes the bar before anything else is printed.
    pub(crate) fn finish_progress(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// A status line; silent under `--quiet`.
    pub(crate) fn status(&self, line: &str) {
        if !self.quiet {
            eprintln!("{line}");
        }
    }

    /// Warnings are printed even under `--quiet`.
    pub(crate) fn warnings(&self, warnings: &[Diagnostic]) {
        for warning in warnings {
            eprintln!("{}\n", warning.render(self.colour));
        }
    }

    /// The failure that ends the command.
    pub(crate) fn error(&self, error: &Error) {
        self.finish_progress();
        eprintln!("{}", error.render(self.colour));
    }
}
