//! Printing results: JSON for scripts, short text for people.

use std::io::Write;

use serde::Serialize;

/// `println!` for a command's result. When the reader has gone away (`twin doc list | head -1`)
/// the command ends quietly, as Unix tools do, instead of panicking on the broken pipe.
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::write(format_args!("{}\n", format_args!($($arg)*)), true) };
}

/// `println!` for the running node's own messages (`twin start`): a node keeps running when
/// nobody reads its standard output any more.
macro_rules! say {
    ($($arg:tt)*) => { $crate::output::write(format_args!("{}\n", format_args!($($arg)*)), false) };
}

/// Writes to standard output; on a broken pipe, exits (status 0) if `exit_on_broken_pipe`,
/// else drops the text. Other write errors are ignored like `println!` would not.
pub(crate) fn write(args: std::fmt::Arguments<'_>, exit_on_broken_pipe: bool) {
    let mut o = std::io::stdout().lock();
    if let Err(e) = o.write_fmt(args).and_then(|()| o.flush())
        && e.kind() == std::io::ErrorKind::BrokenPipe
        && exit_on_broken_pipe
    {
        std::process::exit(0);
    }
}

/// Prints `value` as pretty JSON.
pub(crate) fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    out!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
