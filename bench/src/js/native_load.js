// The floor of a late agent's join: the agent's browser building and showing the visitor's page from its
// markup with its own HTML parser, natively, with no script of ours or the page's. On a fresh blank page:
// a frame sandboxed as the viewer's mirror is (no scripts; same origin, so its document can be read) is
// given the page's markup as `srcdoc`. Stamped (wall-clock ms, performance.timeOrigin + performance.now()):
// `start` before the markup is set; `whole` at the frame's load event, its document holding the end
// marker; `shown` when the next animation frame after it has rendered (a message posted from its
// callback), as the `join` section stamps ours and rrweb's. Answers { start, whole, shown } or { error }.
// arguments: the markup, the end marker's id, timeout in ms, callback.
var done = arguments[arguments.length - 1];
var markup = arguments[0], markerId = arguments[1], timeoutMs = arguments[2];
function now() { return performance.timeOrigin + performance.now(); }

var frame = document.createElement('iframe');
frame.setAttribute('sandbox', 'allow-same-origin');
frame.style.cssText = 'display: block; width: 100%; height: 100vh; border: 0';
var times = { start: null, whole: null, shown: null };
frame.addEventListener('load', function () {
  var doc = frame.contentDocument;
  if (!doc || !doc.getElementById(markerId)) return done({ error: 'the frame\'s document has no #' + markerId });
  times.whole = now();
  requestAnimationFrame(function () {
    var channel = new MessageChannel();
    channel.port1.onmessage = function () { times.shown = now(); done(times); };
    channel.port2.postMessage(null);
  });
});
setTimeout(function () {
  if (times.whole === null) done({ error: 'the frame did not load the page within ' + timeoutMs + ' ms' });
}, timeoutMs);
// The markup is set before the frame is inserted: inserted first, it would load an empty document first.
times.start = now();
frame.srcdoc = markup;
document.body.appendChild(frame);
