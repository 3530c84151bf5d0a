//! The deployment-health monitor on the test server: each check answers, or says "unknown" with
//! its reason in the documented form (known 0, the reason counted, the gauges NaN), and a pass
//! never fails. A standalone (the CI stand-in among them) has no replica-set figures; a replica
//! set answers them all.

use std::time::Duration;

use metrics_exporter_prometheus::PrometheusBuilder;
use mongo_kit::monitor::primary::Primary;
use mongo_kit::monitor::series::Recorder;
use mongo_kit::monitor::{Reading, Unknown, sample, series};

use crate::support::fixture::{TestName, store_test};
use crate::support::mongo;
use mongo_kit_test::skip::skip;

#[store_test(mongo)]
async fn the_monitor_answers_each_check_or_says_why_it_cannot(test: &TestName) {
    let Some(store) = mongo::connect_any(test).await else { return };

    let first = sample(store.client(), Duration::from_secs(5)).await;
    let second = sample(store.client(), Duration::from_secs(5)).await;
    let exporter = PrometheusBuilder::new().build_recorder();
    let handle = exporter.handle();
    metrics::with_local_recorder(&exporter, || {
        series::describe();
        let mut recorder = Recorder::default();
        recorder.record(&first);
        recorder.record(&second);
    });
    let text = handle.render();
    store.drop_database().await.expect("drop the test database");

    let has = |line: &str| assert!(text.contains(line), "{line} is missing:\n{text}");
    match &first.primary {
        Reading::Known(Primary { set_name: None, .. }) => {
            assert_eq!(first.replication, Reading::Unknown(Unknown::NotReplicaSet));
            assert_eq!(first.oplog, Reading::Unknown(Unknown::NotReplicaSet));
            has(r#"mongodb_monitor_known{check="replication"} 0"#);
            has(r#"mongodb_monitor_unknown_total{check="replication",reason="not_replica_set"} 2"#);
            has(r#"mongodb_monitor_unknown_total{check="oplog",reason="not_replica_set"} 2"#);
            has(r#"mongodb_replication_lag_seconds{member="-"} NaN"#);
            has("mongodb_oplog_window_seconds NaN");
            has("mongodb_replica_set_term NaN");
            skip(test, "a standalone server: no replica set, so lag, term and oplog window are unknown, as documented");
        }
        Reading::Known(Primary { set_name: Some(_), primary }) => {
            let Reading::Known(status) = &first.replication else {
                panic!("a replica-set member answers replSetGetStatus to the test user: {:?}", first.replication)
            };
            assert_eq!(status.primary(), primary.as_deref(), "hello and replSetGetStatus name the same primary");
            let own = status.members.iter().find(|member| Some(member.name.as_str()) == status.primary());
            assert_eq!(own.and_then(|member| member.lag), Some(Duration::ZERO), "the primary lags itself by nothing");
            assert!(matches!(first.oplog, Reading::Known(_)), "a member has an oplog: {:?}", first.oplog);
            has(r#"mongodb_monitor_known{check="replication"} 1"#);
            has(r#"mongodb_monitor_known{check="oplog"} 1"#);
        }
        Reading::Unknown(why) => panic!("every server answers hello, which needs no privilege: {why:?}"),
    }
    match &first.index_builds {
        Reading::Known(_) => has(r#"mongodb_monitor_known{check="index_builds"} 1"#),
        Reading::Unknown(why) => {
            assert_ne!(*why, Unknown::UnexpectedReply, "a cursor of operations is never unexpected");
            has(r#"mongodb_monitor_known{check="index_builds"} 0"#);
            has(&format!(r#"mongodb_monitor_unknown_total{{check="index_builds",reason="{}"}} 2"#, why.name()));
            has(r#"mongodb_index_builds_in_progress{phase="scanning"} NaN"#);
            skip(
                test,
                &format!("the server does not list operations with $currentOp ({}): index builds unknown", why.name()),
            );
        }
    }
}
