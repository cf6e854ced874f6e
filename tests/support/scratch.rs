//! Tools that tests install from a package registry (PyPI, npm) at pinned versions into a
//! scratch folder under `target/`: installed once per run, and again only when the pinned
//! list changed (a stamp file holds the list each install was made from).

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::Mutex,
};

/// A path of the repository, from its root.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// Runs a setup command; its failure is the reason the tool cannot be used.
pub fn run(what: &str, command: &mut Command) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("{what}: cannot run {:?}: {e}", command.get_program()))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}

/// Installs into `root/<stem of stamp_of>` once per run (`lock` remembers the outcome),
/// and only when the pinned list `stamp_of` changed since the last install; returns that
/// folder. A failed install panics with its reason: the test cannot run without it.
pub fn install_once(
    lock: &Mutex<Option<Result<PathBuf, String>>>,
    stamp_of: &str,
    root: &Path,
    install: impl FnOnce(&Path) -> Result<(), String>,
) -> PathBuf {
    let mut done = lock.lock().unwrap_or_else(|p| p.into_inner());
    let result = done.get_or_insert_with(|| {
        let pinned = std::fs::read_to_string(repo(stamp_of)).map_err(|e| format!("{stamp_of}: {e}"))?;
        let dir = root.join(Path::new(stamp_of).file_stem().unwrap_or_default());
        let stamp = dir.join("installed-from");
        if std::fs::read_to_string(&stamp).ok().as_deref() == Some(pinned.as_str()) {
            return Ok(dir);
        }
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        install(&dir)?;
        std::fs::write(&stamp, pinned).map_err(|e| format!("{}: {e}", stamp.display()))?;
        Ok(dir)
    });
    match result {
        Ok(dir) => dir.clone(),
        Err(why) => panic!("the tool could not be installed, so it cannot be tested: {why}"),
    }
}

/// `npm ci` into `dir` from the `package.json` and `package-lock.json` committed in
/// `folder` (a repository path), with its own npm cache.
pub fn npm_ci(folder: &str, dir: &Path) -> Result<(), String> {
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(repo(&format!("{folder}/{file}")), dir.join(file)).map_err(|e| format!("{file}: {e}"))?;
    }
    run(
        "npm ci",
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error", "--prefix"])
            .arg(dir)
            .arg("--cache")
            .arg(dir.join("npm-cache")),
    )
}

/// A virtual environment at `dir/venv` with the pinned packages of `requirements` (a
/// repository path) installed, with its own pip cache.
pub fn pip_install(requirements: &str, dir: &Path) -> Result<(), String> {
    let venv = dir.join("venv");
    run(
        "python3 -m venv",
        Command::new("python3").args(["-m", "venv", "--clear"]).arg(&venv),
    )?;
    run(
        &format!("pip install -r {requirements}"),
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "--no-input"])
            .arg("--cache-dir")
            .arg(dir.join("pip-cache"))
            .arg("-r")
            .arg(repo(requirements)),
    )
}
