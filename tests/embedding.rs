//! Services built on the same crates as the shop, as a team embedding them would, tested like the
//! shop: each behaviour on memory and on MongoDB (behind the rules check), plus what only MongoDB has.
//!
//! - `causal_reads`: a handle's read in the causally consistent session of the caller's write.
//! - `orders`: the orders service on `mongo-kit`, and its API mounted beside the shop's.
//! - `budget`: the orders API's request budget reaching its database calls.

mod budget;
mod causal_reads;
mod orders;
