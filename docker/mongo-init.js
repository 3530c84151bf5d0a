// Runs once, when the data volume is empty (or, on a sharded cluster, once through mongos): the
// application's user gets a role of its own with exactly what the service does on its database
// and nothing else (no admin roles, no other databases, no drops).
//
// Why a custom role and not the built-in readWrite: start-up brings the schema up to date at every
// start (collections, validators, indexes), and updating a validator is `collMod`, which readWrite
// lacks, so from the second start on a changed validator would stay stale. readWrite also grants
// what the service never needs (dropCollection, dropIndex, renameCollectionSameDB,
// convertToCapped). `shop indexes apply --drop-extra` drops indexes: it is an operator's command,
// run with an operator's user (dbAdmin on the database), not the service's.
const name = process.env.SHOP_DB_NAME || "shop";
const shop = db.getSiblingDB(name);

const actions = [
  // Reads, including aggregate with $lookup, explain (shop indexes audit) and getMore.
  "find",
  // Writes, including client-level bulkWrite and findAndModify.
  "insert",
  "update",
  "remove",
  // Start-up: create missing collections (with their validators) and the declared indexes.
  "createCollection",
  "createIndex",
  // Start-up: read each validator to compare, and each index to report conflicts.
  "listCollections",
  "listIndexes",
  // Start-up: update a validator that differs from the declared one; index TTL changes.
  "collMod",
];

if (!shop.getRole("shopApp")) {
  shop.createRole({
    role: "shopApp",
    privileges: [{ resource: { db: name, collection: "" }, actions: actions }],
    roles: [],
  });
}
// The deployment-health monitor `shop serve` runs (docs/observability.md): exactly the three
// privileges its questions need, rather than the built-in clusterMonitor, which grants far more
// (serverStatus, getLog, listDatabases, top...) and still lacks the oplog read.
//   replSetGetStatus: member lag and the term (manual, "replSetGetStatus", Access Control).
//   inprog: $currentOp with allUsers, to see the server's index builds (manual, "$currentOp").
//   find on local.oplog.rs: its first and last entries, the oplog window (as
//   db.getReplicationInfo() reads them; clusterMonitor grants find on local.system.replset only).
// `hello` needs none. A role with a cluster resource lives in the admin database.
const admin = db.getSiblingDB("admin");
if (!admin.getRole("shopMonitor")) {
  admin.createRole({
    role: "shopMonitor",
    privileges: [
      { resource: { cluster: true }, actions: ["replSetGetStatus", "inprog"] },
      { resource: { db: "local", collection: "oplog.rs" }, actions: ["find"] },
    ],
    roles: [],
  });
}
if (!shop.getUser(process.env.SHOP_DB_USER || "shop")) {
  shop.createUser({
    user: process.env.SHOP_DB_USER || "shop",
    pwd: process.env.SHOP_DB_PASSWORD,
    roles: [
      { role: "shopApp", db: name },
      { role: "shopMonitor", db: "admin" },
    ],
  });
}
