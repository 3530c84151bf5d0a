//! `#[store_test]`: the one way the suite declares a test that runs against a store.
//!
//! The attribute keeps the `async fn` it is put on as it is and adds, beside it, a module of the
//! same name holding one `#[test]` per store: `name::memory`, `name::mongo`, and
//! `name::<setup>::mongo` for a further MongoDB set-up the fixture offers. Every MongoDB variant's
//! name ends in `::mongo`, which the suite's nextest configuration uses to run them one at a time.
//!
//! The fixture the test receives is the type of its one parameter; the suite's
//! `support::fixture` module builds it, runs the body, and tears it down (including the MongoDB
//! rules check). The attribute itself knows no fixture: it names the runner functions of that
//! module (`memory`, `mongo`, `mongo_setup`), so it only serves this suite.
//!
//! Arguments, comma-separated; none means `memory, mongo`:
//! - `memory`: a variant on memory-store (the fixture must implement `MemoryFixture`).
//! - `mongo`: a variant on MongoDB (`Fixture`), skipped by name when no MongoDB is reachable.
//! - `setup::mongo`: a variant on MongoDB built through `MongoSetup<Setup>` (the setup's name in
//!   camel case, from `support::fixture::setup`).
//! - `worker_threads = N`: run on a multi-threaded runtime with `N` workers (default: the
//!   current thread, like `#[tokio::test]`).

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, ItemFn, LitInt, Token, parse_macro_input};

/// Expands an `async fn name(fixture: &Fixture)` into `name::memory`, `name::mongo` and any
/// further MongoDB set-ups named in the arguments; see the crate's documentation.
///
/// ```text
/// // `every_line_gets_an_outcome::memory`, `..::mongo` and `..::update_commands::mongo`.
/// #[store_test(memory, mongo, update_commands::mongo)]
/// async fn every_line_gets_an_outcome(harness: &Harness) {
///     // ...
/// }
///
/// // MongoDB only, on a multi-threaded runtime: `the_service_survives_an_outage::mongo`.
/// #[store_test(mongo, worker_threads = 2)]
/// async fn the_service_survives_an_outage(test: &TestName) {
///     // ...
/// }
/// ```
///
/// The first expands to the function as written and, beside it:
///
/// ```text
/// mod every_line_gets_an_outcome {
///     #[test]
///     fn memory() {
///         crate::support::fixture::memory(concat!(module_path!(), "::memory"), 0, super::every_line_gets_an_outcome);
///     }
///     #[test]
///     fn mongo() { /* crate::support::fixture::mongo(..) */ }
///     mod update_commands {
///         #[test]
///         fn mongo() { /* crate::support::fixture::mongo_setup::<setup::UpdateCommands, _>(..) */ }
///     }
/// }
/// ```
#[proc_macro_attribute]
pub fn store_test(args: TokenStream, item: TokenStream) -> TokenStream {
    let args = parse_macro_input!(args as Args);
    let function = parse_macro_input!(item as ItemFn);
    match expand(&args, &function) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

/// Where a test runs.
enum Variant {
    Memory,
    Mongo,
    /// A further MongoDB set-up, by its name.
    Setup(Ident),
}

/// The parsed arguments.
struct Args {
    variants: Vec<Variant>,
    worker_threads: usize,
}

/// One argument.
enum Arg {
    Variant(Variant),
    WorkerThreads(usize),
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let name: Ident = input.parse()?;
        if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            let value: LitInt = input.parse()?;
            if name != "worker_threads" {
                return Err(syn::Error::new(name.span(), "the only setting is `worker_threads = N`"));
            }
            return Ok(Self::WorkerThreads(value.base10_parse()?));
        }
        if input.peek(Token![::]) {
            input.parse::<Token![::]>()?;
            let store: Ident = input.parse()?;
            if store != "mongo" {
                return Err(syn::Error::new(store.span(), "a named set-up runs on MongoDB: write `setup::mongo`"));
            }
            return Ok(Self::Variant(Variant::Setup(name)));
        }
        match name.to_string().as_str() {
            "memory" => Ok(Self::Variant(Variant::Memory)),
            "mongo" => Ok(Self::Variant(Variant::Mongo)),
            _ => {
                Err(syn::Error::new(name.span(), "expected `memory`, `mongo`, `setup::mongo` or `worker_threads = N`"))
            }
        }
    }
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let parsed = Punctuated::<Arg, Token![,]>::parse_terminated(input)?;
        let mut args = Self { variants: Vec::new(), worker_threads: 0 };
        for arg in parsed {
            match arg {
                Arg::Variant(variant) => args.variants.push(variant),
                Arg::WorkerThreads(workers) => args.worker_threads = workers,
            }
        }
        if args.variants.is_empty() {
            args.variants = vec![Variant::Memory, Variant::Mongo];
        }
        Ok(args)
    }
}

fn expand(args: &Args, function: &ItemFn) -> syn::Result<TokenStream2> {
    let signature = &function.sig;
    if signature.asyncness.is_none() {
        return Err(syn::Error::new_spanned(signature.fn_token, "a store test is an `async fn`"));
    }
    if signature.inputs.len() != 1 {
        return Err(syn::Error::new_spanned(
            &signature.inputs,
            "a store test takes one parameter: a reference to its fixture",
        ));
    }
    let name = &signature.ident;
    let workers = args.worker_threads;
    let runner = quote!(crate::support::fixture);
    let tests = args.variants.iter().map(|variant| match variant {
        Variant::Memory => quote! {
            #[test]
            fn memory() {
                #runner::memory(concat!(module_path!(), "::memory"), #workers, super::#name);
            }
        },
        Variant::Mongo => quote! {
            #[test]
            fn mongo() {
                #runner::mongo(concat!(module_path!(), "::mongo"), #workers, super::#name);
            }
        },
        Variant::Setup(setup) => {
            let marker = Ident::new(&camel_case(&setup.to_string()), Span::call_site());
            quote! {
                mod #setup {
                    #[test]
                    fn mongo() {
                        #runner::mongo_setup::<#runner::setup::#marker, _>(
                            concat!(module_path!(), "::mongo"),
                            #workers,
                            super::super::#name,
                        );
                    }
                }
            }
        }
    });
    let module = format_ident!("{}", name);
    Ok(quote! {
        #function

        mod #module {
            #(#tests)*
        }
    })
}

/// `update_commands` as `UpdateCommands`.
fn camel_case(snake: &str) -> String {
    snake
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|first| first.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
        })
        .collect()
}
