//! The ports of `domain::ports` implemented on [`crate::MongoStore`], one file per aggregate.
//! Every operation runs on a handle of its class's profile, under that class's time limit, and
//! turns driver errors into domain errors through [`crate::classify`].

mod audit;
pub(crate) mod products;
mod sessions;
mod wallets;
