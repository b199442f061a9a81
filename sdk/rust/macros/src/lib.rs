//! `#[rusm_rs::handlers]`: exports each `pub fn` of a module as a handler of rusm's handler
//! world (`rusm:guest/handlers`), routed as `module#function`.
//!
//! ```ignore
//! #[rusm_rs::handlers]
//! pub mod api {
//!     use rusm_rs::http::{Params, Request, Response, Sse};
//!     pub fn feed(_req: Request, _p: Params, sse: Sse) { sse.data("tick 0"); }   // api#feed, sse
//!     pub fn user(_req: Request, p: Params) -> Response { Response::text(p.get("id").unwrap_or("")) } // http
//! }
//! ```
//!
//! The kind comes from the arity, as in the TypeScript SDK: three parameters are an SSE action
//! `fn(Request, Params, Sse)`, two an HTTP action `fn(Request, Params) -> impl Into<Response>`.
//! The compiler checks the parameter types when the generated table calls the function.
//!
//! Written over `proc_macro` alone (no syn/quote), so it builds offline with nothing but
//! rustc: it only needs the module's name and, at the top level of its body, each
//! `pub fn name(...)`.
use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

#[proc_macro_attribute]
pub fn handlers(attr: TokenStream, item: TokenStream) -> TokenStream {
    if let Some(t) = attr.into_iter().next() {
        return error(t.span(), "#[rusm_rs::handlers] takes no arguments");
    }
    match expand(item.clone()) {
        Ok(extra) => {
            let mut out = item;
            out.extend(extra);
            out
        }
        Err((span, msg)) => {
            let mut out = item;
            out.extend(error(span, &msg));
            out
        }
    }
}

struct Found {
    name: Ident,
    sse: bool,
}

type Failure = (Span, String);

fn expand(item: TokenStream) -> Result<TokenStream, Failure> {
    let tokens: Vec<TokenTree> = item.into_iter().collect();
    let at = tokens
        .iter()
        .position(|t| matches!(t, TokenTree::Ident(i) if i.to_string() == "mod"))
        .ok_or_else(|| {
            (
                Span::call_site(),
                "#[rusm_rs::handlers] goes on a module: `pub mod api { pub fn feed(...) {...} }`"
                    .to_string(),
            )
        })?;
    let module = match tokens.get(at + 1) {
        Some(TokenTree::Ident(i)) => i.clone(),
        _ => {
            return Err((
                Span::call_site(),
                "expected the module's name after `mod`".into(),
            ))
        }
    };
    let body = match tokens.get(at + 2) {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => g.clone(),
        _ => {
            return Err((
                module.span(),
                "#[rusm_rs::handlers] needs the module's body inline: `mod api { ... }`".into(),
            ))
        }
    };
    check_name(&module, "a handler module")?;
    let found = handler_fns(&body)?;
    if found.is_empty() {
        return Err((
            module.span(),
            format!(
                "module `{module}` has no `pub fn` handler: add `pub fn feed(req: Request, p: Params, sse: Sse)` or `pub fn user(req: Request, p: Params) -> Response`"
            ),
        ));
    }
    Ok(registration(&module, &found))
}

/// A letter, then letters, digits or `_` (rusm's rule is `^[A-Za-z][A-Za-z0-9_-]*$`).
fn check_name(ident: &Ident, what: &str) -> Result<(), Failure> {
    let name = ident.to_string();
    if name.starts_with(|c: char| c.is_ascii_alphabetic()) && !name.starts_with("r#") {
        return Ok(());
    }
    Err((
        ident.span(),
        format!("{what} name must start with a letter to be routed (`{name}`)"),
    ))
}

/// Every `pub fn name(...)` at the top level of the module's body.
fn handler_fns(body: &Group) -> Result<Vec<Found>, Failure> {
    let tokens: Vec<TokenTree> = body.stream().into_iter().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i + 3 < tokens.len() {
        let is = |k: usize, word: &str| matches!(&tokens[k], TokenTree::Ident(x) if x.to_string() == word);
        let qualified = ["async", "unsafe", "const", "extern"]
            .iter()
            .any(|q| is(i + 1, q));
        if is(i, "pub") && qualified {
            if let Some(TokenTree::Ident(q)) = tokens.get(i + 1) {
                return Err((
                    q.span(),
                    format!("a handler is a plain `pub fn`, not `pub {q} fn`: rusm calls it synchronously (a blocking call parks the process)"),
                ));
            }
        }
        if is(i, "pub") && is(i + 1, "fn") {
            if let (TokenTree::Ident(name), TokenTree::Group(args)) =
                (&tokens[i + 2], &tokens[i + 3])
            {
                if args.delimiter() == Delimiter::Parenthesis {
                    check_name(name, "a handler")?;
                    let sse = match count_params(args) {
                        3 => true,
                        2 => false,
                        n => {
                            return Err((
                                name.span(),
                                format!(
                                    "handler `{name}` takes {n} parameter(s): a handler is `fn(Request, Params, Sse)` (SSE) or `fn(Request, Params) -> Response` (HTTP)"
                                ),
                            ))
                        }
                    };
                    found.push(Found {
                        name: name.clone(),
                        sse,
                    });
                    i += 4;
                    continue;
                }
            }
            if let TokenTree::Ident(name) = &tokens[i + 2] {
                return Err((
                    name.span(),
                    format!("handler `{name}` cannot be generic: write `pub fn {name}(req: Request, p: Params, ...)`"),
                ));
            }
        }
        i += 1;
    }
    Ok(found)
}

/// Parameters in `( ... )`: commas at depth 0, `<...>` counted as nesting.
fn count_params(args: &Group) -> usize {
    let mut count = 0;
    let mut depth = 0i32;
    let mut pending = false;
    for t in args.stream() {
        match &t {
            TokenTree::Punct(p) if p.as_char() == '<' => depth += 1,
            TokenTree::Punct(p) if p.as_char() == '>' => depth -= 1,
            TokenTree::Punct(p) if p.as_char() == ',' && depth == 0 => {
                if pending {
                    count += 1;
                }
                pending = false;
                continue;
            }
            _ => {}
        }
        pending = true;
    }
    count + usize::from(pending)
}

/// A static table of the module's handlers and an `.init_array` entry that registers it with
/// the runtime (rusm_rs::__rt), which runs the constructors once before serving.
fn registration(module: &Ident, found: &[Found]) -> TokenStream {
    let mut entries = String::new();
    for f in found {
        let name = &f.name;
        if f.sse {
            entries.push_str(&format!(
                "::rusm_rs::__rt::Handler {{ name: \"{name}\", call: ::rusm_rs::__rt::Call::Sse(|q, p, s| {module}::{name}(q, p, s)) }},"
            ));
        } else {
            entries.push_str(&format!(
                "::rusm_rs::__rt::Handler {{ name: \"{name}\", call: ::rusm_rs::__rt::Call::Http(|q, p| ::core::convert::Into::<::rusm_rs::http::Response>::into({module}::{name}(q, p))) }},"
            ));
        }
    }
    let upper = module.to_string().to_uppercase();
    let code = format!(
        "#[doc(hidden)]
        #[allow(non_upper_case_globals)]
        static __RUSM_MODULE_{upper}: ::rusm_rs::__rt::Module = ::rusm_rs::__rt::Module {{
            name: \"{module}\",
            handlers: &[{entries}],
        }};
        #[doc(hidden)]
        #[used]
        #[allow(non_upper_case_globals)]
        #[cfg_attr(target_family = \"wasm\", link_section = \".init_array\")]
        static __RUSM_REGISTER_{upper}: extern \"C\" fn() = {{
            extern \"C\" fn register() {{ ::rusm_rs::__rt::register(&__RUSM_MODULE_{upper}); }}
            register
        }};"
    );
    let mut out: TokenStream = code.parse().expect("rusm_rs_macros generates valid Rust");
    // Point errors about a handler's types at the module.
    out = respan(out, module.span());
    out
}

fn respan(stream: TokenStream, span: Span) -> TokenStream {
    stream
        .into_iter()
        .map(|t| match t {
            TokenTree::Group(g) => {
                let mut n = Group::new(g.delimiter(), respan(g.stream(), span));
                n.set_span(span);
                TokenTree::Group(n)
            }
            TokenTree::Ident(i) => TokenTree::Ident(Ident::new(&i.to_string(), span)),
            mut other => {
                other.set_span(span);
                other
            }
        })
        .collect()
}

/// `compile_error!("msg")` at `span`.
fn error(span: Span, msg: &str) -> TokenStream {
    let mut lit = Literal::string(msg);
    lit.set_span(span);
    let mut bang = Punct::new('!', Spacing::Alone);
    bang.set_span(span);
    let args = TokenStream::from(TokenTree::Literal(lit));
    let mut group = Group::new(Delimiter::Parenthesis, args);
    group.set_span(span);
    let mut semi = Punct::new(';', Spacing::Alone);
    semi.set_span(span);
    [
        TokenTree::Ident(Ident::new("compile_error", span)),
        TokenTree::Punct(bang),
        TokenTree::Group(group),
        TokenTree::Punct(semi),
    ]
    .into_iter()
    .collect()
}
