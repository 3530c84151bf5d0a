#!/usr/bin/env python3
"""The ingest recipe of MongoDB's own guidance, as a team would run it instead of `shop ingest`.

Reads NDJSON products and upserts them by sku with PyMongo: `bulk_write(ordered=False)` of
`UpdateOne({"sku": row["sku"]}, {"$set": row}, upsert=True)`, 1,000 a batch, one batch at a time,
after ensuring a unique index on `sku` (not timed). Lines that are not JSON objects with a string
`sku` are skipped and counted as rejected; nothing else is validated.

`shop bench ingest` runs it beside the pipeline on the same server (see docs/ingest.md). On its
own:

    python3 scripts/ingest-recipe.py products.ndjson --uri mongodb://localhost:27017 --db bench

It prints one JSON line: lines, seconds, inserted, updated, unchanged, rejected, commands.
"""

import argparse
import json
import sys
import time

from pymongo import ASCENDING, MongoClient, UpdateOne


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--uri", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--collection", default="products")
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()

    client = MongoClient(args.uri)
    products = client[args.db][args.collection]
    products.create_index([("sku", ASCENDING)], unique=True)

    totals = {"lines": 0, "inserted": 0, "updated": 0, "unchanged": 0, "rejected": 0, "commands": 0}
    batch = []

    def flush():
        if not batch:
            return
        result = products.bulk_write(batch, ordered=False)
        totals["commands"] += 1
        totals["inserted"] += result.upserted_count
        totals["updated"] += result.modified_count
        totals["unchanged"] += result.matched_count - result.modified_count
        batch.clear()

    started = time.perf_counter()
    with open(args.file, encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            totals["lines"] += 1
            try:
                row = json.loads(line)
            except ValueError:
                totals["rejected"] += 1
                continue
            if not isinstance(row, dict) or not isinstance(row.get("sku"), str):
                totals["rejected"] += 1
                continue
            batch.append(UpdateOne({"sku": row["sku"]}, {"$set": row}, upsert=True))
            if len(batch) >= args.batch:
                flush()
    flush()
    totals["seconds"] = time.perf_counter() - started
    json.dump(totals, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
