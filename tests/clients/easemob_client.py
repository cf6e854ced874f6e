"""PyPI ease-restapi 1.3 (an Easemob REST client) against the mock.

Only the base URL changes: ease_restapi.config.HOST_SERVER (with APP_ORG and APP_NAME,
which the package expects its user to set) is patched here; the package is untouched.
The client prints the token it obtains to stdout: that output is swallowed, never shown.
Reads its settings as JSON from CLIENT_SETTINGS; prints one JSON object, what each call
returned.
"""

import contextlib
import io
import json
import os
import sys
import time

import requests
from ease_restapi import config
from ease_restapi.service.auth import AppClientAuth
from ease_restapi.service.ease_records import export_chat_message

settings = json.loads(os.environ["CLIENT_SETTINGS"])
base = settings["base_url"]
config.HOST_SERVER = base
config.APP_ORG = settings["org_name"]
config.APP_NAME = settings["app_name"]


def quietly(call):
    """Runs a client call with its own prints (the token among them) swallowed."""
    with contextlib.redirect_stdout(io.StringIO()):
        return call()


def page(success, body):
    """ease-restapi answers (True, parsed JSON) or (False, response text)."""
    if not success:
        return {"ok": False, "body": json.loads(body)}
    return {
        "ok": True,
        "count": body["count"],
        "cursor": body.get("cursor"),
        "msg_ids": [entity["msg_id"] for entity in body["entities"]],
        "entity_keys": sorted(body["entities"][0].keys()) if body["entities"] else [],
    }


auth = AppClientAuth(settings["client_id"], settings["client_secret"])
token = quietly(auth.get_token)
# MeToken keeps the expiry instant (expires_in + the local time): give back the lifetime.
results = {"token": {"ok": token not in ("", "None"), "lifetime": auth.token.expires_in - int(time.time())}}
first = page(*quietly(lambda: export_chat_message(auth, limit=5)))
results["first_page"] = first
results["next_page"] = page(*quietly(lambda: export_chat_message(auth, limit=5, cursor=first["cursor"])))

# The history quota: 2 calls a minute, in a fresh window; the third is refused.
reply = requests.put(base + "/_mock/rate-limits", json={"easemob": {"limit": 2}}, timeout=10)
assert reply.status_code == 200, reply.text
for _ in range(2):
    quietly(lambda: export_chat_message(auth, limit=1))
results["rate_limited"] = page(*quietly(lambda: export_chat_message(auth, limit=1)))

json.dump(results, sys.stdout)
