#!/usr/bin/env python3
"""Checks docker/compose.yaml without a Docker engine: it parses, and it keeps the promises the
README makes (MongoDB 8 as a replica set with a key file, a least-privilege app user, the app built
from docker/Dockerfile and started only once MongoDB is healthy)."""
import pathlib
import sys

import yaml

root = pathlib.Path(__file__).resolve().parent.parent
compose = yaml.safe_load((root / "docker" / "compose.yaml").read_text())
services = compose["services"]
mongo, app = services["mongo"], services["app"]

checks = {
    "mongo runs MongoDB 8": mongo["image"].startswith("mongo:8"),
    "mongo starts as replica set rs0 with a key file": "--replSet rs0" in mongo["entrypoint"][-1]
    and "--keyFile" in mongo["entrypoint"][-1],
    "the health check initiates the replica set": "rs.initiate" in " ".join(mongo["healthcheck"]["test"]),
    "the init script is mounted": any("mongo-init.js" in v for v in mongo["volumes"]),
    "app is built from docker/Dockerfile": app["build"]["dockerfile"] == "docker/Dockerfile",
    "app waits for a healthy mongo": app["depends_on"]["mongo"]["condition"] == "service_healthy",
    "app connects as the shop user to the replica set": "mongodb://shop:" in app["environment"]["MONGODB_URI"]
    and "replicaSet=rs0" in app["environment"]["MONGODB_URI"],
    "ports bind to loopback only": all(p.startswith("127.0.0.1:") for s in services.values() for p in s.get("ports", [])),
}
init = (root / "docker" / "mongo-init.js").read_text()
checks["the app user gets readWrite on its database only"] = 'role: "readWrite"' in init and "root" not in init
dockerfile = (root / "docker" / "Dockerfile").read_text()
checks["the image runs as a non-root user"] = "USER shop" in dockerfile

failed = [name for name, ok in checks.items() if not ok]
for name, ok in checks.items():
    print(("ok   " if ok else "FAIL ") + name)
sys.exit(1 if failed else 0)
