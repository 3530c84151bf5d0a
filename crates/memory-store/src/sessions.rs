//! [`SessionRepository`] in memory. An expired session is invisible from the instant it expires,
//! whether or not it has been purged yet, exactly as with a database TTL index (which removes
//! documents only eventually).

use std::collections::HashMap;

use async_trait::async_trait;
use domain::idempotency::{Claim, Created, Scope};
use domain::session::{IssuedSession, Session, TokenHash};
use domain::transfer::RequestMeta;
use domain::{Error, Result, SessionRepository, Timestamp};

use crate::MemoryStore;
use crate::audit::AuditTrail;
use crate::keys::Keys;
use crate::locks::lock;

pub(crate) const TABLE: &str = "sessions";

/// Below this many sessions a full purge is not worth its scan.
const MIN_SWEEP: usize = 64;

/// Sessions by token hash, and the size at which the next purge of expired sessions is due.
#[derive(Debug, Default)]
pub(crate) struct SessionTable {
    sessions: HashMap<TokenHash, Session>,
    sweep_at: usize,
    /// Idempotency records of session creates, under the same lock as the sessions.
    keys: Keys<IssuedSession>,
    /// The events of starting and ending these sessions, appended under the same lock.
    pub(crate) audit: AuditTrail,
}

impl SessionTable {
    /// Drops expired sessions whenever the table has doubled since the last purge, so purging
    /// costs amortised constant time per created session.
    fn purge_if_due(&mut self, now: Timestamp) {
        if self.sessions.len() < self.sweep_at.max(MIN_SWEEP) {
            return;
        }
        self.sessions.retain(|_, session| session.is_live_at(now));
        self.sweep_at = self.sessions.len() * 2;
    }

    /// Stores a new session with its event, refusing a taken token hash.
    fn insert_new(&mut self, session: Session, meta: &RequestMeta, now: Timestamp) -> Result<()> {
        self.purge_if_due(now);
        if self.sessions.contains_key(&session.token_hash) {
            return Err(Error::session_exists());
        }
        self.audit.append(session.created_event(meta));
        self.sessions.insert(session.token_hash.clone(), session);
        Ok(())
    }

    /// The live session with this hash; an expired one is removed on the way.
    fn live(&mut self, token_hash: &TokenHash, now: Timestamp) -> Option<&Session> {
        if self.sessions.get(token_hash).is_some_and(|session| !session.is_live_at(now)) {
            self.sessions.remove(token_hash);
        }
        self.sessions.get(token_hash)
    }
}

#[async_trait]
impl SessionRepository for MemoryStore {
    async fn create(&self, session: Session, meta: &RequestMeta) -> Result<()> {
        let mut table = lock(&self.inner.sessions, TABLE)?;
        table.insert_new(session, meta, Timestamp::now())
    }

    async fn create_keyed(
        &self,
        issued: IssuedSession,
        claim: Claim,
        meta: &RequestMeta,
    ) -> Result<Created<IssuedSession>> {
        // The key's check, the session, its event and the claim happen under the table's lock.
        let mut table = lock(&self.inner.sessions, TABLE)?;
        let now = Timestamp::now();
        if let Some(stored) = table.keys.check(Scope::SessionCreate, &meta.principal, &claim, now)? {
            return Ok(Created::replay(stored));
        }
        table.insert_new(issued.session.clone(), meta, now)?;
        table.keys.claim(Scope::SessionCreate, &meta.principal, claim, issued.clone(), now, self.inner.key_lifetime);
        Ok(Created::fresh(issued))
    }

    async fn find(&self, token_hash: &TokenHash) -> Result<Session> {
        let mut table = lock(&self.inner.sessions, TABLE)?;
        table.live(token_hash, Timestamp::now()).cloned().ok_or_else(Error::session_not_found)
    }

    async fn delete(&self, token_hash: &TokenHash, meta: &RequestMeta) -> Result<()> {
        let mut table = lock(&self.inner.sessions, TABLE)?;
        table.live(token_hash, Timestamp::now()).ok_or_else(Error::session_not_found)?;
        table.sessions.remove(token_hash);
        table.audit.append(Session::ended_event(token_hash, meta));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use domain::UserId;
    use domain::session::SessionTtl;

    use super::*;

    fn session(now: Timestamp, ttl_millis: i64) -> Session {
        let ttl = SessionTtl::from_seconds(1).expect("valid ttl");
        let (_token, mut session) = Session::issue(UserId::new(), ttl, now);
        session.expires_at = now.plus_millis(ttl_millis);
        session
    }

    #[test]
    fn a_purge_keeps_live_sessions_and_drops_expired_ones() {
        let now = Timestamp::now();
        let mut table = SessionTable::default();
        let live: Vec<Session> = (0..MIN_SWEEP / 2).map(|_| session(now, 60_000)).collect();
        let expired = (0..MIN_SWEEP / 2).map(|_| session(now, -1));
        for s in live.iter().cloned().chain(expired) {
            table.sessions.insert(s.token_hash.clone(), s);
        }

        table.purge_if_due(now);

        assert_eq!(table.sessions.len(), live.len());
        assert!(live.iter().all(|s| table.sessions.contains_key(&s.token_hash)));
        assert_eq!(table.sweep_at, live.len() * 2);
    }

    #[test]
    fn looking_up_an_expired_session_removes_it() {
        let now = Timestamp::now();
        let mut table = SessionTable::default();
        let expired = session(now, 0);
        table.sessions.insert(expired.token_hash.clone(), expired.clone());

        assert!(table.live(&expired.token_hash, now).is_none());
        assert!(table.sessions.is_empty());
    }
}
