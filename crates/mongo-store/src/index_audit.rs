//! `shop indexes audit`: the kit's [`mongo_kit::index_audit`] on the shop's registry.

use mongo_kit::index_audit::*;

use crate::store::MongoStore;
use mongo_kit::Result;

/// Explains (and with `options.runs`, times) every shape of the shop's registry.
///
/// # Errors
/// As [`mongo_kit::index_audit::audit`].
pub async fn audit(store: &MongoStore, options: AuditOptions) -> Result<AuditReport> {
    let server_version = store.startup_report().server_version.clone();
    mongo_kit::index_audit::audit(
        store.database(),
        store.profiles(),
        crate::indexes::registry(),
        server_version,
        options,
    )
    .await
}
