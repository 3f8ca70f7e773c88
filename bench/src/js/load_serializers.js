// Loads both serializers into the page under test, leaving no element behind in the document they
// serialize: rrweb-snapshot and fflate, what @rrweb/packer packs with (classic scripts defining
// window.rrwebSnapshot and window.fflate; their <script>s are removed once run) and the visitor module (imported;
// window.cobrowseBench is its exports; left out when its URL is null) with the hooks a session's start() is
// given (window.cobrowseHooks: the shim's www/shim/hooks.js, imported, and the set of scrolled elements the
// shim gives on a page nobody scrolled, its tag in the head: empty, see www/shim/scrolls.js). Stops the demo
// shop's timers so the page holds still. Answers { elements } or { error }.
// (After classic_script.js.) arguments: rrweb-snapshot URL, visitor module URL, visitor wasm URL, fflate URL,
// shim hooks module URL, callback.
var done = arguments[arguments.length - 1];
var rrwebUrl = arguments[0], moduleUrl = arguments[1], wasmUrl = arguments[2], fflateUrl = arguments[3];
var hooksUrl = arguments[4];

function loadVisitorModule() {
  if (moduleUrl === null) return Promise.resolve();
  return Promise.all([import(moduleUrl), import(hooksUrl)]).then(function (modules) {
    window.cobrowseHooks = Object.assign({}, modules[1].hooks, { scrolled: new WeakSet() });
    return modules[0].default({ module_or_path: fetch(wasmUrl) }).then(function () { window.cobrowseBench = modules[0]; });
  });
}

if (window.demoShop) window.demoShop.pause();
loadClassicScript(rrwebUrl)
  .then(function () { return loadClassicScript(fflateUrl); })
  .then(loadVisitorModule)
  .then(function () {
    if (!window.rrwebSnapshot || typeof window.rrwebSnapshot.snapshot !== 'function') {
      throw new Error('rrweb-snapshot did not define window.rrwebSnapshot.snapshot');
    }
    if (!window.fflate || typeof window.fflate.zlibSync !== 'function') {
      throw new Error('fflate did not define window.fflate.zlibSync');
    }
    done({ elements: document.getElementsByTagName('*').length });
  })
  .catch(function (error) { done({ error: String((error && error.stack) || error) }); });
