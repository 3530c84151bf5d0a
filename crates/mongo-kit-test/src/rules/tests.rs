//! The gate in front of a real server (skipped by name where none is reachable).

mod mongo {
    use mongodb::bson::{Document, doc};

    use crate::proxy::upstream;
    use crate::rules::{GATES, Rules, RulesCheck};
    use crate::server::{database_name, uri_or_skip};

    #[tokio::test]
    async fn every_uri_the_server_choice_hands_out_points_at_a_rules_check() {
        let Some(uri) = uri_or_skip("rules::tests::mongo::every_uri_points_at_a_rules_check").await else { return };
        let Some(gate) = upstream(&uri) else { return };

        let gates = GATES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let addresses: Vec<String> =
            gates.iter().flat_map(|gates| gates.values()).map(|check| check.address().to_string()).collect();

        assert!(addresses.contains(&gate), "{uri} is no gate's address: {addresses:?}");
    }

    /// A gate of the test's own, unrecorded, in front of the server choice's: the refused
    /// command is answered by the check and never reaches the server.
    #[tokio::test]
    async fn a_refused_command_is_answered_by_the_check_and_never_reaches_the_server() {
        let test = "rules::tests::mongo::a_refused_command_is_answered_by_the_check";
        let Some(uri) = uri_or_skip(test).await else { return };
        let check = RulesCheck::start_unrecorded(&uri, Rules::mongodb()).expect("a gate starts");
        let client = mongodb::Client::with_uri_str(check.uri()).await.expect("a client of the gate");
        let database = client.database(&database_name());
        let wallets = database.collection::<Document>("w");
        wallets.insert_one(doc! { "_id": 1 }).await.expect("an insert outside a transaction");
        let mut session = client.start_session().await.expect("a session");
        session.start_transaction().await.expect("a transaction");

        wallets.insert_one(doc! { "_id": 2 }).session(&mut session).await.expect("an insert in it");
        let count = database.run_command(doc! { "count": "w" }).session(&mut session).await;
        let _ = session.abort_transaction().await;
        let _ = database.drop().await;

        let error = count.expect_err("count is refused in a transaction").to_string();
        assert!(error.contains("MongoDB rules check:") && error.contains("`count`"), "{error}");
        let seen: Vec<String> = check.violations().iter().map(crate::rules::Violation::message).collect();
        assert_eq!(seen.len(), 1, "{seen:?}");
    }
}
