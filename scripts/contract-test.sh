#!/usr/bin/env bash
# Contract test: a real `logstead serve` on a fresh SQLite data dir, its /api/schema/
# checked by openapi-spec-validator (0 errors) and fuzzed by schemathesis with every check
# (0 failures). The Python tools are pinned and installed from PyPI into a venv under
# ~/.cache; when PyPI is unreachable this fails, it never skips.
#
#   scripts/contract-test.sh            # examples per operation: CONTRACT_MAX_EXAMPLES (30)
#
# Two runs: the main one with the bootstrap owner's key, every operation except those that
# would lock the fuzzer out (deleting an organization, deleting or rolling a personal API
# key); then those operations alone, with a throwaway user's key and organization.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/logstead-target}"

SCHEMATHESIS_VERSION=4.32.5
VALIDATOR_VERSION=0.9.0
MAX_EXAMPLES="${CONTRACT_MAX_EXAMPLES:-30}"
SEED="${CONTRACT_SEED:-20261207}"
VENV="$HOME/.cache/logstead-contract-venv"

echo "--- contract test: installing schemathesis==$SCHEMATHESIS_VERSION, openapi-spec-validator==$VALIDATOR_VERSION"
if [ ! -x "$VENV/bin/st" ] || ! "$VENV/bin/pip" show -q "schemathesis==$SCHEMATHESIS_VERSION" >/dev/null 2>&1 \
  || [ "$("$VENV/bin/pip" show schemathesis 2>/dev/null | sed -n 's/^Version: //p')" != "$SCHEMATHESIS_VERSION" ] \
  || [ "$("$VENV/bin/pip" show openapi-spec-validator 2>/dev/null | sed -n 's/^Version: //p')" != "$VALIDATOR_VERSION" ]; then
  python3 -m venv "$VENV"
  if ! "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION" "openapi-spec-validator==$VALIDATOR_VERSION"; then
    echo "contract test: FAILED to install the pinned tools from PyPI (is PyPI reachable?)" >&2
    exit 1
  fi
fi

echo "--- contract test: building logstead"
cargo build -q -p logstead --locked
bin="$CARGO_TARGET_DIR/debug/logstead"

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
api="http://127.0.0.1:$port"
"$bin" --data-dir "$work/data" --bind "127.0.0.1:$port" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -sf "$api/_health" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "contract test: the server did not start" >&2; exit 1; }
  sleep 0.2
done
curl -sf "$api/_health" >/dev/null || { cat "$work/server.log" >&2; exit 1; }

# The first start prints the owner's all-scopes key, the project token and the organization.
field() { sed -n "s/^$1:[[:space:]]*//p" "$work/server.log" | head -n 1; }
key=$(field "personal API key" | awk '{print $1}')
token=$(field "project token" | awk '{print $1}')
org=$(field "organization" | sed -n 's/.*(\(.*\)).*/\1/p')
[ -n "$key" ] && [ -n "$token" ] && [ -n "$org" ] || { cat "$work/server.log" >&2; echo "contract test: no bootstrap credentials" >&2; exit 1; }

echo "--- contract test: openapi-spec-validator on $api/api/schema/"
curl -sf "$api/api/schema/" -o "$work/openapi.json"
"$VENV/bin/openapi-spec-validator" --validation-errors all "$work/openapi.json"

post() { # url credential json -> body
  curl -sf -X POST -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3" "$api$1"
}
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# Objects for the list and query operations to find; item operations get theirs through the
# document's links (a fixed id would outlive a DELETE and fool the stateful checks).
post /api/projects/1/logs/alerts/ "$key" \
  '{"name": "contract", "filters": {"severityLevels": ["error"]}, "threshold_count": 5, "window_minutes": 5}' >/dev/null
post /api/projects/1/logs/views/ "$key" '{"name": "contract"}' >/dev/null
post /api/projects/1/logs/sampling_rules/ "$key" \
  '{"name": "contract", "rule_type": "path_drop", "config": {"patterns": ["^/healthz$"]}}' >/dev/null
post "/api/organizations/$org/roles/" "$key" '{"name": "contract"}' >/dev/null
curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$api/i/v1/logs" -d '{"resourceLogs": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "checkout"}}]}, "scopeLogs": [{"logRecords": [{"severityText": "ERROR", "body": {"stringValue": "payment declined"}}]}]}]}' >/dev/null

# The throwaway user: a member of the default organization with its own organization and key.
post "/api/organizations/$org/members/" "$key" \
  '{"email": "throwaway@contract.test", "password": "a-throwaway-password", "level": 1}' >/dev/null
session=$(curl -sf -H 'Content-Type: application/json' -d '{"email": "throwaway@contract.test", "password": "a-throwaway-password"}' \
  "$api/api/login/" | json_field '["token"]')
spare_key=$(post /api/personal_api_keys/ "$session" '{"label": "throwaway", "scopes": ["*"]}' | json_field '["value"]')
spare=$(post /api/organizations/ "$spare_key" '{"name": "Throwaway"}')
spare_org=$(echo "$spare" | json_field '["id"]')
spare_project=$(echo "$spare" | json_field '["teams"][0]["id"]')
victim_key=$(post /api/personal_api_keys/ "$session" '{"label": "victim", "scopes": ["*"]}' | json_field '["id"]')

cat >"$work/schemathesis.toml" <<EOF
seed = $SEED
[generation]
max-examples = $MAX_EXAMPLES
[checks]
enabled = true
# Links are the document's own; inferred ones would pair our fixed ids with other parents.
[phases.stateful.inference]
algorithms = []
[auth.openapi.bearer]
bearer = "\${ST_KEY}"
[auth.openapi.project_token]
bearer = "$token"
[parameters]
"path.organization_id" = "$org"

# The default project for everything inside it; the project itself (and its token) only
# through the links from a project the run created.
[[operations]]
include-path-regex = '^/api/(projects|environments)/\{project_id\}/(?!reset_token$)'
parameters = { "path.project_id" = "1" }

[[operations]]
include-path-regex = '^/api/(projects|environments)/\{project_id\}$'
include-method = ["GET", "PATCH"]
parameters = { "path.project_id" = "1" }

EOF

# Operations that would lock the main run out of its own credentials, organization,
# project or project token.
destructive=(organizations_destroy personal_api_keys_destroy personal_api_keys_roll_create
  projects_destroy environments_destroy projects_reset_token_partial_update
  environments_reset_token_partial_update)
# CONTRACT_REPORT_DIR keeps JUnit reports (one per run) for a closer look at failures.
report_dir="${CONTRACT_REPORT_DIR:-$work/report}"
hooks="$PWD/scripts/contract_hooks.py"
st() { # from the temp dir: schemathesis keeps a cache in the working directory
  (cd "$work" && SCHEMATHESIS_HOOKS="$hooks" "$VENV/bin/st" --config-file "$work/schemathesis.toml" --no-color \
    run "$api/api/schema/" --report junit --report-dir "$report_dir" "$@")
}

echo "--- contract test: schemathesis (max $MAX_EXAMPLES examples per operation, seed $SEED)"
status=0
exclude=()
for id in "${destructive[@]}"; do exclude+=(--exclude-operation-id "$id"); done
ST_KEY="$key" st "${exclude[@]}" || status=$?
echo "--- contract test: schemathesis, the destructive operations with throwaway credentials"
# The throwaway user's own organization and second key are the objects these act on.
cat >>"$work/schemathesis.toml" <<EOF

[[operations]]
include-operation-id = "organizations_destroy"
parameters = { "path.id" = "$spare_org" }

[[operations]]
include-path-regex = '^/api/personal_api_keys/'
parameters = { "path.id" = "$victim_key" }

[[operations]]
include-operation-id = ["projects_destroy", "environments_destroy", "projects_reset_token_partial_update",
  "environments_reset_token_partial_update"]
parameters = { "path.project_id" = "$spare_project" }
EOF
include=()
for id in "${destructive[@]}"; do include+=(--include-operation-id "$id"); done
ST_KEY="$spare_key" st "${include[@]}" --phases examples,coverage,fuzzing || status=$?
if [ -n "${CONTRACT_REPORT_DIR:-}" ]; then cp "$work/server.log" "$report_dir/server.log"; fi
if [ "$status" -ne 0 ]; then
  echo "contract test: schemathesis found failures; the server's errors:" >&2
  grep -a -m 40 -E "ERROR|WARN" "$work/server.log" >&2 || true
fi
exit "$status"
