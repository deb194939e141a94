#!/usr/bin/env bash
# Domain crates carry pure rules: they must depend on neither actix-web nor diesel.
# `cargo tree -p <crate> -i <dep>` prints the path to <dep> on stdout, or nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
domain=(auth-scopes orgs activity-log exports logs-query logs-ingest alerts-engine approvals)
status=0
for crate in "${domain[@]}"; do
  [ -d "crates/$crate" ] || continue
  for dep in actix-web diesel; do
    out=$(cargo tree -p "$crate" -i "$dep" --edges normal,build,dev 2>/dev/null || true)
    if [ -n "$out" ]; then
      echo "FAIL: domain crate $crate depends on $dep:"; echo "$out"; status=1
    else
      echo "ok: $crate does not depend on $dep"
    fi
  done
done
exit $status
