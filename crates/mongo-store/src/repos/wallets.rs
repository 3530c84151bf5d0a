//! Wallets, ledgers and transfer reads on the critical profile. Transfers themselves live in
//! `transfer`.

use async_trait::async_trait;
use bson::{Document, doc};
use domain::idempotency::{Claim, Created, Scope};
use domain::pagination::IdCursor;
use domain::ports::WalletRepository;
use domain::transfer::{IdempotencyKey, RequestMeta, Transfer, TransferCommand, TransferOutcome};
use domain::wallet::{LedgerEntry, LedgerQuery, Wallet};
use domain::{Error, Page, Result, TransferError, TransferId, WalletId};

use crate::audited;
use crate::documents::{LedgerDoc, WalletDoc, stored_uuid};
use crate::keyed::{self, create::KeyedInsert};
use crate::store::MongoStore;

#[async_trait]
impl WalletRepository for MongoStore {
    async fn create(&self, wallet: Wallet, meta: &RequestMeta) -> Result<Wallet> {
        wallet.check_new()?;
        let (document, event) = (WalletDoc::from(&wallet), wallet.created_event(meta));
        let conflict = || Error::exists("wallet", wallet.id).to_string();
        let store = self.clone();
        audited::run(self, conflict, async move |session| {
            Ok(audited::insert(&store, session, &store.collections().wallets, &document, &event).await?)
        })
        .await?;
        self.known_wallets().remember([WalletDoc::from(&wallet)]);
        Ok(wallet)
    }

    async fn create_keyed(&self, wallet: Wallet, claim: Claim, meta: &RequestMeta) -> Result<Created<Wallet>> {
        wallet.check_new()?;
        let target = &self.collections().wallets;
        let document = WalletDoc::from(&wallet);
        let response = document.clone();
        let event = wallet.created_event(meta);
        let insert = KeyedInsert { scope: Scope::WalletCreate, claim: &claim, meta, target, document, event, response };
        let created = keyed::create::run(self, insert, || Error::exists("wallet", wallet.id).to_string()).await?;
        if !created.replayed {
            self.known_wallets().remember([WalletDoc::from(&wallet)]);
        }
        Ok(Created { value: created.value.try_into()?, replayed: created.replayed })
    }

    async fn get(&self, id: WalletId) -> Result<Wallet> {
        let wallets = &self.collections().wallets;
        let find = wallets.find_one(doc! { "_id": stored_uuid(id.as_uuid()) });
        wallets.read(find).await?.ok_or_else(|| Error::not_found("wallet", id))?.try_into()
    }

    async fn ledger(&self, query: &LedgerQuery) -> Result<Page<LedgerEntry>> {
        let collections = self.collections();
        let wallet_id = stored_uuid(query.wallet_id.as_uuid());
        let exists = collections.wallets.count_documents(doc! { "_id": wallet_id }).limit(1);
        if collections.wallets.read(exists).await? == 0 {
            return Err(Error::not_found("wallet", query.wallet_id));
        }
        let mut filter = doc! { "wallet_id": wallet_id };
        before_cursor(&mut filter, query.after);
        let find = collections.ledger.find(filter).sort(doc! { "_id": -1 }).limit(overfetch(query.limit));
        let docs: Vec<LedgerDoc> = collections.ledger.read_all(find).await?;
        let entries = docs.into_iter().map(LedgerEntry::try_from).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(entries, query.limit, |e| IdCursor(e.id.as_uuid()).encode()))
    }

    async fn transfer(
        &self,
        command: TransferCommand,
        key: IdempotencyKey,
        meta: RequestMeta,
    ) -> Result<TransferOutcome, TransferError> {
        crate::transfer::run(self, command, key, meta).await
    }

    async fn get_transfer(&self, id: TransferId) -> Result<Transfer> {
        let transfers = &self.collections().transfers;
        let find = transfers.find_one(doc! { "_id": stored_uuid(id.as_uuid()) });
        transfers.read(find).await?.ok_or_else(|| Error::not_found("transfer", id))?.try_into()
    }
}

/// `limit + 1`: the extra item only shows that another page exists.
pub(crate) fn overfetch(limit: domain::PageLimit) -> i64 {
    i64::try_from(limit.get() + 1).unwrap_or(i64::MAX)
}

/// Adds `_id < cursor` to `filter`: listings ordered newest first continue below the cursor.
pub(crate) fn before_cursor(filter: &mut Document, after: Option<IdCursor>) {
    if let Some(IdCursor(after)) = after {
        filter.insert("_id", doc! { "$lt": stored_uuid(after) });
    }
}
