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
use domain::transfer::RequestMeta;
use domain::{Error, Result, Timestamp, UserId};

use crate::audited;
use crate::classify::classify;
use crate::documents::{FeedDoc, IssuedSessionDoc, SessionDoc, stored_time, stored_uuid};
use crate::keyed::{self, create::KeyedInsert};
use crate::store::MongoStore;
use mongo_kit::profiles::OperationClass::Feed as FeedClass;

/// The text of [`Error::session_exists`], what a conflicting insert answers.
fn session_exists() -> String {
    Error::session_exists().to_string()
}

fn live(token_hash: &TokenHash) -> bson::Document {
    doc! { "_id": token_hash.as_str(), "expires_at": { "$gt": stored_time(Timestamp::now()) } }
}

#[async_trait]
impl SessionRepository for MongoStore {
    async fn create(&self, session: Session, meta: &RequestMeta) -> Result<()> {
        let (document, event) = (SessionDoc::from(&session), session.created_event(meta));
        let store = self.clone();
        audited::run(self, session_exists, async move |session| {
            Ok(audited::insert(&store, session, &store.collections().sessions, &document, &event).await?)
        })
        .await
    }

    async fn create_keyed(
        &self,
        issued: IssuedSession,
        claim: Claim,
        meta: &RequestMeta,
    ) -> Result<Created<IssuedSession>> {
        // The response (token and session) lives in the idempotency record; the sessions
        // collection gets the session alone, keyed by the token's hash.
        let target = &self.collections().sessions;
        let document = SessionDoc::from(&issued.session);
        let response = IssuedSessionDoc::from(&issued);
        let event = issued.session.created_event(meta);
        let insert =
            KeyedInsert { scope: Scope::SessionCreate, claim: &claim, meta, target, document, event, response };
        let created = keyed::create::run(self, insert, session_exists).await?;
        Ok(Created { value: created.value.try_into()?, replayed: created.replayed })
    }

    async fn find(&self, token_hash: &TokenHash) -> Result<Session> {
        let sessions = &self.collections().sessions;
        // The hash is a credential's lookup key: errors name the entity only.
        sessions.read(sessions.find_one(live(token_hash))).await?.ok_or_else(Error::session_not_found)?.try_into()
    }

    async fn delete(&self, token_hash: &TokenHash, meta: &RequestMeta) -> Result<()> {
        let (store, meta, token_hash) = (self.clone(), meta.clone(), token_hash.clone());
        let deleted = audited::run(self, String::new, async move |session| {
            let sessions = &store.collections().sessions;
            let result = sessions.run(sessions.delete_one(live(&token_hash)).session(&mut *session)).await?;
            if result.deleted_count == 0 {
                return Ok(false);
            }
            audited::append(&store, session, &Session::ended_event(&token_hash, &meta)).await?;
            Ok(true)
        })
        .await?;
        if deleted { Ok(()) } else { Err(Error::session_not_found()) }
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
