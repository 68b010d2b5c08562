#!/usr/bin/env python3
"""Callers that hang up mid-write: a load test of gated writes that survive their caller.

Serves the server on a fresh PostgreSQL database, opens TikTok's tactical axis to AUTO (sandbox
dispatch), then:

1. 32 callers send `updateCampaignBudget` to random campaigns for --seconds, and are then
   stopped at once, their connections closed mid-request (as a load balancer timeout, a closed
   tab or a killed script would);
2. once the writes they started have settled, no audit row may be left `in_flight`;
3. 32 callers write again to the same campaigns: none may get `DISPATCH_TARGET_BUSY`;
4. the server log may hold no transaction warning (a connection reused inside another
   request's transaction: "already a transaction in progress", "no transaction in progress").

Python 3 standard library only. Exits non-zero if a check fails. Usage:

    python3 bench/hangup.py --bin target/release/layers-dashboard \
        --pg postgres://postgres@127.0.0.1:5432 [--seconds 10] [--callers 32] [--campaigns 20]
"""

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time

SECRET = "hangup-only-secret-0123456789abcdef0123456789"
BUDGET = """mutation($input: UpdateCampaignBudgetInput!) { updateCampaignBudget(input: $input) {
  verdict { decision } userErrors { code } } }"""
CREATE = """mutation($input: CreateCampaignInput!) { createCampaign(input: $input) {
  campaign { id } userErrors { code message } } }"""
DEFAULTS = """mutation { updateLayerDefaults(input: {platform: TIKTOK, creative: AUTO, tactical: AUTO,
  structural: AUTO}) { applied } }"""
IN_FLIGHT = """query { auditLog(dispatchStatus: "in_flight", first: 100) { edges { node { id } } } }"""
WARNINGS = ("transaction in progress", "already a transaction", "no transaction", "inside a transaction")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def post(port, token, query, variables=None):
    """One GraphQL POST on its own connection; returns the decoded answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        head = (
            f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        writer.write(head + body)
        await writer.drain()
        answer = await reader.read()
        return json.loads(answer.split(b"\r\n\r\n", 1)[1])
    finally:
        writer.close()


async def callers(port, token, campaigns, count, seconds, tally):
    """`count` callers writing until `seconds` pass; then they are cancelled where they stand."""

    async def caller():
        while True:
            variables = {"input": {"campaignId": random.choice(campaigns),
                                   "dailyBudgetCents": random.randrange(6_000, 90_000)}}
            answer = await post(port, token, BUDGET, variables)
            payload = (answer.get("data") or {}).get("updateCampaignBudget") or {}
            codes = [e.get("code") for e in payload.get("userErrors", [])]
            codes += [(e.get("extensions") or {}).get("code") for e in answer.get("errors", [])]
            tally["answered"] += 1
            tally["busy"] += codes.count("DISPATCH_TARGET_BUSY")
            tally["errors"] += sum(1 for code in codes if code and code != "DISPATCH_TARGET_BUSY")

    tasks = [asyncio.create_task(caller()) for _ in range(count)]
    await asyncio.sleep(seconds)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def cli(binary, env, *args):
    return subprocess.run([binary, *args], env=env, check=True, capture_output=True, text=True).stdout.strip()


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default="target/release/layers-dashboard")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="layers_hangup")
    parser.add_argument("--seconds", type=float, default=10, help="how long callers write before hanging up")
    parser.add_argument("--again-seconds", type=float, default=15,
                        help="how long the second run writes (longer than the 10 s a busy dispatch target is waited for)")
    parser.add_argument("--callers", type=int, default=32)
    parser.add_argument("--campaigns", type=int, default=20)
    parser.add_argument("--log", default="target/bench/hangup-server.log")
    args = parser.parse_args()

    subprocess.run(["psql", f"{args.pg}/postgres", "-qc", f"DROP DATABASE IF EXISTS {args.database}",
                    "-c", f"CREATE DATABASE {args.database}"], check=True)
    port = free_port()
    env = dict(os.environ, LAYERS_DATABASE_URL=f"{args.pg}/{args.database}", LAYERS_LISTEN=f"127.0.0.1:{port}",
               LAYERS_JWT_SECRET=SECRET, LAYERS_SEED_DEMO="never", LAYERS_RATE_LIMIT_ORG_PER_MINUTE="0",
               LAYERS_DB_MAX_CONNECTIONS="10")
    cli(args.bin, env, "migrate")
    org = cli(args.bin, env, "org", "create", "--name", "Hang-up Co")
    token = cli(args.bin, env, "token", "--org", org)
    os.makedirs(os.path.dirname(args.log) or ".", exist_ok=True)
    with open(args.log, "w") as log:
        server = subprocess.Popen([args.bin, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(200):
            try:
                await post(port, token, "{ __typename }")
                break
            except OSError:
                await asyncio.sleep(0.1)
        await post(port, token, DEFAULTS)
        campaigns = []
        for index in range(args.campaigns):
            answer = await post(port, token, CREATE, {"input": {
                "platform": "TIKTOK", "name": f"Hang-up {index}", "dailyBudgetCents": 10_000,
                "outcome": "CONVERSIONS", "campaignManagementMode": "AUTOPILOT", "creativeMode": "AUTOPILOT"}})
            campaigns.append(answer["data"]["createCampaign"]["campaign"]["id"])

        stopped = {"answered": 0, "busy": 0, "errors": 0}
        await callers(port, token, campaigns, args.callers, args.seconds, stopped)
        deadline, left = time.monotonic() + 60, None
        while time.monotonic() < deadline:
            left = len((await post(port, token, IN_FLIGHT))["data"]["auditLog"]["edges"])
            if left == 0:
                break
            await asyncio.sleep(0.5)
        again = {"answered": 0, "busy": 0, "errors": 0}
        await callers(port, token, campaigns, args.callers, args.again_seconds, again)
    finally:
        server.terminate()
        server.wait(timeout=60)
    with open(args.log) as log:
        warnings = [line.rstrip() for line in log if any(w in line for w in WARNINGS)]

    print(f"stopped run: {stopped['answered']} answered before the callers hung up "
          f"({stopped['answered'] / args.seconds:.0f} ops/s), {stopped['busy']} busy")
    print(f"left in flight after settling: {left}")
    print(f"next run: {again['answered']} answered ({again['answered'] / args.again_seconds:.0f} ops/s), "
          f"{again['busy']} DISPATCH_TARGET_BUSY, {again['errors']} other errors")
    print(f"transaction warnings in the server log: {len(warnings)}")
    for line in warnings[:5]:
        print(f"  {line}")
    failed = left != 0 or again["busy"] != 0 or warnings
    print("FAIL" if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
