//! The library's layers point one way: bin → cli → classroom → report → demo, exercise, tools → attacks →
//! world → schemes → wire → crypto and imaging (error and fsutil below them all). A module that imports from
//! a layer above it fails here, naming the file and line.

use std::path::{Path, PathBuf};

/// The layer of a top-level module of the library: a module may import from its own
/// layer and those below.
fn layer(module: &str) -> Option<u8> {
    Some(match module {
        "error" | "fsutil" => 0,
        "crypto" | "imaging" => 1,
        "wire" => 2,
        "schemes" => 3,
        "world" => 4,
        "attacks" => 5,
        "demo" | "exercise" | "compare" | "bench" | "scale" => 6,
        "report" => 7,
        "classroom" => 8,
        // The command line's grammar: what the binary parses, above all it builds.
        "cli" => 9,
        _ => return None,
    })
}

fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// The `crate::X` paths of a line of code (comments dropped).
fn crate_paths(line: &str) -> Vec<&str> {
    let code = line.split("//").next().unwrap_or("");
    code.match_indices("crate::")
        .filter(|(i, _)| !code[..*i].ends_with(|c: char| c.is_alphanumeric() || c == '_'))
        .map(|(i, m)| {
            let rest = &code[i + m.len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

/// Every import from a higher layer in `src/`, as "file:line: module → target".
fn upward_imports(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in files {
        let relative = file.strip_prefix(src).unwrap();
        let top = relative.iter().next().unwrap().to_str().unwrap();
        let module = top.strip_suffix(".rs").unwrap_or(top);
        let Some(own) = layer(module) else {
            continue; // lib.rs, the binary: they may use everything
        };
        if module.ends_with("_tests") || relative.to_string_lossy().ends_with("_tests.rs") {
            continue; // the hostile and secret test suites may reach anything
        }
        // A file's unit tests are held to its layer too: their fixtures live below it.
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            for target in crate_paths(line) {
                if layer(target).is_some_and(|l| l > own) {
                    found.push(format!(
                        "src/{}:{}: {module} imports {target}",
                        relative.display(),
                        n + 1
                    ));
                }
            }
        }
    }
    found
}

#[test]
fn no_module_imports_from_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = upward_imports(&src);
    assert!(
        found.is_empty(),
        "imports against the layers:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_an_upward_import() {
    let dir = std::env::temp_dir().join(format!("doormat-layers-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("wire")).unwrap();
    std::fs::write(
        dir.join("wire/bad.rs"),
        "// crate::world in a comment is fine\nuse crate::crypto::aead;\nuse crate::world::Party;\n#[cfg(test)]\nmod tests {\n    use crate::demo::Act;\n}\n",
    )
    .unwrap();
    let found = upward_imports(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        found,
        [
            "src/wire/bad.rs:3: wire imports world",
            "src/wire/bad.rs:6: wire imports demo"
        ]
    );
}

#[test]
fn every_top_level_module_has_a_layer() {
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    for line in lib.lines() {
        if let Some(name) = line
            .strip_prefix("pub mod ")
            .and_then(|l| l.strip_suffix(';'))
        {
            assert!(
                layer(name).is_some(),
                "src/{name}: give it a layer in tests/it/layers.rs"
            );
        }
    }
}
