//! The runtime behind `#[rusm_rs::handlers]`: the handler registry, the component's two exports
//! (`wasi:http/incoming-handler.handle` and `rusm:guest/manifest.modules`) and the panic hook.
//! Public only for the macro's generated code (`rusm_rs::__rt`).
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::abi::rusm as host;
use crate::abi::{string_at, RetArea};
use crate::http::{Params, Request, Response};
use crate::response::respond;
use crate::sse::Sse;
use crate::ws::Ws;

/// How the macro calls one handler.
pub enum Call {
    Http(fn(Request, Params) -> Response),
    Sse(fn(Request, Params, Sse)),
    Ws(fn(Request, Params, Ws)),
}

pub struct Handler {
    pub name: &'static str,
    pub call: Call,
}

/// One `#[rusm_rs::handlers] mod`.
pub struct Module {
    pub name: &'static str,
    pub handlers: &'static [Handler],
}

thread_local! {
    static MODULES: RefCell<Vec<&'static Module>> = const { RefCell::new(Vec::new()) };
    /// `module#function` of the running handler, for crash messages.
    static WHERE: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Called by each module's `.init_array` entry (once, from `__wasm_call_ctors`).
pub fn register(module: &'static Module) {
    MODULES.with(|m| {
        let mut m = m.borrow_mut();
        if !m.iter().any(|x| x.name == module.name) {
            m.push(module);
        }
    });
}

extern "C" {
    /// Synthesized by wasm-ld: runs every `.init_array` entry (the modules' registrations).
    fn __wasm_call_ctors();
}

/// A cdylib's constructors do not run by themselves; each export runs them first, once.
fn init() {
    static DONE: AtomicBool = AtomicBool::new(false);
    if !DONE.swap(true, Ordering::Relaxed) {
        // SAFETY: runs the registrations once, before anything reads the registry.
        unsafe { __wasm_call_ctors() };
    }
}

/// Ends the process as a crash with `message` (`process.abort`): exit `trap`, a 500 if no
/// head was sent, a truncated body if one was.
pub fn crash(message: &str) -> ! {
    // SAFETY: (ptr, len) borrow `message`; the host does not return.
    unsafe { host::process_abort(message.as_ptr(), message.len()) };
    unreachable!("process.abort returned")
}

/// Every panic (`panic!`, `.unwrap()`, an index out of bounds) becomes `process.abort` with the
/// handler, the location and the message; with `panic = "abort"` nothing unwinds.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let at = WHERE.with(|w| w.borrow().clone());
        let who = if at.is_empty() {
            "the component".to_string()
        } else {
            at
        };
        crash(&format!("{who} {info}"));
    }));
}

struct Target {
    module: String,
    function: String,
    params: Vec<(String, String)>,
}

fn target() -> Option<Target> {
    let mut ret = RetArea::new();
    // SAFETY: the host writes an option<handler-target> into `ret`.
    unsafe { host::context_target(ret.ptr()) };
    if ret.u8(0) == 0 {
        return None;
    }
    let (ptr, len) = (ret.i32(20), ret.i32(24));
    let params = (0..len)
        .map(|i| {
            let at = ptr + i * 16;
            // SAFETY: a list of `len` 16-byte (string, string) pairs at `ptr`.
            unsafe {
                let word = |o: i32| *((at + o) as usize as *const i32);
                (string_at(word(0), word(4)), string_at(word(8), word(12)))
            }
        })
        .collect();
    Some(Target {
        module: ret.string(4),
        function: ret.string(12),
        params,
    })
}

fn handler_names() -> String {
    MODULES.with(|m| {
        m.borrow()
            .iter()
            .flat_map(|m| {
                m.handlers
                    .iter()
                    .map(move |h| format!("{}#{}", m.name, h.name))
            })
            .collect::<Vec<_>>()
            .join(", ")
    })
}

fn find(module: &str, function: &str) -> Option<&'static Handler> {
    MODULES.with(|m| {
        m.borrow()
            .iter()
            .find(|m| m.name == module)
            .and_then(|m| m.handlers.iter().find(|h| h.name == function))
    })
}

/// `wasi:http/incoming-handler.handle`: serves one request with the routed handler.
#[export_name = "wasi:http/incoming-handler@0.2.12#handle"]
pub extern "C" fn __rusm_handle(request: i32, response_out: i32) {
    init();
    install_panic_hook();
    let Some(t) = target() else {
        crash(&format!(
            "this component has only handler modules (rusm_rs), so it cannot be routed by component name; route one of its handlers instead: {}",
            handler_names()
        ));
    };
    let Some(handler) = find(&t.module, &t.function) else {
        crash(&format!(
            "{}#{} is not a handler of this component",
            t.module, t.function
        ));
    };
    WHERE.with(|w| *w.borrow_mut() = format!("{}#{}", t.module, t.function));
    let request = Request::new(request);
    let params = Params(t.params);
    match handler.call {
        // The stream answers the request; response_out stays unset (rusm ignores it).
        Call::Sse(f) => f(request, params, Sse::new()),
        // The socket answers the request (101 at its first use, at the latest on drop).
        Call::Ws(f) => f(request, params, Ws::new()),
        Call::Http(f) => respond(response_out, f(request, params)),
    }
}

/// `kind` of wit/manifest.wit.
#[repr(C)]
struct AbiHandler {
    name: *const u8,
    name_len: usize,
    kind: u8,
}

#[repr(C)]
struct AbiModule {
    name: *const u8,
    name_len: usize,
    handlers: *const AbiHandler,
    handlers_len: usize,
}

/// `rusm:guest/manifest.modules`: every registered module and each handler's kind. Called once
/// at startup on an instance that serves no request; the lists are leaked (the instance is
/// discarded).
#[export_name = "rusm:guest/manifest@0.1.0#modules"]
pub extern "C" fn __rusm_modules() -> *const u8 {
    init();
    let modules: Vec<AbiModule> = MODULES.with(|m| {
        m.borrow()
            .iter()
            .map(|m| {
                let handlers: Vec<AbiHandler> = m
                    .handlers
                    .iter()
                    .map(|h| AbiHandler {
                        name: h.name.as_ptr(),
                        name_len: h.name.len(),
                        kind: match h.call {
                            Call::Http(_) => 0,
                            Call::Sse(_) => 1,
                            Call::Ws(_) => 2,
                        },
                    })
                    .collect();
                let handlers = handlers.leak();
                AbiModule {
                    name: m.name.as_ptr(),
                    name_len: m.name.len(),
                    handlers: handlers.as_ptr(),
                    handlers_len: handlers.len(),
                }
            })
            .collect()
    });
    let modules = modules.leak();
    let ret: &'static mut [usize; 2] =
        Box::leak(Box::new([modules.as_ptr() as usize, modules.len()]));
    ret.as_ptr() as *const u8
}
