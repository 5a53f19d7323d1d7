#!/usr/bin/env bash
# Online backup of a running Lianjie store: a consistent copy of lianjie.db taken with
# SQLite's backup API while the server keeps serving (WAL readers never block it).
#
#   Deploy/backup.sh DATA_DIR BACKUP_DIR [KEEP]
#
# Writes BACKUP_DIR/lianjie-YYYYmmddTHHMMSSZ.db (mode 0600), checks it with
# `PRAGMA integrity_check`, and keeps the newest KEEP copies (default 14). Evidence files
# (DATA_DIR/blobs/objects, named by their SHA-256 and never changed) are copied after the
# database into BACKUP_DIR/blobs/objects, shared by every copy: each run adds only the new
# ones, and every file a copied database names was stored before it was named.
# Restore: stop lianjied, copy a backup to DATA_DIR/lianjie.db, remove any
# lianjie.db-wal and lianjie.db-shm beside it, copy BACKUP_DIR/blobs/objects to
# DATA_DIR/blobs/objects, start lianjied.
set -euo pipefail
data=${1:?usage: backup.sh DATA_DIR BACKUP_DIR [KEEP]}
dest=${2:?usage: backup.sh DATA_DIR BACKUP_DIR [KEEP]}
keep=${3:-14}
command -v sqlite3 >/dev/null || { echo "backup.sh: needs the sqlite3 command (apt-get install sqlite3)" >&2; exit 1; }
[[ -f "$data/lianjie.db" ]] || { echo "backup.sh: no lianjie.db in $data" >&2; exit 1; }
umask 077
mkdir -p "$dest"
out="$dest/lianjie-$(date -u +%Y%m%dT%H%M%SZ).db"
sqlite3 "$data/lianjie.db" ".backup '$out'"
check=$(sqlite3 "$out" "PRAGMA integrity_check")
if [[ "$check" != "ok" ]]; then
  echo "backup.sh: integrity check of $out failed: $check" >&2
  exit 1
fi
if [[ -d "$data/blobs/objects" ]]; then
  mkdir -p "$dest/blobs/objects"
  # -n: an object already copied is the same bytes (its name is its hash); never rewrite it.
  cp -rn --preserve=mode "$data/blobs/objects/." "$dest/blobs/objects/"
  sync -f "$dest/blobs/objects" 2>/dev/null || sync
fi
ls -1t "$dest"/lianjie-*.db | tail -n +"$((keep + 1))" | xargs -r rm --
echo "$out"
