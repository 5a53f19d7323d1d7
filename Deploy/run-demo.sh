#!/usr/bin/env bash
# The README's first command: installs what is missing, builds in release mode, and
# starts lianjied on 127.0.0.1:7600 with a demo administrator in ./data-demo.
set -euo pipefail
cd "$(dirname "$0")/.."
Deploy/install-deps.sh
swift build -c release --product lianjied >&2
swift build -c release --product lianjie >&2
bin=$(swift build -c release --show-bin-path)
listen=${LIANJIE_LISTEN:-127.0.0.1:7600}
export LIANJIE_BOOTSTRAP_ADMIN=${LIANJIE_BOOTSTRAP_ADMIN:-admin:Demo-Lianjie-2026}  # the demo administrator
cat <<MSG
Starting lianjied on $listen with the demo deployment in ./data-demo (Ctrl-C stops it).
In another terminal, log in as the demo administrator (the README lists the other
demo accounts: inspector, inspector-b, inspector2, head, head2, manager, hr, auditor, employee):

  $bin/lianjie --server $listen login admin        # password: ${LIANJIE_BOOTSTRAP_ADMIN#*:}
  $bin/lianjie whoami
  $bin/lianjie subject list
  $bin/lianjie org list
  $bin/lianjie login inspector                     # password: Jiancha-2026-Demo
  $bin/lianjie entry list --limit 20               # a year of history; entry show ID for one
  $bin/lianjie eval list                           # the published runs of the last four quarters
  $bin/lianjie portrait HV0002                     # an integrity portrait (廉洁画像)
  $bin/lianjie report portrait HV0002 --out portrait.html
  $bin/lianjie alerts list --state open
  $bin/lianjie case list                           # cases in the closed loop; --overdue for the late one
  $bin/lianjie dossier HV0001 --reason "demo"      # an integrity dossier (廉洁档案); the reason is audited
  $bin/lianjie opinion list                        # HR's integrity opinions, one signed and one waiting

MSG
exec "$bin/lianjied" --listen "$listen" --data-dir ./data-demo --demo
