#!/usr/bin/env python3
"""Ties the alert rules and the dashboard to the series the shop really exports.

Every metric name an expression in ops/prometheus/alerts.yml or ops/grafana/shop-operations.json
uses must be exported: the HTTP, business and MongoDB series on `shop serve`'s /metrics after a
short run (a few requests and at least one pass of the deployment monitor), the job series
(shop_job_*, shop_ledger_*) in the textfiles `shop ingest` and `shop ledger verify` write with
--metrics-textfile-dir. `shop serve` runs on the in-memory store, and on MongoDB too when
MONGODB_URI is set (then in a database of its own, dropped at the end); without MONGODB_URI the
series only MongoDB exports are listed as not checked.

Usage: scripts/check-ops.py [path/to/shop]   (default: target/debug/shop, built beforehand)
Exit status: 0 every named series is exported, 1 some are not, 2 the service did not start.
"""
import json
import os
import pathlib
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import yaml

root = pathlib.Path(__file__).resolve().parent.parent
target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", root / "target"))
shop = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else target / "debug" / "shop"
NAME = re.compile(r"\b((?:http|mongodb|shop)_[a-z0-9_]+)\b")
TEXTFILE = ("shop_job_", "shop_ledger_")


def named_in_rules():
    rules = yaml.safe_load((root / "ops/prometheus/alerts.yml").read_text())
    return {name for group in rules["groups"] for rule in group["rules"] for name in NAME.findall(rule["expr"])}


def named_in_dashboard():
    dashboard = json.loads((root / "ops/grafana/shop-operations.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    return {name for expr in exprs for name in NAME.findall(expr)}


def exported(exposition):
    """Metric names with at least one sample line."""
    return {re.split(r"[{ ]", line, maxsplit=1)[0] for line in exposition.splitlines() if line and not line.startswith("#")}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None, key=None):
    headers = {"content-type": "application/json"}
    if key:
        headers["idempotency-key"] = key
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def short_run(env, label, work):
    """Starts `shop serve` with `env`, makes a few requests, returns /metrics."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(work / f"serve-{label}.log", "w")
    serve = subprocess.Popen(
        [str(shop), "serve", "--bind", f"127.0.0.1:{port}", "--monitor-interval-seconds", "1"], env=env, stdout=log, stderr=log
    )
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            print(f"shop serve ({label}) did not become ready; its log:\n" + (work / f"serve-{label}.log").read_text())
            sys.exit(2)
        wallet = {"owner": "Ops Check", "currency": "EUR", "opening_balance_minor": 1000}
        _, body = call(base, "POST", "/v1/wallets", wallet)
        source = json.loads(body)["id"]
        _, body = call(base, "POST", "/v1/wallets", wallet, key="ops-wallet")
        call(base, "POST", "/v1/wallets", wallet, key="ops-wallet")
        destination = json.loads(body)["id"]
        transfer = {"from": source, "to": destination, "amount_minor": 10, "currency": "EUR"}
        call(base, "POST", "/v1/transfers", transfer, key="ops-transfer")
        call(base, "POST", "/v1/transfers", dict(transfer, amount_minor=10**9), key="ops-refused")
        feed = f"/v1/feeds/{'0190d8a0-0000-7000-8000-000000000001'}"
        call(base, "PUT", feed, {"product_ids": []})
        call(base, "GET", feed)
        call(base, "GET", "/v1/products/not-a-uuid")
        time.sleep(1.5)  # at least one pass of the monitor after start-up
        with urllib.request.urlopen(base + "/metrics", timeout=5) as response:
            return response.read().decode()
    finally:
        serve.terminate()
        serve.wait(timeout=20)
        log.close()


def job(args, env, work, label):
    result = subprocess.run([str(shop), *args], env=env, capture_output=True, text=True, timeout=300)
    (work / f"{label}.log").write_text(result.stdout + result.stderr)
    if result.returncode not in (0, 1):
        print(f"`shop {' '.join(args)}` failed ({result.returncode}):\n{result.stderr}")


def main():
    named = named_in_rules() | named_in_dashboard()
    uri = os.environ.get("MONGODB_URI")
    database = f"check_ops_{os.getpid()}"
    with tempfile.TemporaryDirectory() as temporary:
        work = pathlib.Path(temporary)
        textfiles = work / "textfiles"
        textfiles.mkdir()
        memory_env = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}
        memory_env["RUST_LOG"] = "warn"
        sources = {"shop serve, in-memory store": exported(short_run(memory_env, "memory", work))}
        products = work / "products.ndjson"
        with open(products, "w") as out:
            subprocess.run([str(shop), "ingest", "generate", "--lines", "20", "--invalid-share", "0"], stdout=out, check=True)
        job(["ingest", str(products), "--metrics-textfile-dir", str(textfiles)], memory_env, work, "ingest")
        if uri:
            mongo_env = dict(memory_env, MONGODB_URI=uri, MONGODB_DB=database)
            sources["shop serve, MongoDB"] = exported(short_run(mongo_env, "mongodb", work))
            job(["ledger", "verify", "--metrics-textfile-dir", str(textfiles)], mongo_env, work, "ledger")
        sources["job textfiles"] = exported("\n".join(p.read_text() for p in textfiles.glob("*.prom")))
        if uri:
            try:
                from pymongo import MongoClient

                MongoClient(uri, serverSelectionTimeoutMS=5000).drop_database(database)
            except ImportError:
                print(f"note: pymongo is missing; database {database} was left behind")

    missing, unchecked = [], []
    for name in sorted(named):
        if name.startswith(TEXTFILE):
            where = ["job textfiles"]
        elif name.startswith("mongodb_"):
            where = ["shop serve, MongoDB"]
        else:
            where = ["shop serve, in-memory store", "shop serve, MongoDB"]
        if name.startswith("shop_ledger_") and not uri:
            unchecked.append(f"{name} (`shop ledger verify` needs MONGODB_URI)")
            continue
        for source in where:
            if source not in sources:
                unchecked.append(f"{name} ({source}: no MONGODB_URI)")
            elif name not in sources[source]:
                missing.append(f"{name} (not exported by {source})")
    print(f"{len(named)} series named by the alert rules and the dashboard")
    for line in unchecked:
        print(f"not checked: {line}")
    for line in missing:
        print(f"MISSING: {line}")
    if missing:
        return 1
    print("every series checked is exported")
    return 0


if __name__ == "__main__":
    sys.exit(main())
