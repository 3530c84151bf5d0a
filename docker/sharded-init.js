// mongos's health check in compose.sharded.yaml: brings the cluster to the state the app needs
// and succeeds only once it is there. It runs every few seconds, so every step is idempotent.
//
// The shard keys are the ones docs/mongodb.md ("Scaling out") argues for. `idempotency_keys` stays
// unsharded on purpose: a transfer reads it with a `$lookup` inside its transaction, and MongoDB
// refuses a `$lookup` from a sharded collection there. The migration bookkeeping (runs, leases)
// and the start-up probe's scratch collection are tiny and stay unsharded too.
const admin = db.getSiblingDB("admin");
const rootPassword = process.env.MONGO_ROOT_PASSWORD;

// The cluster's first user comes through the localhost exception, which closes once it exists.
try {
  admin.auth("root", rootPassword);
} catch (e) {
  admin.createUser({ user: "root", pwd: rootPassword, roles: ["root"] });
  admin.auth("root", rootPassword);
}

const listed = admin.runCommand({ listShards: 1 }).shards.map((shard) => shard._id);
for (const name of (process.env.SHARDS || "").split(" ").filter((s) => s)) {
  if (!listed.includes(name)) {
    sh.addShard(`${name}/${name}:27017`);
  }
}

load("/init/mongo-init.js");

const dbName = process.env.SHOP_DB_NAME || "shop";
const shop = db.getSiblingDB(dbName);
const keys = [
  // A unique index must start with the shard key, and sku is the unique field; ingest upserts
  // by sku reach one shard. Created under the declared name, so start-up finds it in step.
  { coll: "products", key: { sku: 1 }, index: { name: "sku_unique", unique: true } },
  { coll: "wallets", key: { _id: "hashed" } },
  { coll: "ledger", key: { wallet_id: "hashed", _id: 1 } },
  { coll: "transfers", key: { _id: "hashed" } },
  { coll: "audit", key: { subject: "hashed", _id: 1 } },
  { coll: "sessions", key: { _id: "hashed" } },
  { coll: "feeds", key: { _id: "hashed" } },
];
const sharded = db
  .getSiblingDB("config")
  .collections.find({ _id: { $regex: `^${dbName}\\.` } })
  .toArray()
  .map((entry) => entry._id);
for (const { coll, key, index } of keys) {
  const ns = `${dbName}.${coll}`;
  if (sharded.includes(ns)) continue;
  if (index) {
    shop.getCollection(coll).createIndex(key, index);
  }
  sh.shardCollection(ns, key, Boolean(index && index.unique));
}
