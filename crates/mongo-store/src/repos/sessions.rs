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

use crate::classify::{classify, classify_write_conflict};
use crate::documents::{FeedDoc, IssuedSessionDoc, SessionDoc, stored_time, stored_uuid};
use crate::keyed::{self, create::KeyedInsert};
use crate::profiles::OperationClass::{Feed as FeedClass, Standard};
use crate::store::MongoStore;
use crate::time_limit::{TimeLimited as _, within};

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
        within(self.profile(Standard), insert).await.map_err(|e| classify_write_conflict(e, session_exists))?;
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
        let profile = self.profile(Standard);
        let find = self.collections().sessions.find_one(live(token_hash)).time_limited(profile);
        // The hash is a credential's lookup key: errors name the entity only.
        within(profile, find).await.map_err(classify)?.ok_or_else(Error::session_not_found)?.try_into()
    }

    async fn delete(&self, token_hash: &TokenHash) -> Result<()> {
        let delete = self.collections().sessions.delete_one(live(token_hash));
        let result = within(self.profile(Standard), delete).await.map_err(classify)?;
        if result.deleted_count == 0 { Err(Error::session_not_found()) } else { Ok(()) }
    }
}

#[async_trait]
impl FeedRepository for MongoStore {
    async fn put(&self, feed: Feed) -> Result<Feed> {
        let id = stored_uuid(feed.user_id.as_uuid());
        let replace = self.collections().feeds.replace_one(doc! { "_id": id }, FeedDoc::from(&feed)).upsert(true);
        within(self.profile(FeedClass), replace).await.map_err(classify)?;
        Ok(feed)
    }

    async fn get(&self, user_id: UserId) -> Result<Feed> {
        let profile = self.profile(FeedClass);
        // Feeds may be read from a secondary: the session makes it apply this store's writes
        // (the put before this get) first.
        let mut session = self.read_session(FeedClass).await.map_err(classify)?;
        let find =
            self.collections().feeds.find_one(doc! { "_id": stored_uuid(user_id.as_uuid()) }).time_limited(profile);
        let found = match session.as_mut() {
            Some(session) => within(profile, find.session(session)).await,
            None => within(profile, find).await,
        };
        found.map_err(classify)?.ok_or_else(|| Error::not_found("feed", user_id))?.try_into()
    }
}
