//! A transfer as the driver's examples write one, with an idempotency key: one transaction
//! (snapshot reads, majority writes) run by the driver's convenient API, with one command per
//! step: the key's claim (its duplicate key tells a replay apart), the debit as a conditional
//! `findOneAndUpdate` returning the balance after, the credit likewise, both ledger entries as
//! one `insert`, the transfer, an audit event, then the commit: seven round trips.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bson::{Document, doc};
use chrono::SecondsFormat;
use mongodb::error::{Error, ErrorKind, WriteFailure};
use mongodb::options::{ReadConcern, ReturnDocument, TransactionOptions, WriteConcern};
use serde::{Deserialize, Serialize};

use super::Shared;

/// Creates the indexes a team would give these collections, the same as the shop keeps on its
/// own: the ledger by wallet and the audit events by subject and by action, newest first, and
/// the idempotency keys' expiry (a TTL index on `expires_at`). Every transfer maintains them, as
/// the shop's do.
pub(crate) async fn prepare(database: &mongodb::Database) -> mongodb::error::Result<()> {
    let index = |keys: Document| mongodb::IndexModel::builder().keys(keys).build();
    let expiring = mongodb::IndexModel::builder()
        .keys(doc! { "expires_at": 1 })
        .options(mongodb::options::IndexOptions::builder().expire_after(std::time::Duration::ZERO).build())
        .build();
    database.collection::<Document>("bare_idempotency").create_index(expiring).await?;
    database.collection::<Document>("bare_ledger").create_index(index(doc! { "wallet_id": 1, "_id": -1 })).await?;
    let audit = database.collection::<Document>("bare_audit");
    audit.create_indexes([index(doc! { "subject": 1, "_id": -1 }), index(doc! { "action": 1, "_id": -1 })]).await?;
    Ok(())
}

/// A wallet to open.
#[derive(Debug, Deserialize)]
pub(crate) struct WalletInput {
    owner: String,
    currency: String,
    opening_balance_minor: i64,
}

/// A transfer asked for.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct TransferInput {
    from: uuid::Uuid,
    to: uuid::Uuid,
    amount_minor: i64,
    currency: String,
}

/// A transfer made.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TransferView {
    id: uuid::Uuid,
    from: uuid::Uuid,
    to: uuid::Uuid,
    amount_minor: i64,
    currency: String,
    status: String,
    created_at: String,
}

/// Why the transaction refused the transfer.
#[derive(Debug, Clone, Copy)]
enum Refused {
    /// The source lacks the funds (or the wallet or currency).
    Funds,
    /// The destination does not exist in that currency.
    Destination,
}

fn uuid(id: uuid::Uuid) -> bson::Uuid {
    bson::Uuid::from_uuid_1(id)
}

/// Opens a wallet: 201 with its id.
pub(crate) async fn open_wallet(State(shared): State<Shared>, Json(input): Json<WalletInput>) -> Response {
    let id = uuid::Uuid::now_v7();
    let wallet = doc! {
        "_id": uuid(id), "owner": input.owner, "currency": input.currency,
        "balance_minor": input.opening_balance_minor, "version": 0_i64,
    };
    match shared.database.collection::<Document>("bare_wallets").insert_one(wallet).await {
        Ok(_) => (StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Applies a transfer once per `Idempotency-Key`: 201, a replay of the stored answer, 422 for
/// missing funds or a key reused with another request, 404 for an unknown destination, 409 for
/// a conflict that outlasted the driver's retries.
pub(crate) async fn transfer(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Json(input): Json<TransferInput>,
) -> Response {
    let Some(key) = headers.get("idempotency-key").and_then(|value| value.to_str().ok()).map(str::to_owned) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    if input.amount_minor <= 0 || input.from == input.to {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let fingerprint = format!("{}:{}:{}:{}", input.from, input.to, input.amount_minor, input.currency);
    let now = chrono::Utc::now();
    let view = TransferView {
        id: uuid::Uuid::now_v7(),
        from: input.from,
        to: input.to,
        amount_minor: input.amount_minor,
        currency: input.currency.clone(),
        status: "completed".to_owned(),
        created_at: now.to_rfc3339_opts(SecondsFormat::Millis, true),
    };
    let Ok(mut session) = shared.client.start_session().await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let options = TransactionOptions::builder()
        .read_concern(ReadConcern::snapshot())
        .write_concern(WriteConcern::majority())
        .build();
    let (database, answer, at) = (shared.database.clone(), view.clone(), bson::DateTime::from_chrono(now));
    let (body_key, body_fingerprint) = (key.clone(), fingerprint.clone());
    // The driver's convenient API straight, as a team writing this by hand would: this binary is
    // the baseline the kit is measured against, so it must not use the kit's runner.
    let applied = session
        .start_transaction()
        .with_options(options)
        .and_run2(async move |session| {
            apply(session, &database, &body_key, &body_fingerprint, &input, &answer, at).await
        })
        .await;
    match applied {
        Ok(()) => (StatusCode::CREATED, Json(view)).into_response(),
        Err(error) if code(&error) == Some(11_000) => replay(&shared, &key, &fingerprint).await,
        Err(error) => match error.get_custom::<Refused>() {
            Some(Refused::Funds) => StatusCode::UNPROCESSABLE_ENTITY.into_response(),
            Some(Refused::Destination) => StatusCode::NOT_FOUND.into_response(),
            None if error.contains_label("TransientTransactionError") => StatusCode::CONFLICT.into_response(),
            None => {
                eprintln!("transfer failed: {error}");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        },
    }
}

/// The transaction's body: one command per step.
async fn apply(
    session: &mut mongodb::ClientSession,
    database: &mongodb::Database,
    key: &str,
    fingerprint: &str,
    input: &TransferInput,
    answer: &TransferView,
    at: bson::DateTime,
) -> mongodb::error::Result<()> {
    let response = bson::serialize_to_document(answer)?;
    // Kept as long as the shop keeps its keys by default.
    let expires_at =
        bson::DateTime::from_chrono(at.to_chrono() + domain::idempotency::KeyLifetime::DEFAULT.as_duration());
    let record = doc! { "_id": key, "fingerprint": fingerprint, "response": response, "created_at": at, "expires_at": expires_at };
    database.collection::<Document>("bare_idempotency").insert_one(record).session(&mut *session).await?;
    let wallets = database.collection::<Document>("bare_wallets");
    let amount = input.amount_minor;
    let debit = doc! { "_id": uuid(input.from), "currency": &input.currency, "balance_minor": { "$gte": amount } };
    let debited = wallets
        .find_one_and_update(debit, doc! { "$inc": { "balance_minor": -amount, "version": 1_i64 } })
        .return_document(ReturnDocument::After)
        .session(&mut *session)
        .await?
        .ok_or_else(|| Error::custom(Refused::Funds))?;
    let credit = doc! { "_id": uuid(input.to), "currency": &input.currency };
    let credited = wallets
        .find_one_and_update(credit, doc! { "$inc": { "balance_minor": amount, "version": 1_i64 } })
        .return_document(ReturnDocument::After)
        .session(&mut *session)
        .await?
        .ok_or_else(|| Error::custom(Refused::Destination))?;
    let id = uuid(answer.id);
    let entry = |wallet: &Document, delta: i64| -> mongodb::error::Result<Document> {
        let after = match wallet.get("balance_minor") {
            Some(bson::Bson::Int64(balance)) => *balance,
            Some(bson::Bson::Int32(balance)) => i64::from(*balance),
            _ => return Err(Error::custom("a wallet without a balance")),
        };
        Ok(
            doc! { "_id": uuid(uuid::Uuid::now_v7()), "wallet_id": wallet.get("_id"), "transfer_id": id, "delta_minor": delta, "balance_after_minor": after, "at": at },
        )
    };
    let entries = [entry(&debited, -amount)?, entry(&credited, amount)?];
    database.collection::<Document>("bare_ledger").insert_many(entries).session(&mut *session).await?;
    let transfer = doc! {
        "_id": id, "from": uuid(input.from), "to": uuid(input.to), "amount_minor": amount,
        "currency": &input.currency, "status": "completed", "created_at": at,
    };
    database.collection::<Document>("bare_transfers").insert_one(transfer).session(&mut *session).await?;
    let event = doc! { "at": at, "action": "transfer.completed", "subject": id, "details": { "amount_minor": amount } };
    database.collection::<Document>("bare_audit").insert_one(event).session(&mut *session).await?;
    Ok(())
}

/// The stored answer of a claimed key: a replay when the request is the same, else 422.
async fn replay(shared: &Shared, key: &str, fingerprint: &str) -> Response {
    let records = shared.database.collection::<Document>("bare_idempotency");
    let Ok(Some(record)) = records.find_one(doc! { "_id": key }).await else {
        return StatusCode::CONFLICT.into_response();
    };
    if record.get_str("fingerprint").ok() != Some(fingerprint) {
        return StatusCode::UNPROCESSABLE_ENTITY.into_response();
    }
    match record
        .get_document("response")
        .map(|response| bson::deserialize_from_document::<TransferView>(response.clone()))
    {
        Ok(Ok(view)) => (StatusCode::CREATED, [("idempotent-replayed", "true")], Json(view)).into_response(),
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The server's error code, where the error carries one.
fn code(error: &Error) -> Option<i32> {
    match &*error.kind {
        ErrorKind::Command(command) => Some(command.code),
        ErrorKind::Write(WriteFailure::WriteError(write)) => Some(write.code),
        _ => None,
    }
}
