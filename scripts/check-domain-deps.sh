#!/usr/bin/env bash
# Domain crates carry pure rules: they must depend on neither actix-web nor diesel.
# Lists each crate's whole dependency tree (normal, build and dev edges) and looks for the
# two names; a `cargo tree` failure fails the check instead of passing it unchecked.
set -euo pipefail
cd "$(dirname "$0")/.."
domain=(auth-scopes orgs activity-log exports logs-query logs-ingest alerts-engine logs-explain approvals sampling logs-views)
status=0
for crate in "${domain[@]}"; do
  [ -d "crates/$crate" ] || continue
  tree=$(cargo tree -p "$crate" --edges normal,build,dev --prefix none --format '{p}')
  if ! grep -q "^$crate v" <<<"$tree"; then
    echo "FAIL: cargo tree did not list $crate itself"; status=1; continue
  fi
  for dep in actix-web diesel; do
    if grep -qE "^$dep v" <<<"$tree"; then
      echo "FAIL: domain crate $crate depends on $dep:"
      cargo tree -p "$crate" -i "$dep" --edges normal,build,dev; status=1
    else
      echo "ok: $crate does not depend on $dep"
    fi
  done
done
exit $status
