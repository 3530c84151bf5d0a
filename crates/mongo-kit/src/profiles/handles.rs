//! Collection handles that carry their class, and the declared uses the profile table is derived
//! from.
//!
//! A service declares each collection it opens once, as a [`Use`] (collection, class, who uses
//! it), and opens it as a [`Classed`] handle: the handle's concerns and read preference come from
//! the class's profile, [`Classed::run`] applies the class's time limit and the caller's budget to
//! every operation, and `Profiles::render_table` lists the same declarations in its "used by"
//! column, so that column cannot drift from the code.

use std::future::IntoFuture;
use std::ops::Deref;

use mongodb::error::Result;
use mongodb::{Collection, Database};

use super::{OperationClass, Profile, Profiles};

/// One declared use of a collection: which collection, with which class, by whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Use {
    /// The collection.
    pub collection: &'static str,
    /// The class its operations run with.
    pub class: OperationClass,
    /// The code that uses it, as the profile table shows it (`OrderBook::place`).
    pub by: &'static str,
}

impl Profiles {
    /// A handle on `name` in `database` whose operations inherit `class`'s write concern, read
    /// concern and read preference. Prefer [`Classed::open`], which also carries the class.
    pub fn collection<T: Send + Sync>(&self, database: &Database, name: &str, class: OperationClass) -> Collection<T> {
        database.collection_with_options(name, self.get(class).collection_options())
    }
}

/// A collection handle made with its class's profile, which it keeps: time limits and budgets
/// are applied by the handle ([`Classed::run`]), not by each call site.
#[derive(Debug)]
pub struct Classed<T: Send + Sync> {
    collection: Collection<T>,
    profile: Profile,
    declared: Use,
}

impl<T: Send + Sync> Clone for Classed<T> {
    fn clone(&self) -> Self {
        Self { collection: self.collection.clone(), profile: self.profile.clone(), declared: self.declared }
    }
}

impl<T: Send + Sync> Classed<T> {
    /// The handle `declared` describes, in `database`, with `profiles`' settings for its class.
    pub fn open(database: &Database, profiles: &Profiles, declared: Use) -> Self {
        Self {
            collection: profiles.collection(database, declared.collection, declared.class),
            profile: profiles.get(declared.class).clone(),
            declared,
        }
    }

    /// The profile of the handle's class.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The handle's class.
    pub fn class(&self) -> OperationClass {
        self.declared.class
    }

    /// The declaration it was opened from.
    pub fn declared(&self) -> Use {
        self.declared
    }

    /// The driver's handle.
    pub fn collection(&self) -> &Collection<T> {
        &self.collection
    }

    /// Runs `operation` under the class's client-side deadline, capped by the caller's budget
    /// (see [`crate::time_limit::within`]); pair reads with
    /// [`TimeLimited::time_limited`](crate::time_limit::TimeLimited::time_limited) for the
    /// server-side limit.
    ///
    /// # Errors
    /// The operation's own error, or a timeout error past the deadline.
    pub async fn run<R>(&self, operation: impl IntoFuture<Output = Result<R>>) -> Result<R> {
        crate::time_limit::within(&self.profile, operation).await
    }
}

impl<T: Send + Sync> Deref for Classed<T> {
    type Target = Collection<T>;

    fn deref(&self) -> &Collection<T> {
        &self.collection
    }
}
