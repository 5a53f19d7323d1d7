#!/usr/bin/env bash
# The README's first command: installs what is missing, builds in release mode, starts
# lianjied on 127.0.0.1:7600 with the demo deployment in ./data-demo, and the mobile
# gateway (lianjie-gateway) beside it on 127.0.0.1:8080. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
Deploy/install-deps.sh
for product in lianjied lianjie lianjie-gateway; do swift build -c release --product "$product" >&2; done
bin=$(swift build -c release --show-bin-path)
listen=${LIANJIE_LISTEN:-127.0.0.1:7600}
gateway_listen=${LIANJIE_GATEWAY_LISTEN:-127.0.0.1:8080}
export LIANJIE_BOOTSTRAP_ADMIN=${LIANJIE_BOOTSTRAP_ADMIN:-admin:Demo-Lianjie-2026}  # the demo administrator
admin_password=${LIANJIE_BOOTSTRAP_ADMIN#*:}

# The gateway reaches lianjied over its gateway socket, whose calls lianjied trusts to name
# the phones they carry (audit, limits); over TCP from 127.0.0.1 if the path is too long
# for a socket.
umask 077
socket="$PWD/data-demo.gateway.sock"
socket_bytes=$(LC_ALL=C; echo ${#socket})  # sockaddr_un holds 107 bytes; a '#' would start a comment
if (( socket_bytes < 108 )) && [[ $socket != *"#"* ]]; then
  upstream="unix:$socket" trust="gateway_socket = $socket"
else
  upstream="$listen" trust="trusted_gateways = 127.0.0.1"
fi
cat > ./data-demo.conf <<CONF
listen = $listen
data_dir = ./data-demo
audit_key_file = ./data-demo.audit-key
$trust
CONF
"$bin/lianjied" --config ./data-demo.conf --demo &
server=$!
gateway=""
trap 'kill $server $gateway 2>/dev/null; wait 2>/dev/null' EXIT INT TERM

# The CLI keeps its login in a home of its own here, not in yours.
cli() { HOME="$PWD/data-demo.cli" "$bin/lianjie" --server "$listen" "$@"; }
for _ in $(seq 1 200); do cli health >/dev/null 2>&1 && break; sleep 0.1; done
cli health >/dev/null || { echo "run-demo: lianjied did not start" >&2; exit 1; }

# The gateway's own service account (ROLE_GATEWAY on the whole deployment) and its API
# token, once.
if [[ ! -s ./data-demo.gateway-token ]]; then
  echo "$admin_password" | cli login admin --password-stdin >/dev/null
  account=$(cli --json account list --all | python3 -c 'import json,sys; print(next((a["id"] for a in json.load(sys.stdin).get("accounts", []) if a["username"] == "gateway"), ""))')
  if [[ -z "$account" ]]; then
    account=$(cli --json account create gateway --service --role gateway --name "手机网关 (lianjie-gateway)" \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  fi
  cli token issue "$account" --description "lianjie-gateway (demo)" 2>/dev/null > ./data-demo.gateway-token
  cli logout >/dev/null
fi
cat > ./data-demo.gateway.conf <<CONF
listen = $gateway_listen
server = $upstream
service_token_file = data-demo.gateway-token
CONF
"$bin/lianjie-gateway" --config ./data-demo.gateway.conf &
gateway=$!

cat <<MSG

lianjied serves LJRP on $listen (the demo deployment in ./data-demo); the mobile gateway,
connected to it over $upstream, serves HTTP on http://$gateway_listen — open http://$gateway_listen/m/ in a browser (a phone
or a narrow window) and log in as any demo account (the README lists them):
  inspector / Jiancha-2026-Demo    review queue, appeals, alerts, cases, opinions
  manager   / Banzhang-2026-Demo   the team, record an entry with a photo
  employee  / Yuangong-2026-Demo   my portrait, entries (appeal), talks, dossier
  head      / Fuzeren-2026-Demo    opinions to sign, escalated cases
  hr        / Renshi-2026-Demo     opinion requests
Every RPC is also JSON over HTTP, e.g.
  curl -s -X POST http://$gateway_listen/v1/lianjie.v1.UserService/Login -H 'Content-Type: application/json' \\
       -d '{"username":"inspector","password":"Jiancha-2026-Demo"}'

In another terminal, the CLI (as the demo administrator, password $admin_password):
  $bin/lianjie --server $listen login admin
  $bin/lianjie whoami
  $bin/lianjie subject list
  $bin/lianjie login inspector                     # password: Jiancha-2026-Demo
  $bin/lianjie entry list --limit 20               # a year of history; entry show ID for one
  $bin/lianjie eval list                           # the published runs of the last four quarters
  $bin/lianjie portrait HV0002                     # an integrity portrait (廉洁画像)
  $bin/lianjie report portrait HV0002 --out portrait.html
  $bin/lianjie alerts list --state open
  $bin/lianjie case list                           # cases in the closed loop; --overdue for the late one
  $bin/lianjie dossier HV0001 --reason "demo"      # an integrity dossier (廉洁档案); the reason is audited
  $bin/lianjie opinion list                        # HR's integrity opinions, one signed and one waiting

Ctrl-C stops both.
MSG
wait -n $server $gateway
