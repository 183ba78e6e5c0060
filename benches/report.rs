//! Chart and tables from the results of `benches/pools.rs`:
//!
//! ```text
//! cargo bench --bench pools && cargo bench --bench report
//! ```
//!
//! The report reads criterion's median of every benchmark
//! (`<group>/<peer>/new/estimates.json` under the criterion directory) and
//! writes
//!
//! * `docs/benchmarks.svg`: total throughput (million get+return pairs
//!   per second) against the number of threads sharing one pool, one line
//!   per peer;
//! * `docs/benchmarks.md` (also printed to stdout): the goals (below),
//!   ns per pair for every group, each peer's time divided by `iobuf`'s (and
//!   `iobuf_cached`'s), and the bytes each pool takes for 1024 × 1 KiB
//!   buffers. Everything in the file above the line
//!   [`GENERATED_BELOW`] is kept as it is (the hand-written explanations of
//!   the figures); everything below it is replaced.
//!
//! The goals table compares medians of the same results, one row per goal
//! ([`GOALS`], and `fill_4KiB`'s fastest peer): the measured ratio, the
//! limit, met or not met. Nothing in it is copied by hand.
//!
//! `hand_off` is the noisiest group, so its goals take the median of several
//! runs: `benches/run.sh` runs the whole benchmark once and `hand_off` twice
//! more, copying each run's `hand_off/<peer>/new/estimates.json` (criterion
//! overwrites it) to `hand_off-runs/run-<k>/<peer>/` in the criterion
//! directory. The report then shows each `hand_off` peer's median over the
//! runs it finds (and every run's figure), and the goals divide those
//! medians. It uses the saved runs only while the last of them is what
//! criterion holds now (a later `cargo bench --bench pools` replaces that);
//! otherwise, or without saved runs, the `hand_off` figures are criterion's
//! current ones, from one run, and the report says so.
//!
//! Positional arguments, both optional: the criterion directory (default
//! `$CARGO_TARGET_DIR/criterion`, else `target/criterion` in this crate) and
//! the output stem (default `docs/benchmarks` in this crate). `IOBUF_BENCH_MACHINE`
//! names the machine in the chart and tables; by default the report describes
//! the machine it runs on (`/proc/cpuinfo`'s model name, logical CPUs).
//!
//! Without `--bench` (which `cargo bench` passes and `cargo test --benches`
//! does not) the report is built and printed but no file is written, and
//! missing results are not an error.

use std::cell::UnsafeCell;
use std::fmt::Write as _;
use std::mem::MaybeUninit;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Mutex;
use std::{env, fs, ptr, thread};

use crossbeam_queue::ArrayQueue;
use heapless::pool::boxed::{BoxBlock, BoxPoolImpl};
use iobuf::SmallPool;

/// Groups in the order the tables show them; any other group found is
/// appended. The missing ones are noted (`threads_16` and `bulk_32` exist
/// only on some machines or versions).
const GROUPS: &[&str] = &[
    "single",
    "threads_2",
    "threads_4",
    "threads_8",
    "threads_16",
    "burst_32",
    "bulk_32",
    "hand_off",
    "fill_4KiB",
    "fill_64KiB",
];

/// Peers in the order the tables and the legend show them, with the chart
/// colour of each; any other peer found is appended.
const PEERS: &[(&str, &str)] = &[
    ("iobuf", "#d62728"),
    ("iobuf_cached", "#ff7f0e"),
    ("iobuf_tls", "#e377c2"),
    ("iobuf_burst", "#ff9896"),
    ("crossbeam_array_queue", "#1f77b4"),
    ("heapless_box_pool", "#2ca02c"),
    ("atomic_pool", "#9467bd"),
    ("async_pool", "#8c564b"),
    ("mutex_vec", "#7f7f7f"),
    ("system_alloc", "#17becf"),
    ("mimalloc", "#bcbd22"),
    ("go_reference", "#000000"),
];

/// Colours of peers missing from [`PEERS`].
const SPARE_COLOURS: &[&str] = &["#aec7e8", "#98df8a", "#ff9896"];

/// The Go original's ring: single-thread groups only, reference only.
const REFERENCE: &str = "go_reference";

/// The peers the ratio columns divide by.
const BASELINES: &[&str] = &["iobuf", "iobuf_cached"];

/// The group whose figures may be medians of several runs.
const MULTI_RUN_GROUP: &str = "hand_off";

/// Where `benches/run.sh` keeps each run's `hand_off` results, in the
/// criterion directory: `run-<k>/<peer>/estimates.json`.
const RUNS_DIR: &str = "hand_off-runs";

/// Runs the `hand_off` goals ask for.
const WANTED_RUNS: usize = 3;

/// A goal: `peer`'s time in `group` at most `limit` × `base`'s time in
/// `base_group` (per buffer, where an iteration moves several).
struct Goal {
    group: &'static str,
    peer: &'static str,
    base_group: &'static str,
    base: &'static str,
    limit: f64,
    /// The goal as the table states it.
    text: &'static str,
    /// Whether the goal speaks of speed (`1 / ratio`, shown as "N× faster").
    speed: bool,
}

/// The goals whose measure is one time ratio (issue #14).
const GOALS: &[Goal] = &[
    Goal {
        group: "hand_off",
        peer: "iobuf",
        base_group: "hand_off",
        base: "crossbeam_array_queue",
        limit: 1.0,
        text: "`hand_off`: `iobuf` ≤ 1.0× `crossbeam_array_queue`'s time",
        speed: false,
    },
    Goal {
        group: "hand_off",
        peer: "iobuf_tls",
        base_group: "hand_off",
        base: "crossbeam_array_queue",
        limit: 0.8,
        text: "`hand_off`: `iobuf_tls` ≤ 0.8× `crossbeam_array_queue`'s time",
        speed: false,
    },
    Goal {
        group: "burst_32",
        peer: "iobuf",
        base_group: "burst_32",
        base: "atomic_pool",
        limit: 1.0,
        text: "`burst_32`: `iobuf` ≤ 1.0× `atomic_pool`'s time",
        speed: false,
    },
    Goal {
        group: "bulk_32",
        peer: "iobuf",
        base_group: "burst_32",
        base: "crossbeam_array_queue",
        limit: 0.25,
        text: "`bulk_32/iobuf` (the shared pool's bulk calls, a guard a buffer) ≤ 0.25× \
               `burst_32/crossbeam_array_queue`'s time per buffer",
        speed: false,
    },
    Goal {
        group: "bulk_32",
        peer: "iobuf_burst",
        base_group: "burst_32",
        base: "crossbeam_array_queue",
        limit: 0.25,
        text: "`bulk_32/iobuf_burst` (the shared pool's `try_get_burst`, one `Burst` for 32) \
               ≤ 0.25× `burst_32/crossbeam_array_queue`'s time per buffer",
        speed: false,
    },
    Goal {
        group: "single",
        peer: "iobuf",
        base_group: "single",
        base: "crossbeam_array_queue",
        limit: 1.0,
        text: "`single`: `iobuf` ≤ 1.0× `crossbeam_array_queue`'s time",
        speed: false,
    },
    Goal {
        group: "single",
        peer: "iobuf",
        base_group: "single",
        base: "system_alloc",
        limit: 1.0,
        text: "`single`: `iobuf` ≤ 1.0× `system_alloc`'s time",
        speed: false,
    },
    Goal {
        group: "threads_2",
        peer: "iobuf",
        base_group: "threads_2",
        base: "crossbeam_array_queue",
        limit: 0.5,
        text: "`threads_2`: `iobuf` ≥ 2× `crossbeam_array_queue`'s throughput (time ≤ 0.5×)",
        speed: true,
    },
    Goal {
        group: "threads_4",
        peer: "iobuf",
        base_group: "threads_4",
        base: "crossbeam_array_queue",
        limit: 0.5,
        text: "`threads_4`: `iobuf` ≥ 2× `crossbeam_array_queue`'s throughput (time ≤ 0.5×)",
        speed: true,
    },
    Goal {
        group: "single",
        peer: "iobuf_cached",
        base_group: "single",
        base: "mimalloc",
        limit: 0.2,
        text: "`single`: `iobuf_cached` ≥ 5× faster than `mimalloc` (time ≤ 0.2×)",
        speed: true,
    },
    Goal {
        group: "threads_2",
        peer: "iobuf_cached",
        base_group: "threads_2",
        base: "mimalloc",
        limit: 0.2,
        text: "`threads_2`: `iobuf_cached` ≥ 5× faster than `mimalloc` (time ≤ 0.2×)",
        speed: true,
    },
];

/// The group whose goal is that an iobuf variant is the fastest peer.
const FASTEST_GROUP: &str = "fill_4KiB";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let write = args.iter().any(|arg| arg == "--bench");
    let mut positional = args.iter().filter(|arg| !arg.starts_with("--"));
    let dir = positional
        .next()
        .map_or_else(default_criterion_dir, PathBuf::from);
    let stem = positional.next().map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/benchmarks"),
        PathBuf::from,
    );

    let (mut groups, mut notes) = load(&dir);
    let runs = hand_off_runs(&dir, &mut groups, &mut notes);
    if groups.is_empty() {
        eprintln!(
            "report: no benchmark results in {}: run `cargo bench --bench pools` first",
            dir.display()
        );
        return if write {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        };
    }
    let subtitle = subtitle();
    let markdown = markdown(&groups, &notes, &subtitle, runs);
    let svg = svg(&groups, &subtitle);
    print!("{markdown}");
    eprintln!("report: read {}", dir.display());
    if !write {
        eprintln!("report: no --bench argument (test mode): nothing written");
        return ExitCode::SUCCESS;
    }
    match write_outputs(&stem, &markdown, &svg) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("report: cannot write {}-*: {error}", stem.display());
            ExitCode::FAILURE
        }
    }
}

/// `$CARGO_TARGET_DIR/criterion` if that variable is set, else this crate's
/// `target/criterion`.
fn default_criterion_dir() -> PathBuf {
    let crate_root = Path::new(env!("CARGO_MANIFEST_DIR"));
    match env::var_os("CARGO_TARGET_DIR") {
        Some(target) if !target.is_empty() => crate_root.join(target).join("criterion"),
        _ => crate_root.join("target/criterion"),
    }
}

/// The line of `<stem>.md` below which the report writes; what is above it
/// is hand-written and kept.
const GENERATED_BELOW: &str = "<!-- Generated by `cargo bench --bench report`: \
                               everything below this line is replaced. -->";

/// Writes `<stem>.svg`, and `<stem>.md` below [`GENERATED_BELOW`] (what
/// the file holds above that line stays).
fn write_outputs(stem: &Path, markdown: &str, svg: &str) -> std::io::Result<()> {
    if let Some(parent) = stem.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    let path = |suffix: &str| {
        let mut path = stem.as_os_str().to_owned();
        path.push(suffix);
        PathBuf::from(path)
    };
    let (svg_path, md_path) = (path(".svg"), path(".md"));
    let kept = match fs::read_to_string(&md_path) {
        Ok(old) => old
            .find(GENERATED_BELOW)
            .map_or(String::new(), |at| old[..at].to_owned()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => return Err(error),
    };
    fs::write(&svg_path, svg)?;
    fs::write(&md_path, format!("{kept}{GENERATED_BELOW}\n\n{markdown}"))?;
    for written in [&svg_path, &md_path] {
        eprintln!("report: wrote {}", written.display());
    }
    Ok(())
}

// ---------------------------------------------------------------- results --

/// One peer's median in one group.
struct Measure {
    peer: String,
    /// Nanoseconds per get+return pair (the median of `runs` if there are
    /// several).
    ns: f64,
    /// Each saved run's ns per pair, oldest first (`hand_off` after
    /// `benches/run.sh`); empty otherwise.
    runs: Vec<f64>,
}

/// The results of one criterion group.
struct Group {
    name: String,
    /// Get+return pairs in one criterion iteration (its `Throughput`).
    pairs_per_iter: u64,
    measures: Vec<Measure>,
    /// Runs behind each figure: 1, or the saved runs' count.
    runs: usize,
}

impl Group {
    /// The measure of `peer`, if it ran in this group.
    fn measure(&self, peer: &str) -> Option<&Measure> {
        self.measures.iter().find(|m| m.peer == peer)
    }

    /// The time of `peer`, if it ran in this group.
    fn ns(&self, peer: &str) -> Option<f64> {
        self.measure(peer).map(|m| m.ns)
    }
}

/// Reads every group under `dir`, with a note for each group or peer
/// skipped.
fn load(dir: &Path) -> (Vec<Group>, Vec<String>) {
    let mut notes = Vec::new();
    let found = subdirs(dir).into_iter().filter(|name| name != RUNS_DIR);
    let names = ordered(GROUPS.iter().copied(), found.collect());
    let groups = names
        .into_iter()
        .filter_map(|name| load_group(dir, &name, &mut notes))
        .collect();
    (groups, notes)
}

/// Reads one group, or notes why it is skipped.
fn load_group(dir: &Path, name: &str, notes: &mut Vec<String>) -> Option<Group> {
    let known = PEERS.iter().map(|&(peer, _)| peer);
    let found = subdirs(&dir.join(name));
    let mut missing = Vec::new();
    let mut measures = Vec::new();
    let mut pairs_per_iter = 1;
    for peer in ordered(known, found.clone()) {
        if !found.contains(&peer) {
            if peer != REFERENCE {
                missing.push(format!("`{peer}`"));
            }
            continue;
        }
        match read_measure(&dir.join(name).join(&peer), name) {
            Ok((median, pairs)) => {
                pairs_per_iter = pairs;
                measures.push(Measure {
                    peer,
                    ns: median / pairs as f64,
                    runs: Vec::new(),
                });
            }
            Err(why) => notes.push(format!("`{name}/{peer}` skipped: {why}")),
        }
    }
    if measures.is_empty() {
        if GROUPS.contains(&name) {
            notes.push(format!("`{name}`: no results, skipped"));
        }
        return None;
    }
    if !missing.is_empty() {
        notes.push(format!("`{name}`: no results for {}", missing.join(", ")));
    }
    Some(Group {
        name: name.to_owned(),
        pairs_per_iter,
        measures,
        runs: 1,
    })
}

/// Replaces the `hand_off` figures by each peer's median over the runs
/// `benches/run.sh` saved, if the last of them is what criterion holds now;
/// returns how many runs the figures come from (1 without saved runs, 0
/// without `hand_off` results).
fn hand_off_runs(dir: &Path, groups: &mut [Group], notes: &mut Vec<String>) -> usize {
    let Some(group) = groups.iter_mut().find(|g| g.name == MULTI_RUN_GROUP) else {
        return 0;
    };
    let saved = dir.join(RUNS_DIR);
    let mut runs: Vec<(u32, PathBuf)> = subdirs(&saved)
        .into_iter()
        .filter_map(|name| {
            let k = name.strip_prefix("run-")?.parse().ok()?;
            Some((k, saved.join(name)))
        })
        .collect();
    runs.sort();
    let Some((_, last)) = runs.last() else {
        return 1;
    };
    let estimates = |peer_dir: PathBuf| fs::read_to_string(peer_dir.join("estimates.json")).ok();
    let current = |peer: &str| estimates(dir.join(MULTI_RUN_GROUP).join(peer).join("new"));
    let fresh = group.measures.iter().all(|m| {
        let now = current(&m.peer);
        now.is_some() && now == estimates(last.join(&m.peer))
    });
    if !fresh {
        notes.push(format!(
            "`{RUNS_DIR}`: the saved runs are ignored, as the last one is not criterion's \
             current `{MULTI_RUN_GROUP}` results (a later `cargo bench --bench pools` \
             replaced them): `{MULTI_RUN_GROUP}` is from one run"
        ));
        return 1;
    }
    let pairs = group.pairs_per_iter as f64;
    for m in &mut group.measures {
        m.runs = runs
            .iter()
            .filter_map(|(_, run)| estimates(run.join(&m.peer)))
            .filter_map(|text| number_after(&text, &["\"median\"", "\"point_estimate\""]))
            .filter(|ns| ns.is_finite() && *ns > 0.0)
            .map(|ns| ns / pairs)
            .collect();
        if let Some(median) = median(&m.runs) {
            m.ns = median;
        }
    }
    group.runs = runs.len();
    runs.len()
}

/// The median of `values` (the mean of the middle two for an even count).
fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[mid]),
        _ => Some((sorted[mid - 1] + sorted[mid]) / 2.0),
    }
}

/// `known` names, then the other `found` ones (sorted).
fn ordered<'a>(known: impl Iterator<Item = &'a str>, found: Vec<String>) -> Vec<String> {
    let mut names: Vec<String> = known.map(str::to_owned).collect();
    let extra: Vec<String> = found.into_iter().filter(|f| !names.contains(f)).collect();
    names.extend(extra);
    names
}

/// The names of the directories in `dir` (none if it cannot be read).
fn subdirs(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|entry| entry.path().is_dir())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

/// Criterion's median time per iteration (ns) and the pairs one iteration
/// runs, from `peer_dir/new/`.
fn read_measure(peer_dir: &Path, group: &str) -> Result<(f64, u64), String> {
    let estimates = fs::read_to_string(peer_dir.join("new/estimates.json"))
        .map_err(|error| format!("new/estimates.json: {error}"))?;
    let median = number_after(&estimates, &["\"median\"", "\"point_estimate\""])
        .filter(|ns| ns.is_finite() && *ns > 0.0)
        .ok_or("no median in new/estimates.json")?;
    let pairs = fs::read_to_string(peer_dir.join("new/benchmark.json"))
        .ok()
        .and_then(|text| number_after(&text, &["\"Elements\""]))
        .map_or_else(|| pairs_from_name(group), |pairs| pairs as u64);
    Ok((median, pairs.max(1)))
}

/// Pairs per iteration when `benchmark.json` does not say: `N` for
/// `burst_N` and `bulk_N`, else 1.
fn pairs_from_name(group: &str) -> u64 {
    group
        .strip_prefix("burst_")
        .or_else(|| group.strip_prefix("bulk_"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

/// The JSON number after the last of `keys`, each looked for after the one
/// before it: enough for criterion's own files, without a JSON parser.
fn number_after(text: &str, keys: &[&str]) -> Option<f64> {
    let mut rest = text;
    for key in keys {
        rest = &rest[rest.find(key)? + key.len()..];
    }
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// The thread count of a group on the chart: `single` is 1, `threads_T` is
/// `T`.
fn threads(group: &str) -> Option<u32> {
    match group {
        "single" => Some(1),
        _ => group.strip_prefix("threads_")?.parse().ok(),
    }
}

// --------------------------------------------------------------- machine --

/// The chart's subtitle: the machine and, if `date` runs, today's date.
fn subtitle() -> String {
    let machine = env::var("IOBUF_BENCH_MACHINE")
        .ok()
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(this_machine);
    match today() {
        Some(date) => format!("{} · {date}", machine.trim()),
        None => machine.trim().to_owned(),
    }
}

/// The CPU model and logical CPU count of the machine running the report.
fn this_machine() -> String {
    let model = fs::read_to_string("/proc/cpuinfo").ok().and_then(|info| {
        info.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            let words: Vec<&str> = value.split_whitespace().collect();
            (key.trim() == "model name").then(|| words.join(" "))
        })
    });
    let model = model.unwrap_or_else(|| env::consts::ARCH.to_owned());
    match thread::available_parallelism() {
        Ok(cpus) => format!("{model}, {cpus} logical CPUs"),
        Err(_) => model,
    }
}

/// Today (UTC) as `YYYY-MM-DD`, if `date` can say.
fn today() -> Option<String> {
    let output = Command::new("date").args(["-u", "+%F"]).output().ok()?;
    let date = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    (output.status.success() && !date.is_empty()).then_some(date)
}

// -------------------------------------------------------------- markdown --

/// The whole markdown report.
fn markdown(groups: &[Group], notes: &[String], subtitle: &str, runs: usize) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "## The last run\n");
    let _ = writeln!(
        md,
        "{}. Criterion medians from `cargo bench --bench pools`, in ns per get+return \
         pair (lower is better). `÷ iobuf` is the peer's time divided by iobuf's: above \
         1× means iobuf was faster (`÷ iobuf_cached` likewise). Bold: the fastest peer. \
         `{REFERENCE}` is the Go original's ring, reference only (single thread: it is not a correct concurrent \
         pool). `system_alloc` and `mimalloc` are allocators (`GlobalAlloc`), never empty.\n",
        escape(subtitle)
    );
    goals_table(&mut md, groups, runs);
    for group in groups {
        group_table(&mut md, group);
    }
    memory_table(&mut md);
    if !notes.is_empty() {
        let _ = writeln!(md, "### Skipped\n");
        for note in notes {
            let _ = writeln!(md, "* {note}");
        }
        md.push('\n');
    }
    md
}

/// What a group measures, from `benches/pools.rs`.
fn describe(group: &Group) -> String {
    let name = group.name.as_str();
    if let Some(t) = threads(name).filter(|&t| t > 1) {
        return format!(
            "{t} threads take a buffer, write one byte and return it, on one shared pool; \
             the time is wall-clock for all threads together per pair (1 ÷ total throughput)."
        );
    }
    let per_iter = group.pairs_per_iter;
    match name {
        "single" => "One thread takes a buffer, writes one byte, returns it.".to_owned(),
        "hand_off" => {
            let runs = match group.runs {
                1 => " One run.".to_owned(),
                n => format!(
                    " Each figure is the median of {n} runs (`benches/run.sh`); `runs` lists \
                     them, oldest first."
                ),
            };
            format!(
                "One thread takes buffers and passes them through a bounded queue to another \
                 thread, which returns them.{runs}"
            )
        }
        "fill_4KiB" => "Take a buffer, write all 4 KiB, return it (256 × 4 KiB pools; the \
                        allocators allocate 4 KiB)."
            .to_owned(),
        "fill_64KiB" => "Take a buffer, write all 64 KiB, return it (64 × 64 KiB pools; the \
                         allocators allocate 64 KiB)."
            .to_owned(),
        _ if per_iter > 1 => format!(
            "One iteration takes {per_iter} buffers, then returns them: ns per buffer is \
             criterion's time per iteration ÷ {per_iter}."
        ),
        _ => String::new(),
    }
}

/// One group's table: ns per pair and the ratios to the baselines.
fn group_table(md: &mut String, group: &Group) {
    let baselines: Vec<(&str, f64)> = BASELINES
        .iter()
        .filter_map(|&b| Some((b, group.ns(b)?)))
        .collect();
    let unit = if group.pairs_per_iter > 1 {
        "ns / buffer"
    } else {
        "ns / pair"
    };
    let fastest = group
        .measures
        .iter()
        .filter(|m| m.peer != REFERENCE)
        .map(|m| m.ns)
        .fold(f64::MAX, f64::min);
    let _ = writeln!(md, "### `{}`\n\n{}\n", group.name, describe(group));
    let _ = write!(md, "| peer | {unit} |");
    let mut rule = String::from("|:--|--:|");
    for (baseline, _) in &baselines {
        let _ = write!(md, " ÷ {baseline} |");
        rule.push_str("--:|");
    }
    if group.runs > 1 {
        let _ = write!(md, " runs ({unit}) |");
        rule.push_str("--:|");
    }
    let _ = writeln!(md, "\n{rule}");
    for m in &group.measures {
        let label = if m.peer == REFERENCE {
            format!("`{}` (reference only)", m.peer)
        } else {
            format!("`{}`", m.peer)
        };
        let time = if m.ns == fastest {
            format!("**{}**", ns(m.ns))
        } else {
            ns(m.ns)
        };
        let _ = write!(md, "| {label} | {time} |");
        for (_, base) in &baselines {
            let _ = write!(md, " {:.2}× |", m.ns / base);
        }
        if group.runs > 1 {
            let each: Vec<String> = m.runs.iter().map(|&v| ns(v)).collect();
            let _ = write!(md, " {} |", each.join(", "));
        }
        md.push('\n');
    }
    md.push('\n');
}

// ----------------------------------------------------------------- goals --

/// One row of the goals table.
struct Verdict {
    goal: String,
    measured: String,
    ratio: String,
    met: Option<bool>,
}

/// The goals table: one row per goal, computed from `groups`; `runs` is
/// how many runs the `hand_off` figures come from.
fn goals_table(md: &mut String, groups: &[Group], runs: usize) {
    let find = |name: &str| groups.iter().find(|g| g.name == name);
    let mut rows: Vec<Verdict> = GOALS
        .iter()
        .map(|goal| ratio_goal(goal, find(goal.group), find(goal.base_group)))
        .collect();
    rows.push(fastest_goal(find(FASTEST_GROUP)));
    let hand_off = match runs {
        0 => "no `hand_off` results".to_owned(),
        1 => format!(
            "the `hand_off` figures are from **one run** (the goals ask for the median of \
             {WANTED_RUNS} or more: `benches/run.sh`)"
        ),
        n if n < WANTED_RUNS => format!(
            "the `hand_off` figures are medians of **{n} runs** (the goals ask for \
             {WANTED_RUNS} or more: `benches/run.sh`)"
        ),
        n => format!("the `hand_off` figures are medians of {n} runs (`benches/run.sh`)"),
    };
    let _ = writeln!(
        md,
        "### Goals\n\nEach ratio is the peer's time ÷ the other peer's time, from the tables \
         below (criterion medians; per buffer where an iteration moves several); {hand_off}. \
         A goal is met when the ratio is at most its limit.\n"
    );
    let _ = writeln!(
        md,
        "| goal | measured (ns) | ratio (limit) | |\n|:--|:--|--:|:--|"
    );
    for row in &rows {
        let verdict = match row.met {
            Some(true) => "met",
            Some(false) => "**not met**",
            None => "no result",
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {verdict} |",
            row.goal, row.measured, row.ratio
        );
    }
    md.push('\n');
}

/// A goal on the ratio of two peers' times.
fn ratio_goal(goal: &Goal, group: Option<&Group>, base_group: Option<&Group>) -> Verdict {
    let peer = group.and_then(|g| g.measure(goal.peer));
    let base = base_group.and_then(|g| g.measure(goal.base));
    let (Some(peer), Some(base)) = (peer, base) else {
        let mut missing = Vec::new();
        if peer.is_none() {
            missing.push(format!("`{}/{}`", goal.group, goal.peer));
        }
        if base.is_none() {
            missing.push(format!("`{}/{}`", goal.base_group, goal.base));
        }
        return Verdict {
            goal: goal.text.to_owned(),
            measured: format!("no result for {}", missing.join(", ")),
            ratio: format!("— (≤ {:.2}×)", goal.limit),
            met: None,
        };
    };
    let ratio = peer.ns / base.ns;
    let mut measured = format!("{} ÷ {}", ns(peer.ns), ns(base.ns));
    if goal.speed {
        let _ = write!(measured, "; {:.2}× faster", 1.0 / ratio);
    }
    // Both figures medians of the same runs: each run's ratio too.
    let runs = group.map_or(1, |g| g.runs);
    if runs > 1 && peer.runs.len() == runs && base.runs.len() == runs {
        let each: Vec<String> = peer
            .runs
            .iter()
            .zip(&base.runs)
            .map(|(p, b)| format!("{:.2}×", p / b))
            .collect();
        let _ = write!(
            measured,
            "; medians of {runs} runs, whose own ratios were {}",
            each.join(", ")
        );
    } else if goal.group == MULTI_RUN_GROUP && runs == 1 {
        measured.push_str("; one run");
    }
    Verdict {
        goal: goal.text.to_owned(),
        measured,
        ratio: format!("{ratio:.2}× (≤ {:.2}×)", goal.limit),
        met: Some(ratio <= goal.limit),
    }
}

/// The goal that an iobuf variant (`iobuf`, `iobuf_cached`, `iobuf_tls`)
/// is the fastest peer of [`FASTEST_GROUP`]; the reference ring is left out.
fn fastest_goal(group: Option<&Group>) -> Verdict {
    let goal = format!(
        "`{FASTEST_GROUP}`: `iobuf`, or its best variant, the fastest of all peers \
         (`{REFERENCE}` left out)"
    );
    let is_iobuf = |m: &&Measure| m.peer == "iobuf" || m.peer.starts_with("iobuf_");
    let quickest = |a: &&Measure, b: &&Measure| a.ns.total_cmp(&b.ns);
    let measures = group.map_or(&[][..], |g| &g.measures[..]);
    let best = measures.iter().filter(is_iobuf).min_by(quickest);
    let other = measures
        .iter()
        .filter(|m| !is_iobuf(m) && m.peer != REFERENCE)
        .min_by(quickest);
    let (Some(best), Some(other)) = (best, other) else {
        return Verdict {
            goal,
            measured: format!("no iobuf or no other result in `{FASTEST_GROUP}`"),
            ratio: "— (≤ 1.00×)".to_owned(),
            met: None,
        };
    };
    let ratio = best.ns / other.ns;
    let mut measured = format!(
        "best variant `{}` {} ÷ fastest other peer `{}` {}",
        best.peer,
        ns(best.ns),
        other.peer,
        ns(other.ns)
    );
    if best.peer != "iobuf"
        && let Some(shared) = measures.iter().find(|m| m.peer == "iobuf")
    {
        let _ = write!(
            measured,
            "; `iobuf` itself {}, {:.2}×",
            ns(shared.ns),
            shared.ns / other.ns
        );
    }
    Verdict {
        goal,
        measured,
        ratio: format!("{ratio:.2}× (≤ 1.00×)"),
        met: Some(ratio <= 1.0),
    }
}

/// A time with three significant digits or more.
fn ns(value: f64) -> String {
    match value {
        v if v < 10.0 => format!("{v:.2}"),
        v if v < 100.0 => format!("{v:.1}"),
        v => format!("{v:.0}"),
    }
}

// ---------------------------------------------------------------- memory --

/// Buffers in the pools whose memory the report compares.
const COUNT: usize = 1024;
/// Bytes of one buffer.
const SIZE: usize = iobuf::SMALL_SIZE;

/// The buffer of the peers that write the item on allocation, as
/// `benches/peers/mod.rs` defines it (`RawBuffer<1024>`).
type RawBuffer = [MaybeUninit<u8>; SIZE];

/// The iobuf pool the report measures, as the benchmark declares it.
static IOBUF: SmallPool<COUNT> = SmallPool::new();

/// Waker slots of the benchmark's async-pool pools, as
/// `benches/peers/static_pools.rs`' `ASYNC_POOL_WAKERS`.
const ASYNC_POOL_WAKERS: usize = 1;

/// The same `pool!`s the benchmark declares (their storage types are only
/// reachable through the `Pool` traits).
mod statics {
    // atomic-pool's and async-pool's `pool!` compute their bitmap lengths as
    // `(N + 31) / 32`.
    #![allow(clippy::manual_div_ceil)]
    atomic_pool::pool!(pub AtomicSmall: [super::RawBuffer; super::COUNT]);
    async_pool::pool!(pub AsyncSmall: [super::RawBuffer; super::COUNT], super::ASYNC_POOL_WAKERS);
}

/// The stamp of a crossbeam-queue 0.3.14 `Slot` (`AtomicIndex` there).
#[cfg(target_has_atomic = "64")]
type QueueStamp = std::sync::atomic::AtomicU64;
/// The stamp of a crossbeam-queue 0.3.14 `Slot` (`AtomicIndex` there).
#[cfg(not(target_has_atomic = "64"))]
type QueueStamp = std::sync::atomic::AtomicUsize;

/// crossbeam-queue 0.3.14's private `Slot<u32>`: a stamp and the value
/// (fields copied from its source).
type QueueSlot = (QueueStamp, UnsafeCell<MaybeUninit<u32>>);

/// The fields of `benches/peers/free_list.rs`' `ArenaPool<F, 1024>`: the
/// arena pointer and the free list.
type Arena<F> = (Box<[u8]>, F);

/// Bytes of one arena buffer in `ArenaPool`: 1 KiB on a 64-byte boundary.
const ARENA_SLOT: usize = SIZE.next_multiple_of(64);

/// The memory one peer takes for [`COUNT`] buffers of [`SIZE`] bytes.
struct Footprint {
    peer: &'static str,
    /// What is sized.
    what: &'static str,
    total: usize,
    /// How `total` splits, and where each figure comes from.
    parts: String,
}

/// The footprint of every peer as `benches/peers` builds it.
fn footprints() -> Vec<Footprint> {
    vec![
        iobuf(),
        heapless(),
        atomic_pool(),
        async_pool(),
        crossbeam(),
        mutex_vec(),
    ]
}

/// iobuf: one `static` with the ring, a flag and the buffers.
fn iobuf() -> Footprint {
    let total = size_of::<SmallPool<COUNT>>();
    let front = IOBUF.region_ptr().addr() - ptr::from_ref(&IOBUF).addr();
    let back = total - front - IOBUF.region_len();
    let align = align_of::<SmallPool<COUNT>>();
    let cache = size_of::<iobuf::LocalCache<'static, SmallPool<COUNT>, 64>>();
    Footprint {
        peer: "iobuf",
        what: "`static SmallPool<1024>`",
        total,
        parts: format!(
            "`size_of` (measured): {front} B before the buffers (the ring: head and tail \
             cursors, one slot word per buffer; the hot slot, cache-padded \
             like the cursors; the fill flag; padding to the buffers' \
             64-byte alignment; measured as `region_ptr()` − the pool's address) and \
             {back} B after them (padding to the pool's {align}-byte alignment). \
             `iobuf_cached` adds one `LocalCache<_, 64>` per thread: {cache} B (`size_of`, \
             measured), whatever the pool's size."
        ),
    }
}

/// heapless `box_pool!`: a `static` stack top plus blocks on the heap.
fn heapless() -> Footprint {
    let top = size_of::<BoxPoolImpl<RawBuffer>>();
    let block = size_of::<BoxBlock<RawBuffer>>();
    Footprint {
        peer: "heapless_box_pool",
        what: "`static` pool + 1024 `BoxBlock<[MaybeUninit<u8>; 1024]>` (heap, leaked)",
        total: top + COUNT * block,
        parts: format!(
            "`size_of` (measured): the `static BoxPoolImpl` is {top} B (the tagged stack-top \
             pointer); each block is {block} B: a {} B `next` pointer and the 1 KiB buffer.",
            block - SIZE
        ),
    }
}

/// atomic-pool `pool!`: one `static` with a bitmap and the buffers.
fn atomic_pool() -> Footprint {
    let total = size_of::<<statics::AtomicSmall as atomic_pool::Pool>::Storage>();
    let bitmap = COUNT.div_ceil(32) * size_of::<u32>();
    Footprint {
        peer: "atomic_pool",
        what: "`static` storage of `pool!(P: [RawBuffer<1024>; 1024])`",
        total,
        parts: format!(
            "`size_of` of `<P as Pool>::Storage` (measured): a bitmap of {bitmap} B (one bit \
             per buffer in `AtomicU32` words: from atomic-pool 2's source) and {} B of \
             padding.",
            total - bitmap - COUNT * SIZE
        ),
    }
}

/// async-pool `pool!`: one `static` with a bitmap, the buffers, a bitmap of
/// waker slots and the wakers.
fn async_pool() -> Footprint {
    let total = size_of::<<statics::AsyncSmall as async_pool::Pool>::Storage>();
    let bitmap = COUNT.div_ceil(32) * size_of::<u32>();
    Footprint {
        peer: "async_pool",
        what: "`static` storage of `pool!(P: [RawBuffer<1024>; 1024], 1)`",
        total,
        parts: format!(
            "`size_of` of `<P as Pool>::Storage` (measured): a bitmap of {bitmap} B (one bit \
             per buffer in `AtomicU32` words, as atomic-pool's: from async-pool 1's source), \
             and {} B for the {ASYNC_POOL_WAKERS} waker slot(s): a bitmap word and an \
             `AtomicWaker` (an `Option<Waker>` under a critical section) each, with padding.",
            total - bitmap - COUNT * SIZE
        ),
    }
}

/// crossbeam `ArrayQueue<u32>` of free indices beside a heap arena.
fn crossbeam() -> Footprint {
    let header = size_of::<Arena<ArrayQueue<u32>>>();
    let slot = size_of::<QueueSlot>();
    Footprint {
        peer: "crossbeam_array_queue",
        what: "`ArenaPool<ArrayQueue<u32>>`: struct + queue slots (heap) + arena (heap)",
        total: header + COUNT * slot + COUNT * ARENA_SLOT,
        parts: format!(
            "struct {header} B (`size_of` of the peer's two fields: `ArrayQueue<u32>`, with \
             its cache-padded head and tail, and the arena's `Box<[_]>`; measured); 1024 \
             queue slots of {slot} B (a stamp and a `u32`: layout computed from \
             crossbeam-queue 0.3.14's source, whose `Slot` is private); 1024 arena \
             buffers of {ARENA_SLOT} B (1 KiB on a 64-byte boundary, as in \
             `peers/free_list.rs`)."
        ),
    }
}

/// `Mutex<Vec<u32>>` of free indices beside a heap arena.
fn mutex_vec() -> Footprint {
    let header = size_of::<Arena<Mutex<Vec<u32>>>>();
    let index = size_of::<u32>();
    Footprint {
        peer: "mutex_vec",
        what: "`ArenaPool<Mutex<Vec<u32>>>`: struct + index vector (heap) + arena (heap)",
        total: header + COUNT * index + COUNT * ARENA_SLOT,
        parts: format!(
            "struct {header} B (`size_of` of the peer's two fields: `Mutex<Vec<u32>>` and \
             the arena's `Box<[_]>`; measured); the vector's 1024 × {index} B (its \
             capacity is exactly 1024 when collected from `0..1024`); 1024 arena buffers \
             of {ARENA_SLOT} B."
        ),
    }
}

/// The memory table and its notes.
fn memory_table(md: &mut String) {
    let buffers = COUNT * SIZE;
    let _ = writeln!(
        md,
        "### Memory for 1024 × 1 KiB buffers ({}, {}-bit pointers)\n",
        env::consts::ARCH,
        usize::BITS
    );
    let _ = writeln!(
        md,
        "Every pool as `benches/peers` builds it. Overhead = total − the {} B of buffers; \
         per buffer = overhead ÷ 1024. Heap allocator headers and the benchmark's \
         `LazyLock` wrappers are not counted.\n",
        bytes(buffers)
    );
    let _ = writeln!(
        md,
        "| peer | sized | total | overhead | overhead / buffer |\n|:--|:--|--:|--:|--:|"
    );
    let rows = footprints();
    for row in &rows {
        let overhead = row.total.saturating_sub(buffers);
        let _ = writeln!(
            md,
            "| `{}` | {} | {} B | {} B | {:.1} B |",
            row.peer,
            row.what,
            bytes(row.total),
            bytes(overhead),
            overhead as f64 / COUNT as f64
        );
    }
    md.push('\n');
    for row in &rows {
        let _ = writeln!(md, "* `{}`: {}", row.peer, row.parts);
    }
    let _ = writeln!(
        md,
        "* `system_alloc`, `mimalloc`: allocators, not pools; they hold no set of buffers, \
         and what a buffer costs beyond its bytes is the allocator's bookkeeping (headers, \
         size classes), not measured here."
    );
    md.push('\n');
}

/// `n` with thousands separators.
fn bytes(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

// ------------------------------------------------------------------- svg --

/// Chart size and plot area (pixels).
const WIDTH: f64 = 880.0;
const HEIGHT: f64 = 520.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 600.0;
const TOP: f64 = 84.0;
const BOTTOM: f64 = 444.0;

/// One peer's line: (threads, million pairs per second) points.
struct Series {
    peer: String,
    colour: &'static str,
    points: Vec<(u32, f64)>,
}

/// The chart's lines, one per peer with a result in a thread group, and
/// the thread counts on the x axis.
fn series(groups: &[Group]) -> (Vec<Series>, Vec<u32>) {
    let mut xs: Vec<u32> = groups.iter().filter_map(|g| threads(&g.name)).collect();
    xs.sort_unstable();
    xs.dedup();
    let mut lines: Vec<Series> = Vec::new();
    let mut groups: Vec<&Group> = groups
        .iter()
        .filter(|g| threads(&g.name).is_some())
        .collect();
    groups.sort_by_key(|g| threads(&g.name));
    for group in groups {
        let t = threads(&group.name).unwrap_or(1);
        for m in &group.measures {
            if !lines.iter().any(|s| s.peer == m.peer) {
                lines.push(Series {
                    peer: m.peer.clone(),
                    colour: colour(&m.peer, lines.len()),
                    points: Vec::new(),
                });
            }
            if let Some(line) = lines.iter_mut().find(|s| s.peer == m.peer) {
                line.points.push((t, 1000.0 / m.ns));
            }
        }
    }
    let rank = |peer: &str| {
        PEERS
            .iter()
            .position(|&(p, _)| p == peer)
            .unwrap_or(PEERS.len())
    };
    lines.sort_by_key(|s| rank(&s.peer));
    (lines, xs)
}

/// The colour of `peer`; `index` picks a spare colour for an unknown peer.
fn colour(peer: &str, index: usize) -> &'static str {
    PEERS
        .iter()
        .find(|&&(p, _)| p == peer)
        .map_or(SPARE_COLOURS[index % SPARE_COLOURS.len()], |&(_, c)| c)
}

/// The y axis: logarithmic when the values span more than a factor of ten.
enum Scale {
    Linear { top: f64, step: f64 },
    Log { low: i32, high: i32 },
}

impl Scale {
    /// A scale covering every value in `values` (all positive).
    fn new(values: &[f64]) -> Scale {
        let min = values.iter().copied().fold(f64::MAX, f64::min);
        let max = values.iter().copied().fold(0.0, f64::max);
        if max > 10.0 * min {
            let low = min.log10().floor() as i32;
            let high = (max.log10().ceil() as i32).max(low + 1);
            Scale::Log { low, high }
        } else {
            let raw = max / 6.0;
            let magnitude = 10f64.powi(raw.log10().floor() as i32);
            let step = [1.0, 2.0, 5.0, 10.0]
                .iter()
                .map(|m| m * magnitude)
                .find(|&s| s >= raw)
                .unwrap_or(10.0 * magnitude);
            let top = (max / step).ceil() * step;
            Scale::Linear { top, step }
        }
    }

    /// The height of `value` on the plot, 0 at the bottom and 1 at the top.
    fn fraction(&self, value: f64) -> f64 {
        match *self {
            Scale::Linear { top, .. } => value / top,
            Scale::Log { low, high } => (value.log10() - f64::from(low)) / f64::from(high - low),
        }
    }

    /// The ticks: (value, label).
    fn ticks(&self) -> Vec<(f64, String)> {
        match *self {
            Scale::Linear { top, step } => {
                let decimals = (-step.log10().floor()).max(0.0) as usize;
                let count = (top / step).round() as usize;
                (0..=count)
                    .map(|i| i as f64 * step)
                    .map(|v| (v, format!("{v:.decimals$}")))
                    .collect()
            }
            Scale::Log { low, high } => (low..=high)
                .flat_map(|e| [1.0, 2.0, 5.0].map(|m| (m, e)))
                .filter(|&(m, e)| e < high || m == 1.0)
                .map(|(m, e)| {
                    let decimals = usize::try_from(-e).unwrap_or(0);
                    let v = m * 10f64.powi(e);
                    (v, format!("{v:.decimals$}"))
                })
                .collect(),
        }
    }

    /// The y coordinate of `value`.
    fn y(&self, value: f64) -> f64 {
        BOTTOM - self.fraction(value) * (BOTTOM - TOP)
    }
}

/// The x coordinate of `threads`: thread counts are spaced by their log 2.
fn x(threads: u32, xs: &[u32]) -> f64 {
    let last = xs.last().copied().unwrap_or(1).max(1);
    let pad = 30.0;
    if last == 1 {
        return (LEFT + RIGHT) / 2.0;
    }
    LEFT + pad + f64::from(threads).log2() / f64::from(last).log2() * (RIGHT - LEFT - 2.0 * pad)
}

/// The throughput chart.
fn svg(groups: &[Group], subtitle: &str) -> String {
    let (lines, xs) = series(groups);
    let values: Vec<f64> = lines
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\" font-family=\"Helvetica, Arial, sans-serif\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n\
         <text x=\"20\" y=\"32\" font-size=\"19\" font-weight=\"bold\" fill=\"#222\">\
         Total throughput, one shared pool of 1024 × 1 KiB buffers</text>\n\
         <text x=\"20\" y=\"56\" font-size=\"13\" fill=\"#555\">{}</text>",
        escape(subtitle)
    );
    if values.is_empty() {
        let _ = writeln!(
            out,
            "<text x=\"{LEFT}\" y=\"200\" font-size=\"14\">No single-thread or threads_T \
             results.</text>\n</svg>"
        );
        return out;
    }
    let scale = Scale::new(&values);
    axes(&mut out, &scale, &xs);
    // Last drawn is on top: iobuf's lines.
    for line in lines.iter().rev() {
        plot(&mut out, line, &scale, &xs);
    }
    legend(&mut out, &lines);
    out.push_str("</svg>\n");
    out
}

/// Grid, ticks, tick labels and axis titles.
fn axes(out: &mut String, scale: &Scale, xs: &[u32]) {
    for (value, label) in scale.ticks() {
        let y = scale.y(value);
        let _ = writeln!(
            out,
            "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{RIGHT}\" y2=\"{y:.1}\" stroke=\"#e5e5e5\"/>\n\
             <text x=\"{}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\" fill=\"#333\">{label}</text>",
            LEFT - 8.0,
            y + 4.0
        );
    }
    for &t in xs {
        let x = x(t, xs);
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{BOTTOM}\" x2=\"{x:.1}\" y2=\"{}\" stroke=\"#333\"/>\n\
             <text x=\"{x:.1}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#333\">{t}</text>",
            BOTTOM + 5.0,
            BOTTOM + 20.0
        );
    }
    let log = if matches!(scale, Scale::Log { .. }) {
        ", log scale"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "<path d=\"M{LEFT} {TOP} V{BOTTOM} H{RIGHT}\" fill=\"none\" stroke=\"#333\"/>\n\
         <text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"middle\" fill=\"#222\">\
         threads sharing the pool (1 = the single group)</text>\n\
         <text transform=\"translate(24 {}) rotate(-90)\" font-size=\"13\" \
         text-anchor=\"middle\" fill=\"#222\">million get+return pairs / s{log} (higher is better)</text>\n\
         <text x=\"20\" y=\"{}\" font-size=\"11\" fill=\"#777\">Criterion medians of \
         cargo bench --bench pools; threads beyond the logical CPUs are oversubscribed.</text>",
        (LEFT + RIGHT) / 2.0,
        BOTTOM + 42.0,
        (TOP + BOTTOM) / 2.0,
        HEIGHT - 14.0
    );
}

/// One peer's line and its points (with a tooltip each).
fn plot(out: &mut String, line: &Series, scale: &Scale, xs: &[u32]) {
    let at = |&(t, v): &(u32, f64)| (x(t, xs), scale.y(v));
    let width = if line.peer == "iobuf" { 3.5 } else { 2.0 };
    let dash = if line.peer.starts_with("iobuf_") {
        " stroke-dasharray=\"7 4\""
    } else {
        ""
    };
    if line.points.len() > 1 {
        let points: Vec<String> = line
            .points
            .iter()
            .map(at)
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = writeln!(
            out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{width}\"{dash}/>",
            points.join(" "),
            line.colour
        );
    }
    for point in &line.points {
        let (x, y) = at(point);
        let tip = format!(
            "{}, {} thread(s): {:.2} M pairs/s ({} ns/pair)",
            line.peer,
            point.0,
            point.1,
            ns(1000.0 / point.1)
        );
        let _ = writeln!(
            out,
            "<g fill=\"{}\"><title>{}</title>{}</g>",
            line.colour,
            escape(&tip),
            marker(&line.peer, x, y)
        );
    }
}

/// A point: a diamond for the reference, a circle otherwise.
fn marker(peer: &str, x: f64, y: f64) -> String {
    if peer == REFERENCE {
        format!("<path d=\"M{x:.1} {:.1} l6 6 l-6 6 l-6 -6 z\"/>", y - 6.0)
    } else {
        format!("<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\"/>")
    }
}

/// The legend, right of the plot.
fn legend(out: &mut String, lines: &[Series]) {
    let left = RIGHT + 24.0;
    for (i, line) in lines.iter().enumerate() {
        let y = TOP + 10.0 + 24.0 * i as f64;
        let label = if line.peer == REFERENCE {
            format!("{} (reference only)", line.peer)
        } else {
            line.peer.clone()
        };
        let dash = if line.peer.starts_with("iobuf_") {
            " stroke-dasharray=\"7 4\""
        } else {
            ""
        };
        if line.peer != REFERENCE {
            let _ = writeln!(
                out,
                "<line x1=\"{left}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{}\" stroke-width=\"2.5\"{dash}/>",
                left + 26.0,
                line.colour
            );
        }
        let _ = writeln!(
            out,
            "<g fill=\"{}\">{}</g>\n<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#222\">{}</text>",
            line.colour,
            marker(&line.peer, left + 13.0, y),
            left + 34.0,
            y + 4.0,
            escape(&label)
        );
    }
}

/// `text` with XML's special characters escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}
