//! The crate's architecture, held against its imports (docs/ARCHITECTURE.md): the
//! top-level modules form layers, each importing only the ones below it, so no import
//! runs back up and none goes in a circle; and the family folders import `shared` but
//! never each other. Reads the sources as text; test code (`#[cfg(test)]` and below) is
//! left out, since tests may reach anywhere.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

/// Top to bottom: a module may import only the modules after it.
const LAYERS: [&str; 6] = ["app", "settings", "control", "families", "dataset", "kernel"];
const FAMILIES: [&str; 3] = ["jpush", "jmessage", "easemob"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file's code without its tests and comments.
fn code(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap();
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The crate's top-level modules this code names: `crate::x` and `crate::{x, y::z}`.
fn crate_refs(code: &str) -> BTreeSet<String> {
    let mut refs = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        refs.insert(head(&item));
                        item.clear();
                    }
                    c => item.push(c),
                }
            }
            refs.insert(head(&item));
        } else {
            refs.insert(head(rest));
        }
    }
    refs.remove("");
    refs
}

fn head(path: &str) -> String {
    path.trim()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// Which top-level module (and which family folder, if any) a source file belongs to.
fn place(path: &Path) -> (String, Option<String>) {
    let rel: Vec<String> = path
        .strip_prefix(src())
        .unwrap()
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let top = rel[0].trim_end_matches(".rs").to_owned();
    let folder = (top == "families" && rel.len() > 2).then(|| rel[1].clone());
    (top, folder)
}

fn imports() -> BTreeMap<PathBuf, (String, Option<String>, String)> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files
        .into_iter()
        .map(|path| {
            let (top, folder) = place(&path);
            let code = code(&path);
            (path, (top, folder, code))
        })
        .collect()
}

#[test]
fn every_top_level_module_is_a_layer() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    for path in files {
        let (top, _) = place(&path);
        assert!(
            LAYERS.contains(&top.as_str()) || top == "lib" || top == "main",
            "{} is outside the layers {LAYERS:?}: put it in one (docs/ARCHITECTURE.md)",
            path.display()
        );
    }
}

#[test]
fn layers_import_only_the_layers_below_them() {
    let mut upward = Vec::new();
    for (path, (top, _, code)) in imports() {
        let Some(level) = LAYERS.iter().position(|l| *l == top) else {
            continue;
        };
        for name in crate_refs(&code) {
            if let Some(target) = LAYERS.iter().position(|l| *l == name) {
                if target < level {
                    upward.push(format!("{} imports `{name}`, a layer above `{top}`", path.display()));
                }
            }
        }
    }
    assert!(upward.is_empty(), "imports that run back up:\n{}", upward.join("\n"));
}

#[test]
fn family_folders_use_shared_but_never_each_other() {
    let mut crossing = Vec::new();
    for (path, (_, folder, code)) in imports() {
        let Some(folder) = folder else { continue };
        for family in FAMILIES.iter().filter(|f| **f != folder) {
            let named = [format!("families::{family}"), format!("super::super::{family}")];
            if named.iter().any(|n| code.contains(n.as_str())) {
                crossing.push(format!("{} ({folder}) imports the {family} family", path.display()));
            }
        }
    }
    assert!(crossing.is_empty(), "{}", crossing.join("\n"));
}

#[test]
fn every_family_folder_has_the_same_rooms() {
    const ROOMS: [&str; 9] = [
        "mod.rs",
        "rules.rs",
        "params.rs",
        "model.rs",
        "cache.rs",
        "handlers.rs",
        "wire.rs",
        "errors.rs",
        "extract.rs",
    ];
    for family in FAMILIES {
        for room in ROOMS {
            let path = src().join("families").join(family).join(room);
            assert!(path.is_file(), "{} is missing", path.display());
        }
    }
}

#[test]
fn the_reference_reader_sees_grouped_and_nested_imports() {
    let refs = crate_refs("use crate::{kernel::{a, b}, dataset::x};\nlet y = crate::control::z;");
    assert_eq!(
        refs,
        ["control", "dataset", "kernel"].map(String::from).into_iter().collect()
    );
}
