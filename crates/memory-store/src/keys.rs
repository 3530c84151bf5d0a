//! Idempotency records in memory, one table per consistency domain (the bank, products,
//! sessions), so that a keyed operation checks and claims its key under the same lock as its
//! effects and no operation takes two locks. A key belongs to the caller that sent it: records
//! are kept by scope, principal and key. The answer to a taken key is `domain`'s decision table,
//! shared with the MongoDB store.

use std::collections::HashMap;

use domain::Timestamp;
use domain::idempotency::{Claim, Decision, KeyConflict, KeyLifetime, Record, Scope, decide};
use domain::transfer::IdempotencyKey;

/// Where a record is kept: the scope, the caller (`RequestMeta::actor`) and the key.
type Slot = (Scope, String, IdempotencyKey);

/// The records of one lock's operations, by scope, caller and key.
#[derive(Debug)]
pub(crate) struct Keys<R> {
    records: HashMap<Slot, Record<R>>,
}

impl<R> Default for Keys<R> {
    fn default() -> Self {
        Self { records: HashMap::new() }
    }
}

impl<R: Clone> Keys<R> {
    /// The stored response when `claim` repeats a completed request; `None` when the key is free
    /// (an expired record is removed on the way); an error when it is taken by another request
    /// or by one in flight.
    pub(crate) fn check(
        &mut self,
        scope: Scope,
        principal: &str,
        claim: &Claim,
        now: Timestamp,
    ) -> Result<Option<R>, KeyConflict> {
        let slot = (scope, principal.to_owned(), claim.key.clone());
        match decide(self.records.get(&slot).cloned(), &claim.fingerprint, now) {
            Decision::Apply => Ok(None),
            Decision::ClearThenApply => {
                self.records.remove(&slot);
                Ok(None)
            }
            Decision::Replay(response) => Ok(Some(response)),
            Decision::Refuse(conflict) => Err(conflict),
        }
    }

    /// Claims the key with the response of the request that just applied, for `lifetime`.
    pub(crate) fn claim(
        &mut self,
        scope: Scope,
        principal: &str,
        claim: Claim,
        response: R,
        now: Timestamp,
        lifetime: KeyLifetime,
    ) {
        let record = Record::completed(claim.fingerprint, response, now, lifetime);
        self.records.insert((scope, principal.to_owned(), claim.key), record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(fingerprint: &str) -> Claim {
        Claim::new(IdempotencyKey::parse("k-1").expect("valid key"), fingerprint.to_owned())
    }

    #[test]
    fn a_claimed_key_replays_refuses_another_request_and_expires() {
        let now = Timestamp::now();
        let mut keys = Keys::default();
        assert_eq!(keys.check(Scope::WalletCreate, "svc", &claim("a"), now), Ok(None));

        keys.claim(Scope::WalletCreate, "svc", claim("a"), 7_u8, now, KeyLifetime::DEFAULT);

        assert_eq!(keys.check(Scope::WalletCreate, "svc", &claim("a"), now), Ok(Some(7)));
        assert_eq!(keys.check(Scope::WalletCreate, "svc", &claim("b"), now), Err(KeyConflict::Reused));
        assert_eq!(keys.check(Scope::ProductCreate, "svc", &claim("b"), now), Ok(None), "scopes are separate");
        assert_eq!(keys.check(Scope::WalletCreate, "other", &claim("a"), now), Ok(None), "callers are separate");
        let later = KeyLifetime::DEFAULT.expiry(now);
        assert_eq!(keys.check(Scope::WalletCreate, "svc", &claim("b"), later), Ok(None));
        assert_eq!(
            keys.check(Scope::WalletCreate, "svc", &claim("a"), now),
            Ok(None),
            "the expired record was removed"
        );
    }
}
