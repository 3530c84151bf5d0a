#!/usr/bin/env python3
"""Checks .github/workflows/mongodb.yml without a runner: it parses, it runs the same test command
as .ci/run (the README's), against MongoDB 8.0 as a single-node and a three-member replica set
started from the compose files under docker/, and points MONGODB_URI at the started server."""
import pathlib
import re
import sys

import yaml

root = pathlib.Path(__file__).resolve().parent.parent
workflow = yaml.safe_load((root / ".github" / "workflows" / "mongodb.yml").read_text())
ci_run = (root / ".ci" / "run").read_text()

# The test command .ci/run runs: the line that starts `cargo nextest run`, without its
# redirections and pipes.
ci_command = next(
    (re.split(r"\s+\d?>|\|", m.group(0))[0].strip() for m in re.finditer(r"^cargo nextest run .*$", ci_run, re.M)),
    None,
)
# PyYAML reads a bare `on:` key as the boolean True.
triggers = workflow.get("on", workflow.get(True))
jobs = workflow["jobs"]
checks = {"the workflow has triggers and jobs": bool(triggers) and bool(jobs)}

steps = [step for job in jobs.values() for step in job["steps"]]
runs = [step.get("run", "") for step in steps]
checks[".ci/run names a test command"] = ci_command is not None
checks["the workflow runs the same test command as .ci/run"] = ci_command is not None and any(
    r.strip() == ci_command for r in runs
)
readme = (root / "README.md").read_text()
checks["that command is the README's"] = ci_command is not None and ci_command in readme

matrix = [entry for job in jobs.values() for entry in job.get("strategy", {}).get("matrix", {}).get("include", [])]
composes = {entry.get("compose") for entry in matrix}
checks["a single-node and a three-member replica set"] = composes == {"docker/compose.yaml", "docker/compose.replset.yaml"}
checks["each compose file it names exists"] = all((root / c).is_file() for c in composes if c)
for entry in matrix:
    compose = yaml.safe_load((root / entry["compose"]).read_text())
    images = {s.get("image") for name, s in compose["services"].items() if name in entry["services"].split()}
    checks[f"{entry['compose']}: the started services run mongo:8.0"] = images == {"mongo:8.0"}
checks["MongoDB is started and waited for"] = any("docker compose" in r and "--wait" in r for r in runs)
uris = [step.get("env", {}).get("MONGODB_URI", "") for step in steps]
test_uri = next((u for u, r in zip(uris, runs) if r.strip() == ci_command), "")
checks["the tests get MONGODB_URI for the started server"] = (
    test_uri.startswith("mongodb://") and "127.0.0.1:27017" in test_uri and "authSource=admin" in test_uri
)

failed = [name for name, ok in checks.items() if not ok]
for name, ok in checks.items():
    print(("ok   " if ok else "FAIL ") + name)
sys.exit(1 if failed else 0)
