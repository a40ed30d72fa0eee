//! CPU time and memory of this process and of the server under load, read
//! from Linux's `/proc`; `None` where there is no `/proc`.

/// Reads a process's current and peak resident memory (kB) from `/proc`.
pub fn rss_kb(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))?
            .split_whitespace()
            .nth(1)?
            .parse::<u64>()
            .ok()
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// CPU seconds (user + system) a process has used so far (`self` or a pid).
pub fn cpu_s(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the whole line.
    let rest = stat.rsplit_once(')').map(|(_, r)| r)?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok());
    let hz = rustix::param::clock_ticks_per_second() as f64;
    Some((ticks(11)? + ticks(12)?) / if hz > 0.0 { hz } else { 100.0 })
}

/// CPU seconds (user + system) this process has used so far.
pub fn own_cpu_s() -> f64 {
    cpu_s("self").unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_readings() {
        let (now, peak) = rss_kb(std::process::id()).unwrap();
        assert!(now > 0 && peak >= now);
        assert!(own_cpu_s() >= 0.0);
        assert!(cpu_s(&std::process::id().to_string()).is_some());
        assert!(cpu_s("4294967295").is_none());
    }
}
