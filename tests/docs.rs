//! The documents say what the code does: every relative link in README.md and docs/
//! resolves in a clone, every test, unit test and scenario that docs/SPEC.md cites as
//! the proof of a rule exists under that name, and docs/FIDELITY.md is what
//! `conformance fidelity` generates today.

use std::{
    fs,
    path::{Path, PathBuf},
};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn documents() -> Vec<PathBuf> {
    let mut docs = vec![repo().join("README.md")];
    for entry in fs::read_dir(repo().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            docs.push(path);
        }
    }
    docs
}

/// The targets of `[text](target)` links, without their `#fragment`.
fn link_targets(text: &str) -> Vec<&str> {
    text.match_indices("](")
        .filter_map(|(i, _)| {
            let rest = &text[i + 2..];
            let end = rest.find(')')?;
            Some(rest[..end].split('#').next().unwrap_or_default())
        })
        .filter(|target| !target.is_empty() && !target.contains("://") && !target.starts_with("mailto:"))
        .collect()
}

/// Every run of `[A-Za-z0-9_-]` that follows `prefix` in `text`.
fn names_after<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.match_indices(prefix)
        .map(|(i, _)| {
            let rest = &text[i + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

fn rust_sources(dir: &Path, out: &mut String) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push_str(&read(&path));
        }
    }
}

#[test]
fn every_relative_link_resolves() {
    let mut broken = Vec::new();
    for doc in documents() {
        let dir = doc.parent().unwrap();
        for target in link_targets(&read(&doc)) {
            if !dir.join(target).exists() {
                broken.push(format!("{}: {target}", doc.display()));
            }
        }
    }
    assert!(broken.is_empty(), "links that do not resolve:\n{}", broken.join("\n"));
}

#[test]
fn every_cited_end_to_end_test_exists() {
    let spec = read(&repo().join("docs/SPEC.md"));
    let mut missing = Vec::new();
    let mut cited = 0;
    for (i, _) in spec.match_indices("tests/") {
        let rest = &spec[i + "tests/".len()..];
        let Some((file, after)) = rest.split_once(".rs::") else {
            continue;
        };
        if file.contains(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            continue;
        }
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        cited += 1;
        let source = read(&repo().join("tests").join(format!("{file}.rs")));
        if !source.contains(&format!("fn {name}(")) {
            missing.push(format!("tests/{file}.rs::{name}"));
        }
    }
    assert!(cited > 50, "docs/SPEC.md cites its end-to-end tests ({cited})");
    assert!(missing.is_empty(), "cited but not found:\n{}", missing.join("\n"));
}

#[test]
fn every_cited_unit_test_exists() {
    let spec = read(&repo().join("docs/SPEC.md"));
    let mut sources = String::new();
    rust_sources(&repo().join("crates"), &mut sources);
    let cited = names_after(&spec, "unit `");
    assert!(cited.len() > 5, "docs/SPEC.md cites unit tests ({})", cited.len());
    let missing: Vec<_> = cited
        .into_iter()
        .filter(|name| !sources.contains(&format!("fn {name}(")))
        .collect();
    assert!(missing.is_empty(), "cited but not found: {missing:?}");
}

#[test]
fn every_cited_scenario_exists() {
    let spec = read(&repo().join("docs/SPEC.md"));
    let mut cited = Vec::new();
    for family in ["jmessage-", "jpush-", "easemob-", "control-"] {
        cited.extend(
            names_after(&spec, &format!("`{family}"))
                .into_iter()
                .map(|rest| format!("{family}{rest}")),
        );
    }
    assert!(cited.len() > 50, "docs/SPEC.md cites its scenarios ({})", cited.len());
    let missing: Vec<_> = cited
        .into_iter()
        .filter(|stem| !repo().join("scenarios").join(format!("{stem}.toml")).is_file())
        .collect();
    assert!(missing.is_empty(), "cited but not found: {missing:?}");
}

#[test]
fn the_link_reader_skips_urls_and_fragments() {
    let text = "see [a](docs/A.md#x), [b](https://example.com) and [c](../c.md)";
    assert_eq!(link_targets(text), ["docs/A.md", "../c.md"]);
}

#[test]
fn the_fidelity_table_is_fresh() {
    let table = conformance::fidelity::render(&repo()).unwrap();
    let committed = read(&repo().join(conformance::fidelity::TABLE));
    assert!(
        committed == table,
        "docs/FIDELITY.md is stale: run `cargo run -p conformance -- fidelity` and commit it"
    );
    for endpoint in [
        "`/v3/received`",
        "`/v3/report/...",
        "`/v2/statistic/groups`",
        "`/{org}/{app}/token`",
    ] {
        assert!(table.contains(endpoint), "{endpoint} is listed");
    }
}

/// The code of the first ```` ```rust ```` block of `text`.
fn first_rust_block(text: &str) -> Option<&str> {
    let start = text.find("```rust\n")? + "```rust\n".len();
    let end = start + text[start..].find("```")?;
    Some(&text[start..end])
}

#[test]
fn the_readmes_rust_example_is_the_crates_doctest() {
    let readme = read(&repo().join("README.md"));
    let example = first_rust_block(&readme).expect("README.md has a Rust example");
    let lib = read(&repo().join("crates/mock-server/src/lib.rs"));
    let docs: String = lib
        .lines()
        .filter_map(|line| line.strip_prefix("//!"))
        .map(|line| format!("{}\n", line.strip_prefix(' ').unwrap_or(line)))
        .collect();
    let doctest = first_rust_block(&docs).expect("lib.rs has a doctest");
    assert!(example.contains("demo_apps()"), "{example}");
    assert_eq!(
        example, doctest,
        "README.md and the doctest in crates/mock-server/src/lib.rs differ"
    );
}
