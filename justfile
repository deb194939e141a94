# Developer shortcuts (https://github.com/casey/just). Everything here is plain cargo.
export CARGO_TARGET_DIR := env_var_or_default("CARGO_TARGET_DIR", env_var("HOME") + "/.cache/logstead-target")

# Run the server on the embedded defaults (SQLite in ./logstead-data, 127.0.0.1:8000).
run *ARGS:
    cargo run -p logstead -- {{ARGS}}

# All tests, on SQLite and PostgreSQL (PostgreSQL must be running; see README).
test:
    cargo test --workspace

# What CI runs.
ci:
    bash .ci/run

fmt:
    cargo fmt --all

lint:
    cargo clippy --workspace --all-targets -- -D warnings

# Accept a changed OpenAPI document after reviewing it.
update-openapi:
    UPDATE_SNAPSHOTS=1 cargo test -p logstead --test api openapi
