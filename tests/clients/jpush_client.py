"""PyPI jpush 3.4.1 (JPush's official Python client) against the mock.

Only the base URL changes: jpush.common.ZONES holds the host of each zone, and this
script points the DEFAULT and BJ zones' REPORT entry at the mock (a module constant,
patched here; the package itself is untouched). Every other line of the client runs as
published. Reads its settings (base URL, credentials, sample ids) as JSON from the
CLIENT_SETTINGS environment variable; prints one JSON object: what each call returned,
or the error it raised. Never prints a credential.
"""

import json
import os
import sys

import jpush
import requests
from jpush import common

settings = json.loads(os.environ["CLIENT_SETTINGS"])
base = settings["base_url"]
common.ZONES["DEFAULT"]["REPORT"] = base + "/v3/"
common.ZONES["BJ"]["REPORT"] = base + "/v3/report/"

vip = jpush.JPush(settings["vip_key"], settings["vip_secret"])
plain = jpush.JPush(settings["plain_key"], settings["plain_secret"])
beijing = jpush.JPush(settings["vip_key"], settings["vip_secret"], zone="BJ")
wrong = jpush.JPush(settings["vip_key"], "0" * 24)
ids = ",".join(settings["msg_ids"])
today, hour, month = settings["today"], settings["hour"], settings["month"]


def outcome(call):
    """What a client call gave: its payload, or the exception it raised."""
    try:
        response = call()
        return {"ok": True, "status": response.status_code, "payload": response.payload}
    except common.Unauthorized as error:
        return {"ok": False, "error": "Unauthorized", "message": str(error)}
    except common.JPushFailure as error:
        names = ("X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset")
        headers = {name: error.response.headers.get(name) for name in names}
        return {
            "ok": False,
            "error": "JPushFailure",
            "status": error.response.status_code,
            "code": error.error_code,
            "details": error.details,
            "headers": headers,
        }


def control(method, path, body):
    reply = requests.request(method, base + path, json=body, timeout=10)
    assert reply.status_code == 200, reply.text


results = {
    "received": outcome(lambda: vip.create_report().get_received(ids)),
    "received_detail": outcome(lambda: vip.create_report().get_received_detail(ids)),
    "messages": outcome(lambda: vip.create_report().get_messages(ids)),
    "messages_detail": outcome(lambda: vip.create_report().get_messages_detail(ids)),
    "users_day": outcome(lambda: vip.create_report().get_users("DAY", settings["three_days_ago"], 3)),
    "users_hour": outcome(lambda: vip.create_report().get_users("HOUR", hour, 2)),
    "users_month": outcome(lambda: vip.create_report().get_users("MONTH", month, 1)),
    "status_message": outcome(
        lambda: vip.create_report().get_status_message(
            int(settings["status_msg_id"]), settings["registration_ids"] + ["nonsense-id"], today
        )
    ),
    "beijing_received": outcome(lambda: beijing.create_report().get_received(ids)),
    "unauthorized": outcome(lambda: wrong.create_report().get_received(ids)),
    "vip_only": outcome(lambda: plain.create_report().get_messages(ids)),
    "bad_msg_ids": outcome(lambda: vip.create_report().get_received("12ab")),
    "start_mismatch": outcome(lambda: vip.create_report().get_users("DAY", month, 1)),
    "too_old": outcome(lambda: vip.create_report().get_users("DAY", settings["long_ago"], 1)),
}

# The rate limit: a quota of 2 in a fresh window, then a third call.
control("PUT", "/_mock/rate-limits", {"jpush": {"limit": 2, "window_seconds": 60}})
for _ in range(2):
    outcome(lambda: vip.create_report().get_received(ids))
results["rate_limited"] = outcome(lambda: vip.create_report().get_received(ids))
control("PUT", "/_mock/rate-limits", {"jpush": {"limit": 2400, "window_seconds": 60}})

json.dump(results, sys.stdout)
