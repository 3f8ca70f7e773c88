//! The visitor's package loads from whatever `Response` its loader hands it: the build trims the glue's
//! other ways in (`xtask/src/site.rs`, `GIVEN_WASM_TRIMS`), and what is left must still load the wasm from
//! a server that sends it without `application/wasm`, and still say why when it cannot.

use cobrowse_e2e::{visitor, Result, Stage};
use serde::Deserialize;

/// How the built glue's init answered each kind of response.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answers {
    /// A 404: the error's message.
    not_found: String,
    /// Not wasm, sent as `application/wasm`: the error's name.
    not_wasm: String,
    /// The real wasm sent as `text/plain`: whether the package's exports work.
    wrong_type_loads: bool,
    /// The real wasm sent as `application/wasm`.
    right_type_loads: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_visitor_package_loads_from_a_response_of_any_type_and_says_why_it_cannot() -> Result<()> {
    let stage = Stage::start().await?;
    let browser = stage.browser("visitor").await?;
    visitor::open(&browser, &stage.site.demo_url()).await?;
    let package = format!("{}/visitor/cobrowse_visitor", stage.relay.origin());
    let answers: Answers = browser.execute_async(INIT_WITH_EACH_RESPONSE, vec![package.into()]).await?;

    assert!(answers.not_found.contains("404"), "a 404 should be named in the error: {answers:?}");
    assert_eq!(answers.not_wasm, "CompileError", "bytes that are not wasm should fail to compile: {answers:?}");
    assert!(answers.wrong_type_loads, "the wasm sent as text/plain did not load from its bytes: {answers:?}");
    assert!(answers.right_type_loads, "the wasm sent as application/wasm did not load: {answers:?}");

    browser.close().await?;
    stage.shutdown().await;
    Ok(())
}

/// Imports the package once per case (a query string makes each import a module of its own, with its own
/// wasm) and inits it with a hand-made `Response`.
const INIT_WITH_EACH_RESPONSE: &str = r#"
const done = arguments[arguments.length - 1];
const package = arguments[0];
const init = async (name, response) => {
  const module = await import(package + '.js?case=' + name);
  const exports = await module.default({ module_or_path: response });
  return exports.memory instanceof WebAssembly.Memory && typeof module.start === 'function';
};
const failure = (promise) => promise.then(() => 'no error', (error) => error);
(async () => {
  const bytes = await (await fetch(package + '_bg.wasm')).arrayBuffer();
  const typed = (body, type) => new Response(body, { headers: { 'Content-Type': type } });
  const notFound = await failure(init('404', new Response(bytes, { status: 404 })));
  const notWasm = await failure(init('not-wasm', typed(new Uint8Array([1, 2, 3, 4]), 'application/wasm')));
  return {
    notFound: String(notFound.message || notFound),
    notWasm: String(notWasm.name || notWasm),
    wrongTypeLoads: await init('text', typed(bytes, 'text/plain')),
    rightTypeLoads: await init('wasm', typed(bytes, 'application/wasm')),
  };
})().then(done, (error) => done({ notFound: 'script failed: ' + error, notWasm: '', wrongTypeLoads: false, rightTypeLoads: false }));
"#;
