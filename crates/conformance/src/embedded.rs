//! The repository's scenarios and schemas (`scenarios/`), embedded at build time, so that
//! the `conformance` binary runs them wherever it is copied, without a checkout.
//! `--scenarios DIR` reads others from disk instead (`scenario::load_dir`).

use std::path::PathBuf;

use include_dir::{include_dir, Dir};

use crate::{
    scenario::{self, LoadError, Scenario},
    schema::Schemas,
};

/// `scenarios/` as it was at build time (`build.rs` rebuilds the crate when it changes).
static SCENARIOS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../scenarios");

/// How messages name the embedded scenarios.
pub const LABEL: &str = "the scenarios built into this binary";

/// Every embedded scenario, checked, sorted by name, and the schemas they use.
pub fn load() -> Result<(Vec<Scenario>, Schemas), LoadError> {
    let schema_files: Vec<(String, String)> = SCENARIOS
        .get_dir("schemas")
        .map(toml_files)
        .unwrap_or_default()
        .into_iter()
        .map(|(path, text)| (path.display().to_string(), text))
        .collect();
    let schemas = Schemas::from_files(&schema_files).map_err(|e| LoadError(vec![e]))?;
    let scenarios = scenario::compile_files(&toml_files(&SCENARIOS), &schemas)?;
    Ok((scenarios, schemas))
}

/// The `*.toml` files directly in `dir`, as `(scenarios/<path>, text)`, sorted.
fn toml_files(dir: &Dir<'_>) -> Vec<(PathBuf, String)> {
    let mut files: Vec<(PathBuf, String)> = dir
        .files()
        .filter(|file| file.path().extension().is_some_and(|e| e == "toml"))
        .map(|file| {
            let text = file.contents_utf8().unwrap_or_default().to_owned();
            (PathBuf::from("scenarios").join(file.path()), text)
        })
        .collect();
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn the_embedded_scenarios_are_those_of_the_repository() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
        let (on_disk, _) = scenario::load_dir(&dir).expect("the repository's scenarios load");
        let (embedded, schemas) = load().expect("the embedded scenarios load");
        let names = |list: &[Scenario]| list.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&embedded), names(&on_disk));
        assert!(embedded.len() >= 40, "{}", embedded.len());
        assert!(schemas.contains("jmessage_v2_page"));
        for (path, text) in toml_files(&SCENARIOS) {
            let on_disk = std::fs::read_to_string(dir.join(path.file_name().unwrap())).unwrap();
            assert_eq!(text, on_disk, "{} is embedded as it is on disk", path.display());
        }
    }
}
