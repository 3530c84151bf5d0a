"""Assert that the patched nx-27017 server behaves like MongoDB for the
operations this project relies on. Usage: python check.py PORT"""
import datetime
import sys
import traceback
import uuid

from bson import Binary, Int64
from bson.codec_options import CodecOptions
from pymongo import ASCENDING, DESCENDING, IndexModel, MongoClient, ReturnDocument
from pymongo.errors import DuplicateKeyError, OperationFailure
from pymongo import InsertOne, UpdateOne, DeleteOne

port = int(sys.argv[1]) if len(sys.argv) > 1 else 27017
client = MongoClient(
    f"mongodb://127.0.0.1:{port}/?directConnection=true",
    uuidRepresentation="standard",
    serverSelectionTimeoutMS=5000,
)
db = client["nx_check"]
failures = 0


def check(name):
    def deco(fn):
        global failures
        try:
            fn()
            print(f"PASS {name}")
        except Exception as exc:  # noqa: BLE001
            failures += 1
            print(f"FAIL {name}: {type(exc).__name__}: {exc}")
            traceback.print_exc(limit=3, file=sys.stderr)
        return fn

    return deco


def fresh(name):
    db.drop_collection(name)
    return db[name]


def uuids(n):
    return sorted((uuid.uuid4() for _ in range(n)), key=lambda u: u.bytes)


# ---- gap 1: BSON binary / UUID ---------------------------------------------
@check("binary: UUID _id round-trips as subtype 4")
def _():
    c = fresh("bin_rt")
    u = uuid.uuid4()
    c.insert_one({"_id": u, "ref": u})
    d = c.find_one()
    assert d["_id"] == u and isinstance(d["_id"], uuid.UUID), d
    assert d["ref"] == u and isinstance(d["ref"], uuid.UUID), d
    raw = db.get_collection("bin_rt", codec_options=CodecOptions()).find_one()
    assert isinstance(raw["_id"], Binary) and raw["_id"].subtype == 4, raw


@check("binary: equality on _id, field, $in, $eq, generic subtype 0")
def _():
    c = fresh("bin_eq")
    u, v = uuid.uuid4(), uuid.uuid4()
    c.insert_one({"_id": u, "ref": v, "b": Binary(b"abc", 0), "n": 1})
    c.insert_one({"_id": v, "ref": u, "b": Binary(b"abc", 5), "n": 2})
    assert c.find_one({"_id": u})["n"] == 1
    assert c.find_one({"_id": {"$eq": v}})["n"] == 2
    assert c.find_one({"ref": v})["n"] == 1
    assert c.find_one({"ref": {"$eq": u}})["n"] == 2
    assert c.find_one({"_id": {"$in": [u]}})["n"] == 1
    assert c.find_one({"ref": {"$in": [u]}})["n"] == 2
    assert sorted(d["n"] for d in c.find({"_id": {"$in": [u, v]}})) == [1, 2]
    assert [d["n"] for d in c.find({"b": Binary(b"abc", 0)})] == [1]
    assert [d["n"] for d in c.find({"b": Binary(b"abc", 5)})] == [2]
    assert [d["n"] for d in c.find({"_id": {"$ne": u}})] == [2]
    assert c.count_documents({"_id": u}) == 1
    assert c.find_one({"_id": uuid.uuid4()}) is None


@check("binary: values inside arrays and embedded documents")
def _():
    c = fresh("bin_nested")
    u, v = uuid.uuid4(), uuid.uuid4()
    c.insert_one({"_id": 1, "arr": [u, v], "emb": {"x": u}, "objs": [{"k": v}]})
    d = c.find_one({"_id": 1})
    assert d["arr"] == [u, v] and d["emb"] == {"x": u} and d["objs"] == [{"k": v}], d
    assert c.find_one({"arr": v}) is not None
    assert c.find_one({"emb.x": u}) is not None
    assert c.find_one({"emb": {"x": u}}) is not None
    assert c.find_one({"objs.k": v}) is not None
    assert c.find_one({"arr": {"$in": [v]}}) is not None
    assert c.find_one({"emb.x": v}) is None


@check("binary: update/replace/delete/findAndModify filtered by UUID _id")
def _():
    c = fresh("bin_crud")
    ids = uuids(4)
    c.insert_many([{"_id": i, "n": k} for k, i in enumerate(ids)])
    r = c.update_one({"_id": ids[0]}, {"$set": {"n": 10}, "$inc": {"v": 1}})
    assert (r.matched_count, r.modified_count) == (1, 1), r.raw_result
    assert c.find_one({"_id": ids[0]})["n"] == 10
    r = c.update_many({"_id": {"$in": ids[:2]}}, {"$inc": {"n": 1}})
    assert r.matched_count == 2, r.raw_result
    r = c.replace_one({"_id": ids[1]}, {"n": 20})
    assert r.matched_count == 1
    assert c.find_one({"_id": ids[1]}) == {"_id": ids[1], "n": 20}
    d = c.find_one_and_update(
        {"_id": ids[2]}, {"$set": {"n": 30}}, return_document=ReturnDocument.AFTER
    )
    assert d == {"_id": ids[2], "n": 30}, d
    d = c.find_one_and_delete({"_id": ids[2]})
    assert d["_id"] == ids[2]
    assert c.delete_one({"_id": ids[3]}).deleted_count == 1
    assert c.count_documents({}) == 2
    r = c.update_one({"_id": ids[3]}, {"$set": {"n": 40}}, upsert=True)
    assert r.upserted_id == ids[3], r.raw_result
    assert c.find_one({"_id": ids[3]}) == {"_id": ids[3], "n": 40}


@check("binary: $set of UUID values (top-level, embedded, array)")
def _():
    c = fresh("bin_set")
    u, v = uuid.uuid4(), uuid.uuid4()
    c.insert_one({"_id": u})
    c.update_one({"_id": u}, {"$set": {"owner": v, "meta.by": v, "list": [v]}})
    d = c.find_one({"_id": u})
    assert d == {"_id": u, "owner": v, "meta": {"by": v}, "list": [v]}, d
    assert c.find_one({"owner": v})["_id"] == u
    assert c.find_one({"meta.by": v})["_id"] == u
    c.update_one({"_id": u}, {"$push": {"list": u}})
    assert c.find_one({"_id": u})["list"] == [v, u]


@check("binary: sort by UUID _id asc/desc and keyset pagination with $gt/$lt")
def _():
    c = fresh("bin_page")
    ids = uuids(25)
    c.insert_many([{"_id": i, "cat": "a"} for i in reversed(ids)])
    assert [d["_id"] for d in c.find().sort("_id", ASCENDING)] == ids
    assert [d["_id"] for d in c.find().sort("_id", DESCENDING)] == ids[::-1]
    got, last = [], None
    while True:
        f = {"cat": "a"} if last is None else {"cat": "a", "_id": {"$gt": last}}
        page = list(c.find(f).sort("_id", 1).limit(7))
        if not page:
            break
        got += [d["_id"] for d in page]
        last = page[-1]["_id"]
    assert got == ids, "forward keyset pagination"
    back = [d["_id"] for d in c.find({"_id": {"$lt": ids[10]}}).sort("_id", -1).limit(5)]
    assert back == ids[5:10][::-1], back
    rng = [d["_id"] for d in c.find({"_id": {"$gte": ids[3], "$lte": ids[6]}}).sort("_id", 1)]
    assert rng == ids[3:7], rng
    # BinData compares by length first, then subtype, then bytes
    c2 = fresh("bin_order")
    c2.insert_many([
        {"_id": Binary(b"\x01\x02\x03", 0)},
        {"_id": Binary(b"\xff", 0)},
        {"_id": Binary(b"\x00\x00", 5)},
        {"_id": Binary(b"\x00\x01", 0)},
    ])
    got = [(len(d["_id"]), bytes(d["_id"])) for d in c2.find().sort("_id", 1)]
    assert got == [(1, b"\xff"), (2, b"\x00\x01"), (2, b"\x00\x00"), (3, b"\x01\x02\x03")], got


@check("binary: same bytes, different subtype are distinct _id values")
def _():
    c = fresh("bin_subtype")
    c.insert_one({"_id": Binary(b"k" * 16, 0)})
    c.insert_one({"_id": Binary(b"k" * 16, 3)})
    assert c.count_documents({}) == 2
    try:
        c.insert_one({"_id": Binary(b"k" * 16, 0)})
        raise AssertionError("duplicate binary _id accepted")
    except DuplicateKeyError as e:
        assert e.code == 11000


@check("binary: aggregate $match/$group with UUID ids")
def _():
    c = fresh("bin_agg")
    owner = uuid.uuid4()
    docs = [{"_id": uuid.uuid4(), "owner": owner, "cat": "x" if i % 2 else "y", "p": i}
            for i in range(1, 7)]
    docs.append({"_id": uuid.uuid4(), "owner": uuid.uuid4(), "cat": "x", "p": 100})
    c.insert_many(docs)
    res = list(c.aggregate([
        {"$match": {"owner": owner}},
        {"$group": {"_id": "$cat", "mn": {"$min": "$p"}, "mx": {"$max": "$p"},
                    "avg": {"$avg": "$p"}, "sum": {"$sum": "$p"}, "n": {"$sum": 1}}},
        {"$sort": {"_id": 1}},
    ]))
    assert res == [
        {"_id": "x", "mn": 1, "mx": 5, "avg": 3.0, "sum": 9, "n": 3},
        {"_id": "y", "mn": 2, "mx": 6, "avg": 4.0, "sum": 12, "n": 3},
    ], res
    res = list(c.aggregate([{"$match": {"_id": docs[0]["_id"]}}]))
    assert len(res) == 1 and res[0]["_id"] == docs[0]["_id"], res
    res = list(c.aggregate([{"$group": {"_id": "$owner", "n": {"$sum": 1}}},
                            {"$match": {"_id": owner}}]))
    assert res == [{"_id": owner, "n": 6}], res


@check("binary: bulk insert/update/delete batches with UUID ids")
def _():
    c = fresh("bin_bulk")
    ids = uuids(50)
    r = c.bulk_write([InsertOne({"_id": i, "n": 0}) for i in ids])
    assert r.inserted_count == 50
    r = c.bulk_write([UpdateOne({"_id": i}, {"$set": {"n": k + 1}}) for k, i in enumerate(ids)])
    assert (r.matched_count, r.modified_count) == (50, 50), r.bulk_api_result
    r = c.bulk_write([DeleteOne({"_id": i}) for i in ids[:10]])
    assert r.deleted_count == 10
    assert c.count_documents({}) == 40
    assert c.find_one({"_id": ids[20]})["n"] == 21


@check("binary: transaction (startTransaction/autocommit false) with UUID ids")
def _():
    c = fresh("bin_txn")
    c.insert_one({"_id": "seed"})
    u, v = uuid.uuid4(), uuid.uuid4()
    with client.start_session() as s:
        with s.start_transaction():
            c.insert_one({"_id": u, "n": 1}, session=s)
            c.update_one({"_id": u}, {"$inc": {"n": 1}}, session=s)
            assert c.find_one({"_id": u}, session=s)["n"] == 2
    assert c.find_one({"_id": u})["n"] == 2
    with client.start_session() as s:
        s.start_transaction()
        c.insert_one({"_id": v}, session=s)
        s.abort_transaction()
    assert c.find_one({"_id": v}) is None


# ---- gap 3: embedded-document _id --------------------------------------------
@check("document _id: exact-equality lookup and duplicate key 11000")
def _():
    c = fresh("doc_id")
    c.insert_one({"_id": {"scope": "transfer", "key": "k1"}, "n": 1})
    c.insert_one({"_id": {"scope": "transfer", "key": "k2"}, "n": 2})
    assert c.find_one({"_id": {"scope": "transfer", "key": "k1"}})["n"] == 1
    assert c.find_one({"_id": {"key": "k1", "scope": "transfer"}}) is None  # field order matters
    assert c.find_one({"_id": {"$in": [{"scope": "transfer", "key": "k2"}]}})["n"] == 2
    r = c.update_one({"_id": {"scope": "transfer", "key": "k1"}}, {"$set": {"n": 5}})
    assert r.matched_count == 1
    try:
        c.insert_one({"_id": {"scope": "transfer", "key": "k1"}})
        raise AssertionError("duplicate document _id accepted")
    except DuplicateKeyError as e:
        assert e.code == 11000
    try:
        c.find_one({"_id": {"$bogus": 1}})
        raise AssertionError("unknown operator accepted")
    except OperationFailure:
        pass


# ---- gap 2: findAndModify keeps BSON dates -----------------------------------
@check("findAndModify $set datetime stays a BSON date")
def _():
    c = fresh("fam_date")
    u = uuid.uuid4()
    c.insert_one({"_id": u})
    when = datetime.datetime(2024, 5, 6, 7, 8, 9, 123000)
    d = c.find_one_and_update({"_id": u}, {"$set": {"at": when, "m.at": when}},
                              return_document=ReturnDocument.AFTER)
    assert d["at"] == when and isinstance(d["at"], datetime.datetime), d
    d = c.find_one({"_id": u})
    assert d["at"] == when and d["m"]["at"] == when, d
    assert c.find_one({"at": {"$gte": when}}) is not None
    d = c.find_one_and_update({"_id": uuid.uuid4()}, {"$set": {"at": when}}, upsert=True,
                              return_document=ReturnDocument.AFTER)
    assert isinstance(d["at"], datetime.datetime), d


# ---- gap 4: findAndModify duplicate key ---------------------------------------
@check("findAndModify violating a unique index fails with 11000")
def _():
    c = fresh("fam_dup")
    c.create_index("sku", unique=True)
    a, b = uuid.uuid4(), uuid.uuid4()
    c.insert_many([{"_id": a, "sku": "A"}, {"_id": b, "sku": "B"}])
    try:
        c.find_one_and_update({"_id": b}, {"$set": {"sku": "A"}})
        raise AssertionError("duplicate sku accepted")
    except OperationFailure as e:
        assert e.code == 11000, e.details
    assert c.find_one({"_id": b})["sku"] == "B"


# ---- gap 5: every error reply carries code/codeName --------------------------
@check("error replies carry numeric code and codeName")
def _():
    c = fresh("err_code")
    c.insert_one({"_id": 1})
    probes = [
        lambda: c.find_one({"a": {"$bogus": 1}}),
        lambda: db.command("count", "err_code", query={"a": {"$bogus": 1}}),
        lambda: db.command("findAndModify", "err_code"),
        lambda: db.command("renameCollection", "err_code"),
        lambda: c.insert_one({"_id": 1}),
        lambda: c.delete_one({"a": {"$bogus": 1}}),
        lambda: list(c.aggregate([{"$bogusStage": {}}])),
    ]
    for i, probe in enumerate(probes):
        try:
            probe()
        except OperationFailure as e:
            det = e.details or {}
            errs = det.get("writeErrors") or [det]
            for err in errs:
                assert isinstance(err.get("code"), int), (i, det)
            if "writeErrors" not in det and "index" not in det:
                assert isinstance(det.get("codeName"), str), (i, det)
        else:
            raise AssertionError(f"probe {i} did not fail")


# ---- gap 6: compound index containing _id ------------------------------------
@check("compound index containing _id keeps inserts working")
def _():
    c = fresh("idx_id")
    c.create_index([("category", 1), ("price_minor", 1), ("_id", 1)])
    ids = uuids(3)
    c.insert_one({"_id": ids[0], "category": "c", "price_minor": 5})
    c.insert_many([{"_id": ids[1], "category": "c", "price_minor": 5},
                   {"_id": ids[2], "category": "d", "price_minor": 1}])
    got = [d["_id"] for d in c.find({"category": "c", "price_minor": 5}).sort([("price_minor", 1), ("_id", 1)])]
    assert got == ids[:2], got
    c.update_one({"_id": ids[0]}, {"$set": {"price_minor": 6}})
    assert c.find_one({"_id": ids[0]})["price_minor"] == 6


# ---- in-memory sorts order BinData as MongoDB does ---------------------------
@check("keyset pages over UUID v7 ids with price ties come back in order")
def _():
    import os
    import time
    c = fresh("keyset_v7")
    prices = [500, 100, 300, 100, 200, 300, 100, 400, 200, 500, 300]
    docs = []
    for price in prices:
        raw = bytearray(int(time.time() * 1000).to_bytes(6, "big") + os.urandom(10))
        raw[6] = (raw[6] & 0x0F) | 0x70
        raw[8] = (raw[8] & 0x3F) | 0x80
        docs.append({"_id": uuid.UUID(bytes=bytes(raw)), "category": "c", "price_minor": Int64(price)})
    for doc in docs:
        c.insert_one(doc)
    for direction, op in ((1, "$gt"), (-1, "$lt")):
        keys = sorted(((d["price_minor"], d["_id"].bytes) for d in docs), reverse=direction == -1)
        expected = [uuid.UUID(bytes=b) for _, b in keys]
        got, after = [], None
        while True:
            clauses = [{"category": "c"}]
            if after:
                clauses.append({"$or": [{"price_minor": {op: after[0]}},
                                        {"price_minor": after[0], "_id": {op: after[1]}}]})
            page = list(c.find({"$and": clauses}).sort([("price_minor", direction), ("_id", direction)]).limit(5))
            got += [d["_id"] for d in page[:4]]
            if len(page) <= 4:
                break
            after = (page[3]["price_minor"], page[3]["_id"])
        assert got == expected, (direction, got, expected)


# ---- transfers: one read and one client bulkWrite per transaction ----------
@check("transaction: aggregate with a $lookup sub-pipeline opens it and reads its writes; client bulkWrite joins it; a retried commit succeeds")
def _():
    wallets, keys = fresh("tx_wallets"), fresh("tx_keys")
    a, b = uuid.uuid4(), uuid.uuid4()
    wallets.insert_many([{"_id": a, "balance_minor": Int64(100)}, {"_id": b, "balance_minor": Int64(0)}])
    keys.insert_one({"_id": {"scope": "t", "key": "taken"}})

    def read(session, key):
        lookup = {"$lookup": {"from": "tx_keys", "pipeline": [{"$match": {"_id": {"scope": "t", "key": key}}}],
                              "as": "record"}}
        return list(wallets.aggregate([{"$match": {"_id": {"$in": [a, b]}}}, lookup], session=session))

    with client.start_session() as session:
        session.start_transaction()
        seen = read(session, "taken")
        assert len(seen) == 2 and all(len(w["record"]) == 1 for w in seen), seen
        result = client.bulk_write(
            [
                InsertOne({"_id": {"scope": "t", "key": "new"}}, namespace="nx_check.tx_keys"),
                UpdateOne({"_id": a, "balance_minor": {"$gte": 10}}, {"$inc": {"balance_minor": -10}},
                          namespace="nx_check.tx_wallets"),
                UpdateOne({"_id": b, "balance_minor": {"$gte": 1000}}, {"$inc": {"balance_minor": 10}},
                          namespace="nx_check.tx_wallets"),
            ],
            session=session,
            verbose_results=True,
        )
        assert [result.update_results[i].matched_count for i in (1, 2)] == [1, 0], result.update_results
        # The transaction reads its own writes; outside it nothing shows yet.
        assert all(len(w["record"]) == 1 for w in read(session, "new"))
        assert keys.find_one({"_id": {"scope": "t", "key": "new"}}) is None
        assert keys.count_documents({}) == 1 and wallets.find_one({"_id": a})["balance_minor"] == 100
        session.commit_transaction()
        # The reply of a commit can be lost; drivers then send it again, and MongoDB answers ok.
        session.commit_transaction()
    assert wallets.find_one({"_id": a})["balance_minor"] == 90
    assert keys.count_documents({}) == 2


# ---- what MongoDB refuses inside a transaction --------------------------------
def refused(fn):
    """The OperationFailure that fn raises (it must raise one)."""
    try:
        fn()
    except OperationFailure as exc:
        return exc
    raise AssertionError("the server accepted it")


def run_in_new_transaction(coll, pipeline):
    """Starts a transaction with a write, runs an aggregate in it; returns the refusal and the
    commit's refusal."""
    marker = {"_id": uuid.uuid4()}
    with client.start_session() as s:
        s.start_transaction()
        coll.insert_one(marker, session=s)
        exc = refused(lambda: db.command("aggregate", coll.name, pipeline=pipeline, cursor={}, session=s))
        commit = refused(s.commit_transaction)
    assert coll.find_one(marker) is None, "a write of the aborted transaction is visible"
    return exc, commit


@check("transaction: $unionWith is refused with 263, also inside $lookup and $facet sub-pipelines, and the transaction aborts")
def _():
    c = fresh("tx_union")
    fresh("tx_union_other").insert_one({"_id": 1})
    c.insert_one({"_id": "seed"})
    shapes = [
        [{"$unionWith": "tx_union_other"}],
        [{"$match": {}}, {"$unionWith": {"coll": "tx_union_other", "pipeline": [{"$match": {}}]}}],
        [{"$lookup": {"from": "tx_union_other", "pipeline": [{"$unionWith": "tx_union"}], "as": "x"}}],
        [{"$facet": {"all": [{"$match": {}}], "more": [{"$unionWith": "tx_union_other"}]}}],
    ]
    for pipeline in shapes:
        exc, commit = run_in_new_transaction(c, pipeline)
        assert exc.code == 263 and exc.details.get("codeName") == "OperationNotSupportedInTransaction", exc.details
        assert "$unionWith" in exc.details.get("errmsg", ""), exc.details
        assert commit.code == 251, (pipeline, commit.details)
    # Outside a transaction $unionWith runs.
    assert len(list(c.aggregate([{"$unionWith": {"coll": "tx_union_other", "pipeline": []}}]))) == 2


@check("transaction: $out, $merge, $collStats, $currentOp, $indexStats, $listSessions, $listLocalSessions, $planCacheStats, $changeStream are refused with 263")
def _():
    c = fresh("tx_stages")
    c.insert_one({"_id": "seed"})
    for stage in ({"$out": "tx_stages_out"}, {"$merge": {"into": "tx_stages_out"}}, {"$collStats": {"count": {}}},
                  {"$currentOp": {}}, {"$indexStats": {}}, {"$listSessions": {}}, {"$listLocalSessions": {}},
                  {"$planCacheStats": {}}, {"$changeStream": {}}):
        name = next(iter(stage))
        pipeline = [stage] if name not in ("$out", "$merge") else [{"$match": {}}, stage]
        exc, commit = run_in_new_transaction(c, pipeline)
        assert exc.code == 263 and name in exc.details.get("errmsg", ""), (name, exc.details)
        assert commit.code == 251, (name, commit.details)
    assert "tx_stages_out" not in db.list_collection_names()


@check("transaction: count, listIndexes, listCollections and explain are refused with 263 and leave it open")
def _():
    c = fresh("tx_cmds")
    c.insert_one({"_id": "seed"})
    with client.start_session() as s:
        s.start_transaction()
        c.insert_one({"_id": "in-tx"}, session=s)
        for name, fn in (
            ("count", lambda: db.command("count", "tx_cmds", session=s)),
            ("listIndexes", lambda: list(c.list_indexes(session=s))),
            ("listCollections", lambda: db.list_collection_names(session=s)),
            ("explain", lambda: db.command("explain", {"find": "tx_cmds"}, session=s)),
        ):
            exc = refused(fn)
            assert exc.code == 263 and name in exc.details.get("errmsg", ""), (name, exc.details)
        # countDocuments is an aggregate, and runs in the transaction.
        assert c.count_documents({}, session=s) == 2
        s.commit_transaction()
    assert c.find_one({"_id": "in-tx"}) is not None


@check("transaction: a duplicate key error aborts it: its later statements and its commit fail with 251 NoSuchTransaction, and none of its writes is visible")
def _():
    c = fresh("tx_dup")
    c.insert_one({"_id": "taken", "n": 0})
    with client.start_session() as s:
        s.start_transaction()
        c.insert_one({"_id": "first"}, session=s)
        c.update_one({"_id": "taken"}, {"$set": {"n": 1}}, session=s)
        try:
            c.insert_one({"_id": "taken"}, session=s)
            raise AssertionError("duplicate _id accepted")
        except DuplicateKeyError:
            pass
        later = refused(lambda: c.insert_one({"_id": "later"}, session=s))
        assert later.code == 251 and later.has_error_label("TransientTransactionError"), later.details
        commit = refused(s.commit_transaction)
        assert commit.code == 251, commit.details
    assert c.find_one({"_id": "first"}) is None and c.find_one({"_id": "later"}) is None
    assert c.find_one({"_id": "taken"})["n"] == 0
    # The session starts its next transaction as usual.
    with client.start_session() as s:
        with s.start_transaction():
            c.insert_one({"_id": "next"}, session=s)
    assert c.find_one({"_id": "next"}) is not None


@check("transaction: abortTransaction discards its inserts, updates and deletes")
def _():
    c = fresh("tx_abort")
    c.insert_many([{"_id": "keep", "n": 0}, {"_id": "gone", "n": 0}])
    with client.start_session() as s:
        s.start_transaction()
        c.insert_one({"_id": "new"}, session=s)
        c.update_one({"_id": "keep"}, {"$inc": {"n": 5}}, session=s)
        c.delete_one({"_id": "gone"}, session=s)
        assert c.count_documents({}, session=s) == 2
        s.abort_transaction()
    assert sorted((d["_id"], d["n"]) for d in c.find({})) == [("gone", 0), ("keep", 0)]


# ---- concurrent transactions --------------------------------------------------
@check("transactions: 20 at once (with_transaction, distinct documents and one contended document), then 50 serial, leave exactly the expected documents")
def _():
    import threading

    c = fresh("tx_burst")
    c.insert_one({"_id": "counter", "n": 0})
    calls, errors = [], []

    def work(i):
        def body(s):
            calls.append(i)
            if i % 2:
                c.update_one({"_id": "counter"}, {"$inc": {"n": 1}}, session=s)
            c.insert_one({"_id": f"burst-{i}"}, session=s)

        try:
            with client.start_session() as s:
                s.with_transaction(body)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{i}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    for i in range(50):
        with client.start_session() as s:
            with s.start_transaction():
                c.insert_one({"_id": f"serial-{i}"}, session=s)
    ids = sorted(d["_id"] for d in c.find({}, {"_id": 1}))
    expected = sorted(["counter"] + [f"burst-{i}" for i in range(20)] + [f"serial-{i}" for i in range(50)])
    assert ids == expected, (len(ids), sorted(set(ids) ^ set(expected)))
    assert c.find_one({"_id": "counter"})["n"] == 10
    print(f"     ({len(calls)} callback runs for 20 transactions)")


@check("transactions: during a transaction a write from another connection waits for it, a read sees none of its writes, and nothing breaks")
def _():
    import threading

    c = fresh("tx_outside")
    other = MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true", serverSelectionTimeoutMS=5000)
    oc = other["nx_check"]["tx_outside"]
    try:
        for outcome in ("commit", "abort"):
            seen = {}
            with client.start_session() as s:
                s.start_transaction()
                c.insert_one({"_id": f"tx-{outcome}"}, session=s)
                writer = threading.Thread(target=lambda: oc.insert_one({"_id": f"outside-{outcome}"}))
                reader = threading.Thread(target=lambda: seen.update(doc=oc.find_one({"_id": f"tx-{outcome}"})))
                writer.start()
                reader.start()
                writer.join(0.3)
                c.update_one({"_id": f"tx-{outcome}"}, {"$set": {"later": True}}, session=s)
                if outcome == "commit":
                    s.commit_transaction()
                else:
                    s.abort_transaction()
            writer.join(30)
            reader.join(30)
            assert not writer.is_alive() and not reader.is_alive()
            assert c.find_one({"_id": f"outside-{outcome}"}) is not None, outcome
            if outcome == "commit":
                assert c.find_one({"_id": "tx-commit"}) == {"_id": "tx-commit", "later": True}
                assert seen["doc"] in (None, {"_id": "tx-commit", "later": True}), seen
            else:
                assert c.find_one({"_id": "tx-abort"}) is None
                assert seen["doc"] is None, f"a read saw an uncommitted write: {seen}"
    finally:
        other.close()


@check("transactions: one that cannot get the lock fails with 24 LockTimeout labelled TransientTransactionError; an abandoned one is aborted after transactionLifetimeLimitSeconds")
def _():
    import time

    c = fresh("tx_abandoned")
    c.insert_one({"_id": "seed"})
    admin = client.admin
    assert admin.command("getParameter", 1, transactionLifetimeLimitSeconds=1)["transactionLifetimeLimitSeconds"] == 60
    admin.command("setParameter", 1, transactionLifetimeLimitSeconds=3)
    try:
        abandoned = client.start_session()
        abandoned.start_transaction()
        c.insert_one({"_id": "abandoned"}, session=abandoned)
        started = time.monotonic()
        with client.start_session() as s:
            s.start_transaction()
            exc = refused(lambda: c.insert_one({"_id": "waiting"}, session=s))
            assert exc.code == 24 and exc.has_error_label("TransientTransactionError"), exc.details
            s.abort_transaction()
        assert time.monotonic() - started < 2.5, "the waiting transaction was not told in time"
        with client.start_session() as s:
            s.with_transaction(lambda s: c.insert_one({"_id": "after"}, session=s))
        waited = time.monotonic() - started
        assert 2 <= waited < 20, waited
        exc = refused(abandoned.commit_transaction)
        assert exc.code == 251, exc.details
        abandoned.end_session()
        assert sorted(d["_id"] for d in c.find({})) == ["after", "seed"]
    finally:
        admin.command("setParameter", 1, transactionLifetimeLimitSeconds=60)


@check("transactions: killSessions aborts the session's open transaction at once and frees its lock; the session stays usable")
def _():
    import time

    c = fresh("tx_killed")
    c.insert_one({"_id": "seed"})
    abandoned = client.start_session()
    abandoned.start_transaction()
    c.insert_one({"_id": "abandoned"}, session=abandoned)
    started = time.monotonic()
    assert client.admin.command("killSessions", [abandoned.session_id])["ok"] == 1
    with client.start_session() as s:
        s.with_transaction(lambda s: c.insert_one({"_id": "after"}, session=s))
    assert time.monotonic() - started < 2, "the killed transaction still held the lock"
    exc = refused(abandoned.commit_transaction)
    assert exc.code == 251, exc.details
    abandoned.start_transaction()
    c.insert_one({"_id": "reused"}, session=abandoned)
    abandoned.commit_transaction()
    abandoned.end_session()
    assert sorted(d["_id"] for d in c.find({})) == ["after", "reused", "seed"]


@check("insert: only its documents are stored, not the read concern of the transaction it opens nor a document comment")
def _():
    from pymongo.read_concern import ReadConcern
    from pymongo.write_concern import WriteConcern

    c = fresh("insert_fields")
    with client.start_session() as s:
        with s.start_transaction(read_concern=ReadConcern("snapshot"), write_concern=WriteConcern("majority")):
            c.insert_one({"_id": "in-transaction"}, session=s)
    db.command("insert", "insert_fields", documents=[{"_id": "commented"}], comment={"by": "check"})
    assert sorted(d["_id"] for d in c.find({})) == ["commented", "in-transaction"], list(c.find({}))


# ---- indexes: listIndexes, dropIndexes, createIndexes as MongoDB keeps them --
def index_error(fn):
    try:
        fn()
    except OperationFailure as exc:
        return exc.code
    raise AssertionError("the command succeeded")


@check("indexes: listIndexes reports keys in order with directions, names and options as created")
def _():
    c = fresh("ix_list")
    c.insert_one({"category": "a", "price_minor": 1, "sku": "s1"})
    since = datetime.datetime(2024, 1, 1)
    c.create_indexes([
        IndexModel([("category", ASCENDING), ("price_minor", ASCENDING), ("_id", ASCENDING)],
                   name="category_price_id"),
        IndexModel([("sku", ASCENDING)], name="sku_unique", unique=True),
        IndexModel([("expires_at", ASCENDING)], name="expires_at_ttl", expireAfterSeconds=0),
        IndexModel([("status", ASCENDING)], partialFilterExpression={"at": {"$gte": since}}),
    ])
    c.create_index([("wallet_id", ASCENDING), ("_id", DESCENDING)])
    listed = {i["name"]: i for i in c.list_indexes()}
    assert list(listed) == ["_id_", "category_price_id", "sku_unique", "expires_at_ttl", "status_1",
                            "wallet_id_1__id_-1"], list(listed)
    keys = {name: list(i["key"].items()) for name, i in listed.items()}
    assert keys["_id_"] == [("_id", 1)], keys
    assert keys["category_price_id"] == [("category", 1), ("price_minor", 1), ("_id", 1)], keys
    assert keys["wallet_id_1__id_-1"] == [("wallet_id", 1), ("_id", -1)], keys
    assert listed["sku_unique"].get("unique") is True, listed["sku_unique"]
    assert "unique" not in listed["category_price_id"], listed["category_price_id"]
    assert listed["expires_at_ttl"].get("expireAfterSeconds") == 0, listed["expires_at_ttl"]
    assert listed["status_1"].get("partialFilterExpression") == {"at": {"$gte": since}}, listed["status_1"]
    assert "partialFilterExpression" not in listed["sku_unique"], listed["sku_unique"]
    with_unique = c.index_information()
    assert with_unique["sku_unique"]["unique"] is True, with_unique
    try:
        c.insert_one({"sku": "s1"})
        raise AssertionError("duplicate sku accepted")
    except DuplicateKeyError:
        pass


@check("indexes: dropIndexes by name and by key pattern; unknown index fails with 27, _id_ with 72")
def _():
    c = fresh("ix_drop")
    c.insert_one({"sku": "s1"})
    c.create_index([("sku", ASCENDING)], name="sku_unique", unique=True)
    c.create_index([("wallet_id", ASCENDING), ("_id", DESCENDING)], name="wallet_id_newest")
    c.create_index([("a", ASCENDING)])
    c.create_index([("a", DESCENDING)])
    assert index_error(lambda: c.drop_index("no_such_index")) == 27
    assert index_error(lambda: db.command("dropIndexes", "ix_drop", index={"zz": 1})) == 27
    assert index_error(lambda: c.drop_index("_id_")) == 72
    assert index_error(lambda: db.command("dropIndexes", "ix_drop", index=["sku_unique", "nope"])) == 27
    c.drop_index("sku_unique")
    c.insert_one({"sku": "s1"})  # the unique index is really gone
    db.command("dropIndexes", "ix_drop", index={"wallet_id": 1, "_id": -1})
    c.drop_index("a_1")  # {a: -1} stays, and still answers by its name
    assert [i["name"] for i in c.list_indexes()] == ["_id_", "a_-1"], list(c.list_indexes())
    assert index_error(lambda: c.drop_index("sku_unique")) == 27
    c.drop_indexes()
    assert [i["name"] for i in c.list_indexes()] == ["_id_"], list(c.list_indexes())
    c.delete_many({})
    c.create_index([("sku", ASCENDING)], name="sku_unique", unique=True)
    db.drop_collection("ix_drop")
    c.insert_many([{"sku": "s2"}, {"sku": "s2"}])  # a dropped collection takes its indexes along
    assert [i["name"] for i in c.list_indexes()] == ["_id_"], list(c.list_indexes())


@check("indexes: createIndexes with an existing name is a no-op for the same spec, 86/85 for another")
def _():
    c = fresh("ix_conflict")
    c.create_index([("sku", ASCENDING)], name="sku_unique", unique=True)
    c.create_index([("expires_at", ASCENDING)], name="expires_at_ttl", expireAfterSeconds=0)
    again = db.command("createIndexes", "ix_conflict",
                       indexes=[{"key": {"sku": 1}, "name": "sku_unique", "unique": True}])
    assert again["ok"] == 1 and again["numIndexesBefore"] == again["numIndexesAfter"] == 3, again
    c.create_index([("sku", ASCENDING)], name="sku_unique", unique=True)
    assert index_error(lambda: c.create_index([("sku", DESCENDING)], name="sku_unique", unique=True)) == 86
    assert index_error(lambda: c.create_index([("sku", ASCENDING)], name="sku_unique")) == 86
    assert index_error(lambda: c.create_index([("expires_at", ASCENDING)], name="expires_at_ttl",
                                              expireAfterSeconds=60)) == 85
    assert index_error(lambda: c.create_index([("sku", ASCENDING)], name="sku_again", unique=True)) == 85
    assert index_error(lambda: c.create_index([("a", 0)])) == 67
    listed = [(i["name"], dict(i["key"]), i.get("unique"), i.get("expireAfterSeconds")) for i in c.list_indexes()]
    assert listed == [("_id_", {"_id": 1}, None, None), ("sku_unique", {"sku": 1}, True, None),
                      ("expires_at_ttl", {"expires_at": 1}, None, 0)], listed

client.drop_database("nx_check")
print(f"{'OK' if not failures else 'FAILED'}: {failures} failing check(s)")
sys.exit(1 if failures else 0)
