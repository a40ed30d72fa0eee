//! The process's open-file limit. Every player's socket (and every bot's)
//! is an open file, and the usual soft limit of 1,024 is far below a
//! school's worth of phones; the hard limit is usually much higher.

/// Raises the soft limit on open files toward `want`, never past the hard
/// limit. Returns the limit now in force (`u64::MAX` for none).
#[cfg(unix)]
pub fn raise(want: u64) -> anyhow::Result<u64> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let current = limit.current.unwrap_or(u64::MAX);
    let target = want.min(limit.maximum.unwrap_or(u64::MAX));
    if current >= target {
        return Ok(current);
    }
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(target),
            maximum: limit.maximum,
        },
    )
    .map_err(|e| {
        anyhow::anyhow!(
            "cannot raise the open-file limit to {target}: {e}; raise it with `ulimit -n {target}`"
        )
    })?;
    Ok(target)
}

#[cfg(not(unix))]
pub fn raise(want: u64) -> anyhow::Result<u64> {
    Ok(want)
}
