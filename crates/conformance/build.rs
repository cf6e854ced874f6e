//! Rebuilds the crate when a scenario or schema changes: `include_dir!` embeds
//! `scenarios/` in the binary, and Cargo would not otherwise see that dependency.

fn main() {
    println!("cargo:rerun-if-changed=../../scenarios");
}
