//! Sessions on the standard profile, keyed by token hash, and feeds on the feed profile.
//!
//! The TTL monitor removes expired sessions about once a minute, so every read and delete also
//! filters `expires_at > now`: an expired session is invisible the instant it expires.

use async_trait::async_trait;
use bson::doc;
use domain::feed::Feed;
use domain::idempotency::{Claim, Created, Scope};
use domain::ports::{FeedRepository, SessionRepository};
use domain::session::{IssuedSession, Session, TokenHash};
use domain::{Error, Result, Timestamp, UserId};

use crate::classify::{classify, conflict_as};
use crate::documents::{FeedDoc, IssuedSessionDoc, SessionDoc, stored_time, stored_uuid};
use crate::keyed::{self, create::KeyedInsert};
use crate::profiles::OperationClass::Feed as FeedClass;
use crate::store::MongoStore;

/// The text of [`Error::session_exists`], what a conflicting insert answers.
fn session_exists() -> String {
    Error::session_exists().to_string()
}

fn live(token_hash: &TokenHash) -> bson::Document {
    doc! { "_id": token_hash.as_str(), "expires_at": { "$gt": stored_time(Timestamp::now()) } }
}

#[async_trait]
impl SessionRepository for MongoStore {
    async fn create(&self, session: Session) -> Result<()> {
        let insert = self.collections().sessions.insert_one(SessionDoc::from(&session));
        self.collections().sessions.write(insert).await.map_err(conflict_as(session_exists))?;
        Ok(())
    }

    async fn create_keyed(&self, issued: IssuedSession, claim: Claim) -> Result<Created<IssuedSession>> {
        // The response (token and session) lives in the idempotency record; the sessions
        // collection gets the session alone, keyed by the token's hash.
        let target = &self.collections().sessions;
        let document = SessionDoc::from(&issued.session);
        let response = IssuedSessionDoc::from(&issued);
        let insert = KeyedInsert { scope: Scope::SessionCreate, claim: &claim, target, document, response };
        let created = keyed::create::run(self, insert, session_exists).await?;
        Ok(Created { value: created.value.try_into()?, replayed: created.replayed })
    }

    async fn find(&self, token_hash: &TokenHash) -> Result<Session> {
        let sessions = &self.collections().sessions;
        // The hash is a credential's lookup key: errors name the entity only.
        sessions.read(sessions.find_one(live(token_hash))).await?.ok_or_else(Error::session_not_found)?.try_into()
    }

    async fn delete(&self, token_hash: &TokenHash) -> Result<()> {
        let sessions = &self.collections().sessions;
        let result = sessions.write(sessions.delete_one(live(token_hash))).await?;
        if result.deleted_count == 0 { Err(Error::session_not_found()) } else { Ok(()) }
    }
}

#[async_trait]
impl FeedRepository for MongoStore {
    async fn put(&self, feed: Feed) -> Result<Feed> {
        let id = stored_uuid(feed.user_id.as_uuid());
        let feeds = &self.collections().feeds;
        feeds.write(feeds.replace_one(doc! { "_id": id }, FeedDoc::from(&feed)).upsert(true)).await?;
        Ok(feed)
    }

    async fn get(&self, user_id: UserId) -> Result<Feed> {
        let feeds = &self.collections().feeds;
        // Feeds may be read from a secondary: the session makes it apply this store's writes
        // (the put before this get) first.
        let mut session = self.read_session(FeedClass).await.map_err(classify)?;
        let find = feeds.find_one(doc! { "_id": stored_uuid(user_id.as_uuid()) });
        let found = match session.as_mut() {
            Some(session) => feeds.read(find.session(session)).await?,
            None => feeds.read(find).await?,
        };
        found.ok_or_else(|| Error::not_found("feed", user_id))?.try_into()
    }
}
