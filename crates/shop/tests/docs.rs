//! The reference tables under `docs/` against the code they describe, so neither can move alone:
//! the configuration table against the command line's environment variables, the command table
//! against the command line's commands, and the HTTP API table against the OpenAPI document.

use std::collections::{BTreeMap, BTreeSet};

use shop::cli::Cli;

const CONFIGURATION: &str = include_str!("../../../docs/configuration.md");
const COMMANDS: &str = include_str!("../../../docs/commands.md");
const HTTP_API: &str = include_str!("../../../docs/http-api.md");

/// The cells of every row of the first Markdown table under `heading` (a line of the document),
/// header and separator left out.
fn table<'a>(document: &'a str, heading: &str) -> Vec<Vec<&'a str>> {
    let after = document
        .split_once(&format!("\n{heading}\n"))
        .map_or_else(|| panic!("no heading `{heading}` in the document"), |(_, after)| after);
    after
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2)
        .map(|row| {
            // Split on `|` outside backticks: cells such as `sort=price\|-price` hold escaped bars.
            let mut cells = Vec::new();
            let (mut start, mut code) = (1, false);
            let bytes = row.as_bytes();
            for (at, byte) in bytes.iter().enumerate().skip(1) {
                match byte {
                    b'`' => code = !code,
                    b'|' if !code && bytes[at - 1] != b'\\' => {
                        cells.push(row[start..at].trim());
                        start = at + 1;
                    }
                    _ => {}
                }
            }
            cells
        })
        .collect()
}

/// The text of each `code span` in `cell`.
fn code_spans(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

/// Every argument of every command, with the path of the command that declares it.
fn arguments() -> Vec<(String, clap::Arg)> {
    fn walk(command: &clap::Command, path: &str, out: &mut Vec<(String, clap::Arg)>) {
        out.extend(command.get_arguments().map(|arg| (path.to_owned(), arg.clone())));
        for sub in command.get_subcommands() {
            walk(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }
    let mut out = Vec::new();
    walk(&Cli::definition(), "shop", &mut out);
    out
}

#[test]
fn the_configuration_table_names_every_environment_variable_of_the_command_line_and_no_other() {
    // Variable -> (flag, default) as the command line declares them, the same wherever declared.
    let mut declared: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for (path, arg) in arguments() {
        let Some(env) = arg.get_env() else { continue };
        let env = env.to_string_lossy().into_owned();
        let flag = format!("--{}", arg.get_long().unwrap_or_else(|| panic!("{path}: {env} has no flag")));
        let defaults = arg.get_default_values().iter().map(|d| d.to_string_lossy().into_owned()).collect();
        if let Some((other, _)) = declared.insert(env.clone(), (flag.clone(), defaults)) {
            assert_eq!(other, flag, "{env} is the variable of two flags");
        }
    }

    let rows = table(CONFIGURATION, "## Environment variables");
    let mut documented = BTreeSet::new();
    for row in &rows {
        let [variable, flag, default, _meaning] = row.as_slice() else { panic!("a row of four cells: {row:?}") };
        let variable = code_spans(variable).first().copied().unwrap_or_else(|| panic!("no variable in {row:?}"));
        assert!(documented.insert(variable.to_owned()), "{variable} is documented twice");
        let Some((declared_flag, defaults)) = declared.get(variable) else {
            panic!("the table documents {variable}, which no command reads");
        };
        assert_eq!(code_spans(flag).first(), Some(&declared_flag.as_str()), "the flag of {variable}");
        for value in defaults {
            assert!(default.contains(value.as_str()), "the default of {variable} is {value}; the table says {default}");
        }
    }
    let undocumented: Vec<&String> = declared.keys().filter(|env| !documented.contains(*env)).collect();
    assert!(undocumented.is_empty(), "variables the command line reads and the table does not name: {undocumented:?}");
}

#[test]
fn the_command_table_names_every_command_and_no_other() {
    fn leaves(command: &clap::Command, path: &str, out: &mut BTreeSet<String>) {
        let subcommands: Vec<&clap::Command> = command.get_subcommands().filter(|s| s.get_name() != "help").collect();
        // A command runs on its own when it has no subcommand or does not need one (`shop ingest FILE`).
        if subcommands.is_empty() || !command.is_subcommand_required_set() && path != "shop" {
            out.insert(path.to_owned());
        }
        for sub in subcommands {
            leaves(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }
    let mut commands = BTreeSet::new();
    leaves(&Cli::definition(), "shop", &mut commands);

    let mut documented = BTreeSet::new();
    for row in table(COMMANDS, "## All commands") {
        let span = code_spans(row[0]).first().copied().unwrap_or_else(|| panic!("no command in {row:?}"));
        // The command's words, up to its first argument or option.
        let words: Vec<&str> = span
            .split_whitespace()
            .take_while(|w| !w.starts_with('-') && w.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
            .collect();
        documented.insert(words.join(" "));
    }
    assert_eq!(documented, commands, "the command table against the command line");
}

#[test]
fn the_http_api_table_names_every_route_of_the_openapi_document_and_no_other() {
    let document = app::http::openapi::document();
    let mut routes = BTreeSet::new();
    let paths = document["paths"].as_object().expect("the document has paths");
    for (path, item) in paths {
        for method in ["get", "put", "post", "delete", "patch"] {
            if item.get(method).is_some() {
                routes.insert(format!("{} {path}", method.to_ascii_uppercase()));
            }
        }
    }

    let mut documented = BTreeSet::new();
    for row in table(HTTP_API, "## Routes") {
        // `METHOD /path?query`, or `/path` for the method before it; body sketches (`{…}`) skipped.
        let mut method = "";
        for span in code_spans(row[0]) {
            let (verb, path) = match span.split_once(' ') {
                Some((verb, path)) if verb.chars().all(|c| c.is_ascii_uppercase()) => (verb, path),
                _ => (method, span),
            };
            if !path.starts_with('/') {
                continue;
            }
            method = verb;
            let path = path.split('?').next().unwrap_or(path);
            documented.insert(format!("{verb} {path}"));
        }
    }
    assert_eq!(documented, routes, "the HTTP API table against the OpenAPI document");
}
