#!/usr/bin/env python3
"""Checks the compose files under docker/ without a Docker engine: each parses, and each keeps the
promises the README makes.

- compose.yaml: MongoDB 8 as a single-node replica set with a key file, a least-privilege app
  user, the app built from docker/Dockerfile and started only once MongoDB is healthy.
- compose.replset.yaml: three members of one set sharing one key file, initiated with all three,
  the app given every member.
- compose.sharded.yaml: a config server replica set, two shard replica sets, one mongos; the app
  connects to mongos and waits for it.

Every file: MongoDB 8 images only, ports bound to loopback only, the app user's role from
mongo-init.js (exactly the actions start-up and the service need, collMod included, nothing that
drops), and the monitor's role (exactly the three privileges its questions need)."""
import pathlib
import re
import sys

import yaml

root = pathlib.Path(__file__).resolve().parent.parent
docker = root / "docker"
checks = {}


def load(name):
    return yaml.safe_load((docker / name).read_text())


def common(label, compose, app_waits_for):
    services = compose["services"]
    app = services["app"]
    images = [s["image"] for s in services.values() if "image" in s]
    checks[f"{label}: MongoDB 8 images only"] = bool(images) and all(i.startswith("mongo:8") for i in images)
    checks[f"{label}: app is built from docker/Dockerfile"] = app["build"]["dockerfile"] == "docker/Dockerfile"
    checks[f"{label}: app waits for a healthy {app_waits_for}"] = (
        app["depends_on"][app_waits_for]["condition"] == "service_healthy"
    )
    checks[f"{label}: app connects as the shop user"] = app["environment"]["MONGODB_URI"].startswith("mongodb://shop:")
    checks[f"{label}: ports bind to loopback only"] = all(
        p.startswith("127.0.0.1:") for s in services.values() for p in s.get("ports", [])
    )
    return services, app


def command_of(service):
    """A service's command line as one string (command list, or an entrypoint script)."""
    parts = service.get("command") or service.get("entrypoint") or []
    return " ".join(parts) if isinstance(parts, list) else parts


# compose.yaml: the single-node replica set.
services, app = common("compose.yaml", load("compose.yaml"), "mongo")
mongo = services["mongo"]
checks["compose.yaml: mongo starts as replica set rs0 with a key file"] = (
    "--replSet rs0" in mongo["entrypoint"][-1] and "--keyFile" in mongo["entrypoint"][-1]
)
checks["compose.yaml: the health check initiates the replica set"] = "rs.initiate" in " ".join(
    mongo["healthcheck"]["test"]
)
checks["compose.yaml: the init script is mounted"] = any("mongo-init.js" in v for v in mongo["volumes"])
checks["compose.yaml: app connects to the replica set"] = "replicaSet=rs0" in app["environment"]["MONGODB_URI"]

# compose.replset.yaml: three members.
services, app = common("compose.replset.yaml", load("compose.replset.yaml"), "mongo1")
members = [name for name in ("mongo1", "mongo2", "mongo3") if name in services]
checks["compose.replset.yaml: three members mongo1..mongo3"] = len(members) == 3
checks["compose.replset.yaml: every member runs rs0 with the shared key file"] = all(
    "--replSet rs0" in command_of(services[m]) and "--keyFile /keys/keyfile" in command_of(services[m])
    and any(v.startswith("keys:/keys") for v in services[m]["volumes"])
    for m in members
)
initiate = " ".join(services["mongo1"]["healthcheck"]["test"])
checks["compose.replset.yaml: the set is initiated with all three members"] = "rs.initiate" in initiate and all(
    f"host: '{m}:27017'" in initiate for m in members
)
checks["compose.replset.yaml: the init script is mounted on mongo1"] = any(
    "mongo-init.js" in v for v in services["mongo1"]["volumes"]
)
uri = app["environment"]["MONGODB_URI"]
checks["compose.replset.yaml: app is given every member and the set name"] = (
    all(f"{m}:27017" in uri for m in members) and "replicaSet=rs0" in uri
)

# compose.sharded.yaml: config servers, two shards, mongos.
services, app = common("compose.sharded.yaml", load("compose.sharded.yaml"), "mongos")
cfg, mongos = services.get("cfg", {}), services.get("mongos", {})
shards = [name for name, s in services.items() if "--shardsvr" in command_of(s)]
checks["compose.sharded.yaml: a config server replica set"] = "--configsvr" in command_of(cfg) and "--replSet cfg" in command_of(cfg)
checks["compose.sharded.yaml: two shard replica sets"] = len(shards) == 2 and all(
    f"--replSet {name}" in command_of(services[name]) for name in shards
)
checks["compose.sharded.yaml: mongos routes with the config servers"] = command_of(mongos).startswith(
    "mongos --configdb cfg/cfg:27017"
)
checks["compose.sharded.yaml: every server uses the shared key file"] = all(
    "--keyFile /keys/keyfile" in command_of(services[name]) for name in ["cfg", "mongos", *shards]
)
checks["compose.sharded.yaml: mongos waits for every set"] = all(
    mongos["depends_on"][name]["condition"] == "service_healthy" for name in ["cfg", *shards]
)
checks["compose.sharded.yaml: mongos adds the shards it is given"] = set(mongos["environment"]["SHARDS"].split()) == set(shards)
uri = app["environment"]["MONGODB_URI"]
checks["compose.sharded.yaml: the app points at mongos"] = "@mongos:27017/" in uri and "replicaSet" not in uri
sharded_init = (docker / "sharded-init.js").read_text()
checks["sharded-init.js: idempotency_keys stays unsharded ($lookup in a transaction)"] = (
    'coll: "idempotency_keys"' not in sharded_init and "sh.addShard" in sharded_init
)

# mongo-init.js: the role.
init = (docker / "mongo-init.js").read_text()
role_actions = set(re.findall(r'^\s*"(\w+)",', init[init.index("const actions") : init.index("];")], re.M))
needed = {"find", "insert", "update", "remove", "createCollection", "createIndex", "listCollections", "listIndexes", "collMod"}
checks["mongo-init.js: the app role has exactly the actions the service needs"] = role_actions == needed
checks["mongo-init.js: the app user gets that role and no built-in one"] = (
    'role: "shopApp"' in init and "readWrite" not in init.split("createUser")[1] and "root" not in init
)
monitor = init[init.index('role: "shopMonitor"') : init.index("roles: []", init.index('role: "shopMonitor"'))]
checks["mongo-init.js: the monitor role holds replSetGetStatus and inprog on the cluster, find on local.oplog.rs, nothing else"] = (
    re.findall(r'actions: \[([^\]]*)\]', monitor) == ['"replSetGetStatus", "inprog"', '"find"']
    and 'resource: { cluster: true }' in monitor
    and 'resource: { db: "local", collection: "oplog.rs" }' in monitor
)
checks["mongo-init.js: the app user gets the monitor role"] = '{ role: "shopMonitor", db: "admin" }' in init.split("createUser")[1]
dockerfile = (docker / "Dockerfile").read_text()
checks["the image runs as a non-root user"] = "USER shop" in dockerfile

failed = [name for name, ok in checks.items() if not ok]
for name, ok in checks.items():
    print(("ok   " if ok else "FAIL ") + name)
sys.exit(1 if failed else 0)
