#!/usr/bin/env python3
"""Checks .github/workflows/ without a runner. mongodb.yml parses, runs the same test command as
.ci/run (the README's), against MongoDB 8.0 as a single-node and a three-member replica set started
from the compose files under docker/, and points MONGODB_URI at the started server. Every check
command of .ci/run (fmt, clippy, doc, deny) is a step of some workflow, word for word, and every
workflow installs the toolchain Cargo.toml declares as its rust-version."""
import pathlib
import re
import sys

import yaml

root = pathlib.Path(__file__).resolve().parent.parent
workflows = {path.name: yaml.safe_load(path.read_text()) for path in sorted((root / ".github" / "workflows").glob("*.yml"))}
workflow = workflows["mongodb.yml"]
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

# The checks .ci/run runs before the tests, each as a line of its own.
ci_checks = re.findall(r"^((?:RUSTDOCFLAGS=\S+(?: \S+)?\s)?cargo (?:fmt|clippy|doc|deny) (?!--version).*)$", ci_run, re.M)
all_steps = [step for wf in workflows.values() for job in wf["jobs"].values() for step in job["steps"]]
all_runs = {step.get("run", "").strip() for step in all_steps}
checks[".ci/run names its fmt, clippy, doc and deny checks"] = {re.search(r"cargo (\w+)", c).group(1) for c in ci_checks} >= {"fmt", "clippy", "doc", "deny"}
for command in ci_checks:
    checks[f"a workflow runs `{command}`"] = command.strip() in all_runs
rust_version = re.search(r'^rust-version = "([0-9.]+)"$', (root / "Cargo.toml").read_text(), re.M)
for name, wf in workflows.items():
    toolchains = [
        str(step.get("with", {}).get("toolchain", step["uses"].split("@")[1]))
        for job in wf["jobs"].values()
        for step in job["steps"]
        if step.get("uses", "").startswith("dtolnay/rust-toolchain@")
    ]
    checks[f"{name} installs the declared rust-version"] = (
        rust_version is not None and bool(toolchains) and all(t == rust_version.group(1) for t in toolchains)
    )

failed = [name for name, ok in checks.items() if not ok]
for name, ok in checks.items():
    print(("ok   " if ok else "FAIL ") + name)
sys.exit(1 if failed else 0)
