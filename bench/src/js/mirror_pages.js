// In the agent's viewer: records when each of the visitor's pages reaches the mirror. A page is told by
// the `bench` query parameter of its URL, which the mirror carries in the viewer's own
// `<base data-cobrowse-viewer href=VISITOR_URL>`. The viewer publishes `window.cobrowseViewer.snapshots`
// right after a snapshot is in the mirror; a setter on it looks at once (a 4 ms poll looks too, in case
// the counter is published otherwise). `arrivals[seq]`: the mirror's document holds the page, built and
// attached (the clock stops there); `shown[seq]`: the frame after that rendered (a message posted from
// the next animation frame's callback runs once that frame's style, layout and paint are done on the
// viewer's main thread). Wall-clock ms (performance.timeOrigin + performance.now()). Keeps the `frames`
// stamped by viewer_frames.js. State: window.pageBench. Answers { ready: true } or { error }.
// arguments: callback.
var done = arguments[arguments.length - 1];
function now() { return performance.timeOrigin + performance.now(); }

var bench = window.pageBench = window.pageBench || {};
bench.arrivals = {};
bench.shown = {};
bench.frames = bench.frames || [];
var mirror = document.getElementById('cobrowse-mirror');

function look() {
  var doc = mirror && mirror.contentDocument;
  var base = doc && doc.querySelector('base[data-cobrowse-viewer]');
  var match = base && /[?&]bench=(\d+)/.exec(base.getAttribute('href') || '');
  if (!match || match[1] in bench.arrivals) return;
  var seq = match[1];
  bench.arrivals[seq] = now();
  requestAnimationFrame(function () {
    var channel = new MessageChannel();
    channel.port1.onmessage = function () { bench.shown[seq] = now(); };
    channel.port2.postMessage(null);
  });
}

var viewer = window.cobrowseViewer;
if (!mirror) {
  done({ error: 'the viewer page has no #cobrowse-mirror' });
} else if (!viewer) {
  done({ error: 'the viewer publishes no window.cobrowseViewer' });
} else {
  var snapshots = viewer.snapshots;
  Object.defineProperty(viewer, 'snapshots', {
    configurable: true,
    enumerable: true,
    get: function () { return snapshots; },
    set: function (value) { snapshots = value; look(); }
  });
  setInterval(look, 4);
  look();
  done({ ready: true });
}
