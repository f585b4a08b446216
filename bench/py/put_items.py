#!/usr/bin/env python3
"""Set one key on every connection of a channel, the way an operator would
with Python's standard library: one List, then one PutSignalingNotifyMetadataItem
per connection, sequentially, over one reused keep-alive connection.

    put_items.py URL CHANNEL KEY VALUE

Prints {"connections", "writes", "list_seconds", "seconds"} as JSON; seconds
times the writes only. Exits 1 on the first failed request.
"""
import http.client
import json
import sys
import time
import urllib.parse

TARGET_LIST = "Sora_20201124.ListSignalingNotifyMetadata"
TARGET_PUT_ITEM = "Sora_20201124.PutSignalingNotifyMetadataItem"


def call(conn, path, target, body):
    conn.request(
        "POST",
        path,
        body=json.dumps(body),
        headers={"Content-Type": "application/json", "x-sora-target": target},
    )
    resp = conn.getresponse()
    data = resp.read()  # read it all, so the connection can be reused
    if resp.status != 200:
        raise RuntimeError(f"{target}: status {resp.status}: {data[:200]!r}")
    return data


def main(argv):
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    url, channel, key, value = argv[1:]
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=10)
    path = u.path or "/"

    t0 = time.perf_counter()
    conns = json.loads(call(conn, path, TARGET_LIST, {"channel_id": channel}))
    t1 = time.perf_counter()
    writes = 0
    for c in conns:
        call(conn, path, TARGET_PUT_ITEM, {
            "channel_id": channel,
            "connection_id": c["connection_id"],
            "key": key,
            "value": value,
        })
        writes += 1
    t2 = time.perf_counter()
    conn.close()
    print(json.dumps({
        "connections": len(conns),
        "writes": writes,
        "list_seconds": t1 - t0,
        "seconds": t2 - t1,
    }))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as e:  # one line, not a traceback
        print(f"put_items.py: {e}", file=sys.stderr)
        sys.exit(1)
