//! `src/schema.rs` (what diesel compiles against) matches what the migrations create, on
//! both backends: same tables, same columns in the same order, same types, nullability
//! and primary keys.

use std::collections::BTreeMap;

use diesel::sql_types::{Integer, Text};
use diesel::{QueryableByName, RunQueryDsl};
use store_sql::testing::TestDb;
use store_sql::{AnyConnection, both_backends};

const SCHEMA_RS: &str = include_str!("../src/schema.rs");
const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

#[derive(Debug, Clone, PartialEq)]
struct Column {
    name: String,
    /// Diesel SQL types this column may be declared as (more than one only for SQLite's
    /// INTEGER PRIMARY KEY, a 64-bit rowid that diesel may read as either).
    types: Vec<String>,
    nullable: bool,
}

#[derive(Debug, Default)]
struct Table {
    primary_key: Vec<String>,
    columns: Vec<Column>,
}

type Schema = BTreeMap<String, Table>;

/// Reads the `diesel::table!` blocks: `name (pk, …) { column -> Type, … }`.
fn parse_schema_rs(src: &str) -> Schema {
    let mut schema = Schema::new();
    let mut lines = src.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if !line.starts_with("diesel::table!") {
            continue;
        }
        let header = lines.by_ref().find(|l| !l.is_empty() && !l.starts_with("//") && !l.starts_with('#'));
        let header = header.expect("table header after diesel::table!");
        let (name, rest) = header.split_once('(').expect("`name (primary key) {`");
        let (pk, _) = rest.split_once(')').expect("closing `)` of the primary key");
        let mut table =
            Table { primary_key: pk.split(',').map(|c| c.trim().to_string()).collect(), ..Table::default() };
        for line in lines.by_ref() {
            if line.starts_with('}') {
                break;
            }
            if line.is_empty() || line.starts_with("//") || line.starts_with('#') {
                continue;
            }
            let (column, ty) = line.split_once("->").expect("`column -> Type,`");
            let ty = ty.trim().trim_end_matches(',').trim();
            let (ty, nullable) = match ty.strip_prefix("Nullable<").and_then(|t| t.strip_suffix('>')) {
                Some(inner) => (inner.trim(), true),
                None => (ty, false),
            };
            table.columns.push(Column {
                name: column.trim().to_string(),
                types: vec![ty.to_string()],
                nullable,
            });
        }
        schema.insert(name.trim().to_string(), table);
    }
    schema
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

#[derive(QueryableByName)]
struct PgKey {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text, column_name = "type")]
    declared: String,
    #[diesel(sql_type = Integer)]
    notnull: i32,
    /// 1-based position in the primary key, 0 when not part of it.
    #[diesel(sql_type = Integer)]
    pk: i32,
}

fn postgres_catalog(c: &mut AnyConnection) -> Schema {
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT table_name::text AS name FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
         ORDER BY table_name",
    )
    .load(c)
    .expect("tables");
    let mut schema: Schema = tables
        .into_iter()
        .filter(|t| t.name != MIGRATIONS_TABLE)
        .map(|t| (t.name, Table::default()))
        .collect();
    let columns: Vec<PgColumn> = diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                data_type::text AS data_type, is_nullable::text AS is_nullable \
         FROM information_schema.columns WHERE table_schema = current_schema() \
         ORDER BY table_name, ordinal_position",
    )
    .load(c)
    .expect("columns");
    for col in columns {
        let Some(table) = schema.get_mut(&col.table_name) else {
            continue;
        };
        let ty = match col.data_type.as_str() {
            "bigint" => "BigInt",
            "integer" => "Integer",
            "text" => "Text",
            "boolean" => "Bool",
            other => other,
        };
        table.columns.push(Column {
            name: col.column_name,
            types: vec![ty.to_string()],
            nullable: col.is_nullable == "YES",
        });
    }
    let keys: Vec<PgKey> = diesel::sql_query(
        "SELECT tc.table_name::text AS table_name, kcu.column_name::text AS column_name \
         FROM information_schema.table_constraints tc \
         JOIN information_schema.key_column_usage kcu \
           ON kcu.constraint_name = tc.constraint_name \
          AND kcu.table_schema = tc.table_schema AND kcu.table_name = tc.table_name \
         WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema() \
         ORDER BY tc.table_name, kcu.ordinal_position",
    )
    .load(c)
    .expect("primary keys");
    for key in keys {
        if let Some(table) = schema.get_mut(&key.table_name) {
            table.primary_key.push(key.column_name);
        }
    }
    schema
}

fn sqlite_catalog(c: &mut AnyConnection) -> Schema {
    let tables: Vec<Name> = diesel::sql_query(
        // The full-text search index (a virtual table and its shadow tables) is not a
        // diesel table.
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name NOT LIKE 'activity_log_search%' ORDER BY name",
    )
    .load(c)
    .expect("tables");
    let mut schema = Schema::new();
    for t in tables.into_iter().filter(|t| t.name != MIGRATIONS_TABLE) {
        let mut columns: Vec<SqliteColumn> =
            diesel::sql_query(format!("PRAGMA table_info(\"{}\")", t.name)).load(c).expect("table_info");
        let mut table = Table::default();
        let mut pk: Vec<_> = columns.iter().filter(|c| c.pk > 0).map(|c| (c.pk, c.name.clone())).collect();
        pk.sort();
        table.primary_key = pk.into_iter().map(|(_, name)| name).collect();
        let single_pk = table.primary_key.len() == 1;
        for col in columns.drain(..) {
            let declared = col.declared.trim().to_ascii_uppercase();
            // INTEGER PRIMARY KEY aliases the 64-bit rowid, which is never NULL.
            let rowid = declared == "INTEGER" && col.pk > 0 && single_pk;
            let types: &[&str] = match declared.as_str() {
                "INTEGER" if rowid => &["BigInt", "Integer"],
                "INTEGER" => &["Integer"],
                "BIGINT" => &["BigInt"],
                "TEXT" => &["Text"],
                "BOOLEAN" => &["Bool"],
                _ => &[],
            };
            let types = if types.is_empty() {
                vec![format!("unmapped SQLite type {declared:?}")]
            } else {
                types.iter().map(|t| t.to_string()).collect()
            };
            table.columns.push(Column { name: col.name, types, nullable: col.notnull == 0 && !rowid });
        }
        schema.insert(t.name, table);
    }
    schema
}

/// Every difference, so one run shows all of them.
fn differences(declared: &Schema, actual: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    let names = |s: &Schema| s.keys().cloned().collect::<Vec<_>>();
    if names(declared) != names(actual) {
        out.push(format!("tables: schema.rs {:?}, database {:?}", names(declared), names(actual)));
    }
    for (name, want) in declared {
        let Some(got) = actual.get(name) else {
            continue;
        };
        if want.primary_key != got.primary_key {
            out.push(format!("{name}: primary key {:?} vs {:?}", want.primary_key, got.primary_key));
        }
        let cols = |t: &Table| t.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        if cols(want) != cols(got) {
            out.push(format!("{name}: columns {:?} vs {:?}", cols(want), cols(got)));
            continue;
        }
        for (w, g) in want.columns.iter().zip(&got.columns) {
            if !g.types.contains(&w.types[0]) {
                out.push(format!("{name}.{}: type {} vs database {:?}", w.name, w.types[0], g.types));
            }
            if w.nullable != g.nullable {
                out.push(format!(
                    "{name}.{}: schema.rs says nullable={}, database says nullable={}",
                    w.name, w.nullable, g.nullable
                ));
            }
        }
    }
    out
}

fn check(db: &TestDb) {
    let declared = parse_schema_rs(SCHEMA_RS);
    let mut conn = db.pool.get().expect("connection");
    let actual = match db.backend {
        store_sql::Backend::Postgres => postgres_catalog(&mut conn),
        store_sql::Backend::Sqlite => sqlite_catalog(&mut conn),
    };
    assert!(!actual.is_empty(), "the migrated database has no tables");
    let diffs = differences(&declared, &actual);
    assert!(
        diffs.is_empty(),
        "src/schema.rs does not match the {} migrations:\n{}",
        db.backend.name(),
        diffs.join("\n")
    );
}

both_backends! {
    fn schema_rs_matches_migrations(db: TestDb) {
        check(&db);
    }
}

#[test]
fn schema_rs_parser_reads_every_table() {
    let schema = parse_schema_rs(SCHEMA_RS);
    let names: Vec<_> = schema.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "activity_log",
            "approval_policies",
            "change_request_votes",
            "change_requests",
            "exports",
            "integrations",
            "logs_alert_deliveries",
            "logs_alert_destinations",
            "logs_alert_events",
            "logs_alerts",
            "logs_sampling_rule_counters",
            "logs_sampling_rules",
            "logs_views",
            "organization_memberships",
            "organizations",
            "personal_api_keys",
            "projects",
            "role_memberships",
            "roles",
            "scheduled_jobs",
            "server_leases",
            "users"
        ]
    );
    let users = &schema["users"];
    assert_eq!(users.primary_key, ["id"]);
    assert_eq!(users.columns.len(), 10);
    assert_eq!(
        users.columns[8],
        Column { name: "current_project_id".into(), types: vec!["BigInt".into()], nullable: true }
    );
    assert_eq!(schema["organization_memberships"].columns[3].types, ["Integer"]);
}

#[test]
fn mismatches_are_reported() {
    let declared = parse_schema_rs(SCHEMA_RS);
    assert!(differences(&declared, &parse_schema_rs(SCHEMA_RS)).is_empty());

    let mut changed = parse_schema_rs(SCHEMA_RS);
    let users = changed.get_mut("users").expect("users");
    users.columns[1].nullable = true;
    users.columns[2].types = vec!["Integer".into()];
    assert_eq!(differences(&declared, &changed).len(), 2);

    let users = changed.get_mut("users").expect("users");
    users.columns.swap(3, 4);
    changed.remove("projects");
    let diffs = differences(&declared, &changed);
    assert_eq!(diffs.len(), 2, "{diffs:#?}");
    assert!(diffs[0].starts_with("tables:"), "{diffs:#?}");
    assert!(diffs[1].starts_with("users: columns"), "{diffs:#?}");
}
