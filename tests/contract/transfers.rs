//! `WalletRepository::transfer`: exactly once per idempotency key, all or nothing, and every
//! refusal leaves the wallets, the ledgers, the audit log and the key untouched.

mod concurrency;

use domain::audit::AuditSubject;
use domain::transfer::{ANONYMOUS, IdempotencyKey, RequestMeta, TransferOutcome};
use domain::wallet::{NewWallet, Owner, Wallet};
use domain::{Currency, Error, Money, Timestamp, TransferError, TransferId, WalletId};

use super::fixtures::{
    OWNER, assert_not_found, audit_of, balance, eur, euros, fresh_key, meta, open_wallet, usd, whole_ledger,
};
use crate::support::TestStore;
use crate::support::fixture::store_test;

/// The command opening a euro wallet with `balance_minor`.
fn open_wallet_command(balance_minor: i64) -> NewWallet {
    NewWallet {
        owner: Owner::parse(OWNER).expect("a valid owner"),
        opening_balance: Money::new("opening_balance", balance_minor, eur()).expect("a valid balance"),
    }
}

async fn pair(store: &TestStore, source_balance: i64) -> (Wallet, Wallet) {
    (open_wallet(store, source_balance, eur()).await, open_wallet(store, 0, eur()).await)
}

async fn send(store: &TestStore, from: WalletId, to: WalletId, amount: i64, key: &IdempotencyKey) -> TransferOutcome {
    store.repos.wallets.transfer(euros(from, to, amount), key.clone(), meta()).await.expect("transfer")
}

/// Sends a transfer that must be refused; returns the error and the key it used.
async fn refused(
    store: &TestStore,
    from: WalletId,
    to: WalletId,
    amount: i64,
    currency: Currency,
) -> (TransferError, IdempotencyKey) {
    let key = fresh_key();
    let command = domain::transfer::TransferCommand::new(from, to, amount, currency).expect("a valid command");
    let result = store.repos.wallets.transfer(command, key.clone(), meta()).await;
    (result.expect_err("the transfer should have been refused"), key)
}

/// Asserts that a refused call left `key` unused: a valid request with it is applied, not
/// replayed or refused as reused.
async fn assert_key_unused(store: &TestStore, key: &IdempotencyKey) {
    let (source, sink) = pair(store, 100).await;
    let outcome = send(store, source.id, sink.id, 10, key).await;
    assert!(!outcome.replayed, "the key of a refused transfer was already taken");
}

/// Asserts that a refused transfer wrote nothing to either wallet.
async fn assert_untouched(store: &TestStore, wallets: &[&Wallet]) {
    for wallet in wallets {
        assert_eq!(&store.repos.wallets.get(wallet.id).await.expect("read a wallet"), *wallet, "a wallet changed");
        assert!(whole_ledger(store, wallet.id).await.is_empty(), "a ledger entry was written");
    }
}

#[store_test]
async fn a_transfer_moves_the_amount_and_is_stored(store: &TestStore) {
    let (source, sink) = pair(store, 1_000).await;

    let outcome = send(store, source.id, sink.id, 300, &fresh_key()).await;

    assert!(!outcome.replayed);
    let transfer = &outcome.transfer;
    assert_eq!(
        (transfer.from, transfer.to, transfer.amount_minor, transfer.currency),
        (source.id, sink.id, 300, eur())
    );
    assert_eq!((balance(store, source.id).await, balance(store, sink.id).await), (700, 300));
    assert_eq!(&store.repos.wallets.get_transfer(transfer.id).await.expect("read the transfer"), transfer);
}

#[store_test]
async fn a_transfer_writes_one_ledger_entry_per_side_that_sum_to_zero(store: &TestStore) {
    let (source, sink) = (open_wallet(store, 1_000, eur()).await, open_wallet(store, 50, eur()).await);

    let outcome = send(store, source.id, sink.id, 300, &fresh_key()).await;

    let (debits, credits) = (whole_ledger(store, source.id).await, whole_ledger(store, sink.id).await);
    let [debit] = debits.as_slice() else { panic!("expected one debit entry, got {debits:?}") };
    let [credit] = credits.as_slice() else { panic!("expected one credit entry, got {credits:?}") };
    assert_eq!((debit.delta_minor, debit.balance_after_minor), (-300, 700));
    assert_eq!((credit.delta_minor, credit.balance_after_minor), (300, 350));
    assert_eq!(debit.delta_minor + credit.delta_minor, 0);
    assert_eq!((debit.wallet_id, credit.wallet_id), (source.id, sink.id));
    assert_eq!((debit.transfer_id, credit.transfer_id), (outcome.transfer.id, outcome.transfer.id));
}

#[store_test]
async fn a_transfer_writes_one_completed_audit_event_without_personal_data(store: &TestStore) {
    let (source, sink) = pair(store, 1_000).await;
    let request = meta();

    let outcome = store
        .repos
        .wallets
        .transfer(euros(source.id, sink.id, 300), fresh_key(), request.clone())
        .await
        .expect("transfer");

    let transfer = &outcome.transfer;
    let events = audit_of(store, AuditSubject::of("transfer", transfer.id)).await;
    let [event] = events.as_slice() else { panic!("expected one audit event, got {events:?}") };
    assert_eq!(event.action.as_str(), "transfer.completed");
    assert_eq!((&event.actor, &event.request_id, event.at), (&request.actor, &request.request_id, transfer.created_at));
    let details: Vec<(&str, &str)> = event.details.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (id, from, to) = (transfer.id.to_string(), source.id.to_string(), sink.id.to_string());
    assert_eq!(
        details,
        [
            ("amount_minor", "300"),
            ("currency", "EUR"),
            ("from", from.as_str()),
            ("to", to.as_str()),
            ("transfer_id", id.as_str()),
        ],
        "the audit details are not exactly the documented ones"
    );
    assert!(!event.details.values().any(|value| value.contains(OWNER)), "the owner reached the audit log");
}

#[store_test]
async fn a_transfer_that_names_no_actor_is_audited_as_anonymous(store: &TestStore) {
    let (source, sink) = pair(store, 1_000).await;
    let nobody = RequestMeta { actor: String::new(), principal: String::new(), ..meta() };

    let outcome =
        store.repos.wallets.transfer(euros(source.id, sink.id, 1), fresh_key(), nobody).await.expect("transfer");

    let events = audit_of(store, AuditSubject::of("transfer", outcome.transfer.id)).await;
    let actors: Vec<&str> = events.iter().map(|event| event.actor.as_str()).collect();
    assert_eq!(actors, [ANONYMOUS]);
}

#[store_test]
async fn replaying_a_key_with_the_same_request_returns_the_stored_transfer_and_changes_nothing(store: &TestStore) {
    let (source, sink) = pair(store, 1_000).await;
    let key = fresh_key();
    let first = send(store, source.id, sink.id, 300, &key).await;

    let replay = send(store, source.id, sink.id, 300, &key).await;

    assert!(replay.replayed, "the second call was not reported as a replay");
    assert_eq!(replay.transfer, first.transfer);
    assert_eq!((balance(store, source.id).await, balance(store, sink.id).await), (700, 300));
    assert_eq!(whole_ledger(store, source.id).await.len(), 1, "a replay wrote a ledger entry");
    assert_eq!(audit_of(store, AuditSubject::of("transfer", first.transfer.id)).await.len(), 1);
}

#[store_test]
async fn reusing_a_key_with_another_request_is_refused_and_changes_nothing(store: &TestStore) {
    let (source, sink) = pair(store, 1_000).await;
    let key = fresh_key();
    let first = send(store, source.id, sink.id, 300, &key).await;

    let result = store.repos.wallets.transfer(euros(source.id, sink.id, 301), key.clone(), meta()).await;

    assert!(matches!(result, Err(TransferError::KeyReused)), "expected KeyReused, got {result:?}");
    assert_eq!((balance(store, source.id).await, balance(store, sink.id).await), (700, 300));
    assert_eq!(
        send(store, source.id, sink.id, 300, &key).await.transfer,
        first.transfer,
        "the stored response changed"
    );
}

#[store_test]
async fn a_transfer_from_an_unknown_wallet_is_refused_and_leaves_the_key_unused(store: &TestStore) {
    let (unknown, sink) = (WalletId::new(), open_wallet(store, 0, eur()).await);

    let (error, key) = refused(store, unknown, sink.id, 100, eur()).await;

    assert!(matches!(error, TransferError::UnknownWallet(id) if id == unknown), "got {error:?}");
    assert_untouched(store, &[&sink]).await;
    assert_key_unused(store, &key).await;
}

#[store_test]
async fn a_transfer_to_an_unknown_wallet_is_refused_and_leaves_the_key_unused(store: &TestStore) {
    let (source, unknown) = (open_wallet(store, 1_000, eur()).await, WalletId::new());

    let (error, key) = refused(store, source.id, unknown, 100, eur()).await;

    assert!(matches!(error, TransferError::UnknownWallet(id) if id == unknown), "got {error:?}");
    assert_untouched(store, &[&source]).await;
    assert_key_unused(store, &key).await;
}

#[store_test]
async fn a_transfer_in_another_currency_than_a_wallet_is_refused_for_either_side(store: &TestStore) {
    let (dollars, euros_wallet) = (open_wallet(store, 1_000, usd()).await, open_wallet(store, 1_000, eur()).await);

    for (from, to, odd) in [(&dollars, &euros_wallet, &dollars), (&euros_wallet, &dollars, &dollars)] {
        let (error, key) = refused(store, from.id, to.id, 100, eur()).await;

        let mismatch = matches!(error, TransferError::CurrencyMismatch { wallet, wallet_currency, transfer_currency }
            if wallet == odd.id && wallet_currency == usd() && transfer_currency == eur());
        assert!(mismatch, "expected a mismatch on the dollar wallet, got {error:?}");
        assert_untouched(store, &[from, to]).await;
        assert_key_unused(store, &key).await;
    }
}

#[store_test]
async fn insufficient_funds_leave_balances_unchanged_and_the_key_unused(store: &TestStore) {
    let (source, sink) = pair(store, 299).await;

    let (error, key) = refused(store, source.id, sink.id, 300, eur()).await;

    assert!(matches!(error, TransferError::InsufficientFunds { wallet } if wallet == source.id), "got {error:?}");
    assert_untouched(store, &[&source, &sink]).await;
    assert_key_unused(store, &key).await;
}

#[store_test]
async fn a_transfer_may_empty_the_source_wallet_but_never_overdraw_it(store: &TestStore) {
    let (source, sink) = pair(store, 300).await;

    send(store, source.id, sink.id, 300, &fresh_key()).await;
    let (error, _) = refused(store, source.id, sink.id, 1, eur()).await;

    assert!(matches!(error, TransferError::InsufficientFunds { .. }), "got {error:?}");
    assert_eq!((balance(store, source.id).await, balance(store, sink.id).await), (0, 300));
}

#[store_test]
async fn a_refusal_is_decided_by_the_first_failing_check_in_the_documented_order(store: &TestStore) {
    // Both wallets are looked up before any currency, and currencies before funds.
    let (dollars, euros_wallet) = (open_wallet(store, 0, usd()).await, open_wallet(store, 0, eur()).await);
    let unknown = WalletId::new();

    let (to_unknown, _) = refused(store, dollars.id, unknown, 100, eur()).await;
    let (poor_and_odd, _) = refused(store, dollars.id, euros_wallet.id, 100, eur()).await;
    let (poor_to_odd, _) = refused(store, euros_wallet.id, dollars.id, 100, eur()).await;

    assert!(matches!(to_unknown, TransferError::UnknownWallet(id) if id == unknown), "got {to_unknown:?}");
    for (error, odd) in [(poor_and_odd, &dollars), (poor_to_odd, &dollars)] {
        let mismatch = matches!(error, TransferError::CurrencyMismatch { wallet, .. } if wallet == odd.id);
        assert!(mismatch, "expected a mismatch on the dollar wallet before its funds, got {error:?}");
    }
    assert_untouched(store, &[&dollars, &euros_wallet]).await;
}

#[store_test]
async fn a_credit_past_the_largest_balance_is_refused_as_an_invalid_amount(store: &TestStore) {
    let source = open_wallet(store, 1_000, eur()).await;
    let nearly_full = Wallet { balance_minor: i64::MAX - 50, ..open_wallet_command(0).into_wallet(Timestamp::now()) };
    let sink = store
        .repos
        .wallets
        .create(nearly_full, &crate::contract::fixtures::meta())
        .await
        .expect("open a nearly full wallet");

    let (error, key) = refused(store, source.id, sink.id, 100, eur()).await;

    let invalid = matches!(&error, TransferError::Store(Error::Validation(v)) if v.field == "amount_minor");
    assert!(invalid, "expected a validation error on amount_minor, got {error:?}");
    assert_untouched(store, &[&source, &sink]).await;
    assert_key_unused(store, &key).await;
    send(store, source.id, sink.id, 50, &fresh_key()).await;
    assert_eq!(balance(store, sink.id).await, i64::MAX, "a credit up to the largest balance is applied");
}

#[store_test]
async fn an_unknown_transfer_is_not_found(store: &TestStore) {
    let unknown = TransferId::new();

    let result = store.repos.wallets.get_transfer(unknown).await;

    assert_not_found(result, "get of an unknown transfer");
}
