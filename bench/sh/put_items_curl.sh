#!/usr/bin/env bash
# put_items_curl.sh: set one key on the connections listed in IDS_FILE (one
# connection id a line) the way an operator does by hand: a bash loop that
# runs curl once per connection.
#
#   put_items_curl.sh URL CHANNEL KEY VALUE IDS_FILE
#
# Prints {"writes", "seconds"} as JSON; seconds times the loop. Exits non-zero
# on the first failed request (curl --fail).
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME with a "." decimal point

if [[ $# -ne 5 ]]; then
  echo "usage: put_items_curl.sh URL CHANNEL KEY VALUE IDS_FILE" >&2
  exit 2
fi
url=$1 channel=$2 key=$3 value=$4 ids=$5

writes=0
t0=$EPOCHREALTIME
while IFS= read -r id; do
  [[ -n $id ]] || continue
  curl -sS --fail -o /dev/null \
    -H 'Content-Type: application/json' \
    -H 'x-sora-target: Sora_20201124.PutSignalingNotifyMetadataItem' \
    --data "{\"channel_id\":\"$channel\",\"connection_id\":\"$id\",\"key\":\"$key\",\"value\":\"$value\"}" \
    "$url"
  writes=$((writes + 1))
done <"$ids"
t1=$EPOCHREALTIME

# EPOCHREALTIME is seconds.microseconds; subtract in microseconds.
us=$(( (${t1%.*} - ${t0%.*}) * 1000000 + (10#${t1#*.} - 10#${t0#*.}) ))
printf '{"writes":%d,"seconds":%d.%06d}\n' "$writes" $((us / 1000000)) $((us % 1000000))
