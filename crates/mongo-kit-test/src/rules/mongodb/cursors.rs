//! A cursor belongs where it was opened: "For cursors created outside of a transaction, you
//! cannot call getMore inside the transaction. For cursors created in a transaction, you cannot
//! call getMore outside the transaction." The server (`getmore_cmd.cpp`) also refuses a getMore
//! in another transaction than the cursor's, each case with an error code of its own.
//! <https://www.mongodb.com/docs/v8.0/core/transactions-operations/>

use crate::rules::{Context, Rule, Violation};

/// The manual page of the three cases.
const PAGE: &str = "https://www.mongodb.com/docs/v8.0/core/transactions-operations/";

/// A getMore in a transaction on a cursor opened outside any (the server's 50739).
pub static OPENED_OUTSIDE: Rule = Rule {
    name: "a cursor opened outside a transaction is not read inside one",
    manual: PAGE,
    code: 50739,
    code_name: "Location50739",
};

/// A getMore outside any transaction on a cursor opened in one (50740).
pub static OPENED_INSIDE: Rule = Rule {
    name: "a cursor opened in a transaction is not read outside it",
    manual: PAGE,
    code: 50740,
    code_name: "Location50740",
};

/// A getMore in another transaction than the cursor's (50741).
pub static OPENED_IN_ANOTHER: Rule = Rule {
    name: "a cursor opened in a transaction is read in that transaction only",
    manual: PAGE,
    code: 50741,
    code_name: "Location50741",
};

/// Checks a `getMore` against where its cursor was opened (when the opening was seen).
pub fn check(cx: &Context<'_>) -> Result<(), Violation> {
    if cx.name() != "getMore" {
        return Ok(());
    }
    let Some(opened_in) = cx.cursor_opened_in else { return Ok(()) };
    let here = cx.in_transaction().then(|| cx.body().get_i64("txnNumber").unwrap_or_default());
    match (opened_in, here) {
        (None, Some(number)) => Err(cx.violation(&OPENED_OUTSIDE, format!("getMore in transaction {number}"))),
        (Some(number), None) => {
            Err(cx.violation(&OPENED_INSIDE, format!("the cursor is transaction {number}'s, read outside it")))
        }
        (Some(opened), Some(number)) if opened != number => Err(cx.violation(
            &OPENED_IN_ANOTHER,
            format!("the cursor is transaction {opened}'s, read in transaction {number}"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use mongodb::bson::doc;

    use crate::rules::Judge;
    use crate::rules::session::transaction_number;
    use crate::rules::testing::{first, later};
    use crate::wire::Request;

    fn get_more(id: i64) -> mongodb::bson::Document {
        doc! { "getMore": id, "collection": "w" }
    }

    /// Judges `commands` in order, cursor 5 having been opened by `opening`.
    fn verdicts_after(opening: mongodb::bson::Document, commands: &[mongodb::bson::Document]) -> Vec<Option<u32>> {
        let mut judge = Judge::default();
        let opening = Request::from_body(opening);
        judge.judge(&opening, None).expect("the opening is accepted");
        judge.cursor_opened(transaction_number(&opening.body), 5);
        commands
            .iter()
            .map(|command| {
                let verdict = judge.judge(&Request::from_body(command.clone()), None);
                verdict.err().map(|violation| u32::try_from(violation.rule.code).unwrap_or(0))
            })
            .collect()
    }

    #[test]
    fn a_cursor_read_across_a_transaction_boundary_is_refused() {
        let outside = doc! { "find": "w", "batchSize": 1, "$db": "s" };
        let inside = first(doc! { "find": "w", "batchSize": 1 });
        let mut next = later(get_more(5));
        next.insert("txnNumber", 2_i64);

        assert_eq!(verdicts_after(outside, &[first(doc! { "find": "v" }), later(get_more(5))]), [None, Some(50739)]);
        assert_eq!(
            verdicts_after(inside.clone(), &[doc! { "getMore": 5_i64, "collection": "w", "$db": "s" }]),
            [Some(50740)]
        );
        assert_eq!(verdicts_after(inside, &[next]), [Some(50741)]);
    }

    #[test]
    fn a_cursor_read_where_it_was_opened_or_an_unknown_one_is_accepted() {
        let outside = doc! { "find": "w", "batchSize": 1, "$db": "s" };
        let inside = first(doc! { "find": "w", "batchSize": 1 });

        assert_eq!(verdicts_after(outside, &[doc! { "getMore": 5_i64, "collection": "w", "$db": "s" }]), [None]);
        assert_eq!(verdicts_after(inside, &[later(get_more(5)), later(get_more(6))]), [None, None]);
    }
}
