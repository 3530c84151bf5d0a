//! Deterministic synthetic input: N products as NDJSON, a share of them invalid in the ways real
//! feeds are (broken JSON, bad sku, negative price, operator keys, unknown fields). The same seed
//! and options always give the same bytes (ChaCha8 is portable across platforms and versions).

use std::io::{self, Write};

use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use super::args::GenerateArgs;

const CATEGORIES: [&str; 8] = ["home", "garden", "kitchen", "toys", "books", "audio", "sports", "office"];
const CURRENCIES: [&str; 3] = ["EUR", "USD", "GBP"];
const COLORS: [&str; 5] = ["red", "green", "blue", "black", "white"];

/// Writes the lines `args` describe to `out`.
///
/// # Errors
/// Writing failed.
pub fn write(args: &GenerateArgs, out: impl Write) -> io::Result<()> {
    let mut out = io::BufWriter::new(out);
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let share = args.invalid_share.clamp(0.0, 1.0);
    let distinct = args.distinct_skus.unwrap_or(args.lines).max(1);
    for line in 0..args.lines {
        let sku = line % distinct;
        let invalid = rng.random::<f64>() < share;
        let kind = rng.random_range(0..5_u8);
        let price: i64 = rng.random_range(100..1_000_000);
        let category = CATEGORIES[rng.random_range(0..CATEGORIES.len())];
        let currency = CURRENCIES[(sku % 3) as usize];
        let color = COLORS[rng.random_range(0..COLORS.len())];
        let mut product = json!({
            "sku": format!("GEN-{sku:09}"),
            "name": format!("Generated product {sku}"),
            "category": category,
            "price_minor": price,
            "currency": currency,
            "attributes": { "color": color, "weight_g": rng.random_range(10..5000_i64), "dims": { "w": 10, "h": 20 } },
            "tags": ["generated", category],
        });
        if invalid {
            match kind {
                0 => {
                    writeln!(out, "{{\"sku\": \"GEN-{sku:09}\", \"name\": ")?;
                    continue;
                }
                1 => product["sku"] = json!("has spaces!"),
                2 => product["price_minor"] = json!(-5),
                3 => product["attributes"] = json!({ "$where": "1" }),
                _ => product["colour"] = json!("typo"),
            }
        }
        serde_json::to_writer(&mut out, &product)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::pipeline::validate;

    fn generate(lines: u64, invalid_share: f64, seed: u64) -> Vec<u8> {
        let mut out = Vec::new();
        write(&GenerateArgs { lines, invalid_share, seed, distinct_skus: None }, &mut out).expect("generate");
        out
    }

    #[test]
    fn the_same_seed_gives_the_same_bytes_and_another_seed_does_not() {
        assert_eq!(generate(200, 0.1, 7), generate(200, 0.1, 7));
        assert_ne!(generate(200, 0.1, 7), generate(200, 0.1, 8));
    }

    #[test]
    fn about_the_requested_share_of_lines_is_invalid() {
        let output = generate(2000, 0.1, 3);

        let lines: Vec<&[u8]> = output.split(|&b| b == b'\n').filter(|l| !l.is_empty()).collect();
        let invalid = lines.iter().filter(|line| validate(line).is_err()).count();

        assert_eq!(lines.len(), 2000);
        assert!((120..=280).contains(&invalid), "{invalid} invalid lines of 2000 at a 10% share");
    }
}
