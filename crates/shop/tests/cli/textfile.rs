//! The jobs' figures for node_exporter's textfile collector (`--metrics-textfile-dir`).

use super::{Scratch, generate, run};

/// The value of `series` (name and labels, as written) in a Prometheus text file.
fn sample(text: &str, series: &str) -> f64 {
    let value = text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' '));
    value.and_then(|value| value.parse().ok()).unwrap_or_else(|| panic!("no {series} in:\n{text}"))
}

#[test]
fn a_job_writes_its_figures_for_the_textfile_collector_and_a_failed_run_keeps_the_last_success() {
    let scratch = Scratch::new("textfile");
    let file = scratch.path("products.ndjson");
    generate(&file, 20);
    let directory = scratch.path("textfiles");
    std::fs::create_dir_all(&directory).expect("create the textfile directory");
    let textfile = format!("{directory}/shop_ingest.prom");
    let success = r#"shop_job_last_success_timestamp_seconds{job="ingest"}"#;

    run(&["ingest", &file, "--dry-run", "--metrics-textfile-dir", &directory], None).expect_status(0);
    assert!(!std::path::Path::new(&textfile).exists(), "a dry run keeps no figures");
    run(&["ingest", &file, "--metrics-textfile-dir", &directory], None).expect_status(0);
    let first = std::fs::read_to_string(&textfile).expect("the job wrote its textfile");
    run(&["ingest", &scratch.path("missing.ndjson"), "--metrics-textfile-dir", &directory], None).expect_status(2);
    let second = std::fs::read_to_string(&textfile).expect("the failed job rewrote its textfile");

    assert!(sample(&first, success) > 1.7e9, "a Unix time in seconds:\n{first}");
    assert_eq!(sample(&first, r#"shop_job_progress_ratio{job="ingest"}"#), 1.0);
    assert!(first.contains("# TYPE shop_job_progress_ratio gauge") && !first.contains("mongodb_"), "{first}");
    assert_eq!(sample(&second, success), sample(&first, success), "a failed run keeps the last success");
    assert_eq!(sample(&second, r#"shop_job_progress_ratio{job="ingest"}"#), 0.0, "the failed run got nowhere");
}
