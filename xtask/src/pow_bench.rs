//! `cargo xtask bench pow`: what the ALTCHA proof of work costs a client and the server, written
//! to `docs/PROOF_OF_WORK.md` with the machine and the date.
//!
//! - solving: challenges at the default difficulty, issued by the server's own code and solved
//!   by the solver the SPA runs (`temujanji_shared::altcha`), natively on one core;
//! - checking: the server's check of a solution (signature, hash, expiry), without the
//!   database insert that spends it.

use std::time::Instant;

use chrono::{TimeDelta, Utc};
use temujanji_api::proof_of_work::ProofOfWork;

use crate::root;

/// The default `TEMUJANJI_POW_MAX_NUMBER`.
const MAX_NUMBER: u64 = 1_000_000;
const CHALLENGES: usize = 40;
const CHECKS: usize = 20_000;

pub fn run() -> Result<(), String> {
    let pow = ProofOfWork::new(
        b"bench-secret-bench-secret-0123456789abcdef",
        MAX_NUMBER,
        TimeDelta::minutes(5),
    );
    let mut solve_ms = Vec::with_capacity(CHALLENGES);
    let mut hashes = 0u64;
    let mut solutions = Vec::with_capacity(CHALLENGES);
    for _ in 0..CHALLENGES {
        let challenge = pow.issue(Utc::now());
        let started = Instant::now();
        let solution = challenge.solve().ok_or("a challenge without a solution")?;
        solve_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        hashes += solution.number + 1;
        solutions.push(solution.encode());
    }
    let total_s: f64 = solve_ms.iter().sum::<f64>() / 1000.0;
    let hashes_per_second = hashes as f64 / total_s;
    let mut check_us = Vec::with_capacity(CHECKS);
    for n in 0..CHECKS {
        let field = &solutions[n % solutions.len()];
        let started = Instant::now();
        pow.check(Some(field), Utc::now())
            .map_err(|e| format!("a fresh solution was refused: {e}"))?;
        check_us.push(started.elapsed().as_secs_f64() * 1e6);
    }
    solve_ms.sort_by(f64::total_cmp);
    check_us.sort_by(f64::total_cmp);
    let mean_ms = solve_ms.iter().sum::<f64>() / solve_ms.len() as f64;
    let p = crate::bench::percentile;
    let report = format!(
        "# Proof of work: what it costs\n\n\
         Measured by `cargo xtask bench pow` (source: `xtask/src/pow_bench.rs`). Rerun it to refresh this page.\n\n\
         - Date: {date}\n- Commit: {commit}\n- Machine: {machine}\n\
         - Build: the `cargo xtask` (dev) profile, with `sha2` and the solver (`temujanji-shared`) at `opt-level = 3`\n\n\
         ## Results\n\n\
         | Measure | Value |\n|---|---:|\n\
         | Difficulty (`maxnumber`, the default) | {MAX_NUMBER} |\n\
         | Hashes per second, one core, native | {hashes_per_second:.0} |\n\
         | Solve time, mean of {CHALLENGES} challenges | {mean_ms:.0} ms |\n\
         | Solve time, p50 / p95 / max | {p50:.0} / {p95:.0} / {max:.0} ms |\n\
         | Server check of a solution, p50 / p99 | {c50:.1} / {c99:.1} µs |\n\n\
         ## Reading it\n\n\
         - A client hashes `maxnumber / 2` times on average; the solve time is spread evenly between \
         nothing and the time for `maxnumber` hashes.\n\
         - The SPA runs the same solver compiled to WebAssembly (with `sha2` optimised for speed), in \
         25 ms slices between yields to the browser. WebAssembly on a phone is several times slower than \
         this native figure; this page does not measure a phone. `TEMUJANJI_POW_MAX_NUMBER` scales the \
         work linearly.\n\
         - The server's cost is the check above plus one insert into `spent_challenges`.\n",
        date = Utc::now().format("%Y-%m-%d %H:%M UTC"),
        commit = crate::bench::commit(),
        machine = crate::bench::machine(),
        p50 = p(&solve_ms, 0.5),
        p95 = p(&solve_ms, 0.95),
        max = solve_ms.last().copied().unwrap_or_default(),
        c50 = p(&check_us, 0.5),
        c99 = p(&check_us, 0.99),
    );
    let path = root().join("docs/PROOF_OF_WORK.md");
    std::fs::write(&path, report).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!("xtask: wrote {}", path.display());
    Ok(())
}
