// Runs once, when the data volume is empty: the application's user may read and write its own
// database and nothing else (no admin roles, no other databases).
const name = process.env.SHOP_DB_NAME || "shop";
db.getSiblingDB(name).createUser({
  user: process.env.SHOP_DB_USER || "shop",
  pwd: process.env.SHOP_DB_PASSWORD,
  roles: [{ role: "readWrite", db: name }],
});
