//! The configuration table: every `LAYERS_*` variable the binary reads is documented in the
//! README's "Configuration" table and in the `config` module's doc (`src/config.rs`), the two
//! row for row, each row naming the flag and the default the command line really has.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use layers_dashboard::cli::Cli;

/// A variable as the command line declares it.
#[derive(Debug)]
struct Declared {
    flag: Option<String>,
    default: Option<String>,
}

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Every `LAYERS_*` variable clap reads, in every subcommand, with its flag and default.
fn declared() -> BTreeMap<String, Declared> {
    let mut command = Cli::command();
    command.build();
    let mut found = BTreeMap::new();
    collect(&command, &mut found);
    found
}

fn collect(command: &clap::Command, found: &mut BTreeMap<String, Declared>) {
    for arg in command.get_arguments() {
        let Some(env) = arg.get_env().and_then(|env| env.to_str()) else { continue };
        let default = arg.get_default_values().first().and_then(|value| value.to_str()).map(str::to_owned);
        let flag = arg.get_long().map(|long| format!("--{long}"));
        found.insert(env.to_owned(), Declared { flag, default });
    }
    for sub in command.get_subcommands() {
        collect(sub, found);
    }
}

/// Variables read straight from the environment (`std::env::var("LAYERS_…")`) in `src/`.
fn read_directly() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for file in rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src")) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for (index, _) in text.match_indices("var(\"LAYERS_") {
            let rest = &text[index + "var(\"".len()..];
            names.insert(rest[..rest.find('"').unwrap_or(rest.len())].to_owned());
        }
    }
    names
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files
}

/// The `LAYERS_*` rows of a Markdown table, each line with `prefix` removed.
fn rows(text: &str, prefix: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.strip_prefix(prefix))
        .filter(|row| row.starts_with("| `LAYERS_"))
        .map(str::to_owned)
        .collect()
}

/// A row's cells, without the outer pipes.
fn cells(row: &str) -> Vec<String> {
    row.trim().trim_matches('|').split(" | ").map(|cell| cell.trim().to_owned()).collect()
}

/// The backticked names of a cell (`` `A` / `B` ``).
fn names(cell: &str) -> Vec<String> {
    cell.split(" / ").map(|name| name.trim().trim_matches('`').to_owned()).collect()
}

fn readme_rows() -> Vec<String> {
    let readme = read("README.md");
    let section = readme.split("\n## Configuration\n").nth(1).expect("a Configuration section");
    rows(section.split("\n## ").next().unwrap_or_default(), "")
}

#[test]
fn every_variable_the_command_line_accepts_is_in_the_table() {
    let documented: BTreeSet<String> = readme_rows().iter().flat_map(|row| names(&cells(row)[0])).collect();
    let mut accepted: BTreeSet<String> = declared().into_keys().collect();
    accepted.extend(read_directly());
    let missing: Vec<_> = accepted.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "add a row to the README's Configuration table and to src/config.rs's module doc for {missing:?}"
    );
    let stale: Vec<_> = documented.difference(&accepted).collect();
    assert!(stale.is_empty(), "the configuration table documents variables nothing reads: {stale:?}");
}

#[test]
fn the_readme_and_the_config_module_doc_have_the_same_rows() {
    let module = rows(&read("src/config.rs"), "//! ");
    let readme = readme_rows();
    assert!(!readme.is_empty());
    assert_eq!(
        module, readme,
        "src/config.rs's module doc table must be the README's Configuration table (its LAYERS_* rows), \
         row for row: copy the README rows into the doc with a `//! ` prefix"
    );
}

#[test]
fn each_row_names_the_flag_and_default_the_command_line_has() {
    let declared = declared();
    for row in readme_rows() {
        let cells = cells(&row);
        let (variables, flags, default) = (names(&cells[0]), names(&cells[1]), &cells[2]);
        for (index, variable) in variables.iter().enumerate() {
            let Some(declared) = declared.get(variable) else { continue };
            if let Some(flag) = &declared.flag {
                assert_eq!(flags.get(index), Some(flag), "the flag of {variable}");
            }
            if let Some(value) = &declared.default {
                let documented = default.split(" / ").nth(index).unwrap_or(default);
                assert!(
                    documented.starts_with(&format!("`{value}`")),
                    "{variable} defaults to `{value}`, the table says {default}"
                );
            }
        }
    }
}
