"""The Locust user of ``bench/load.py``: one closed-loop user that requests the endpoints named in
``CONVENE_LOAD_PLAN`` (a JSON file the bench writes) by their weights, as fast as the server answers.

Run by ``bench/load.py`` as ``locust -f bench/_locust_mix.py --headless ...``; not imported by Django.
"""

from __future__ import annotations

import json
import os
import random

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

with open(os.environ["CONVENE_LOAD_PLAN"], encoding="utf-8") as handle:
    PLAN = json.load(handle)
ENDPOINTS = [e for e in PLAN["endpoints"] if e["name"] in os.environ["CONVENE_LOAD_ENDPOINTS"].split(",")]
WEIGHTS = [e["weight"] for e in ENDPOINTS]


class Practitioner(FastHttpUser):
    wait_time = constant(0)
    host = PLAN["base_url"]

    @task
    def request(self) -> None:
        endpoint = random.choices(ENDPOINTS, WEIGHTS)[0]
        headers = {"Host": PLAN["host"], "X-Forwarded-Proto": "https", **endpoint["headers"]}
        if endpoint["method"] == "POST":
            self.client.post(endpoint["path"], json=endpoint["body"], headers=headers, name=endpoint["name"])
        else:
            self.client.get(endpoint["path"], headers=headers, name=endpoint["name"])
