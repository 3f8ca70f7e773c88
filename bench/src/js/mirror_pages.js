// In the agent's viewer: records when each of the visitor's pages reaches the mirror. A page is told by
// the `bench` query parameter of its URL, which the mirror carries in the viewer's own
// `<base data-cobrowse-viewer href=VISITOR_URL>`. The viewer publishes `window.cobrowseViewer.framesApplied`
// right after each frame (a snapshot, a part of one, a delta) is in the mirror; a setter on it stamps that
// (`applied`), and when the viewer's next frame after it has rendered (`appliedShown`: a message posted
// from the next animation frame's callback runs once that frame's style, layout and paint are done on the
// viewer's main thread), and looks at the mirror at once (a 50 ms poll looks too, in case the counter is
// published otherwise). `first[seq]`: the mirror's document holds the page's first part (its snapshot,
// which may be sliced), built and attached; `arrivals[seq]`: it holds the empty marker element every bench
// page ends with. A sliced snapshot's parts need not come in document order, so the marker only says the
// page is arriving: the section finds the whole page from the parts (see page_change.rs). Wall-clock ms
// (performance.timeOrigin + performance.now()). Keeps the `frames` and `parts` stamped by
// viewer_frames.js. State: window.pageBench. Answers { ready: true } or { error }.
// arguments: the end marker's id, callback.
var markerId = arguments[0];
var done = arguments[arguments.length - 1];
function now() { return performance.timeOrigin + performance.now(); }

var bench = window.pageBench = window.pageBench || {};
bench.first = {};
bench.arrivals = {};
bench.applied = [];
bench.appliedShown = [];
bench.frames = bench.frames || [];
bench.parts = bench.parts || [];
var mirror = document.getElementById('cobrowse-mirror');

function look() {
  var doc = mirror && mirror.contentDocument;
  var base = doc && doc.querySelector('base[data-cobrowse-viewer]');
  var match = base && /[?&]bench=(\d+)/.exec(base.getAttribute('href') || '');
  if (!match || match[1] in bench.arrivals) return;
  var seq = match[1];
  if (!(seq in bench.first)) bench.first[seq] = now();
  if (doc.getElementById(markerId)) bench.arrivals[seq] = now();
}

function stampApplied() {
  var index = bench.applied.push(now()) - 1;
  requestAnimationFrame(function () {
    var channel = new MessageChannel();
    channel.port1.onmessage = function () { bench.appliedShown[index] = now(); };
    channel.port2.postMessage(null);
  });
}

var viewer = window.cobrowseViewer;
if (!mirror) {
  done({ error: 'the viewer page has no #cobrowse-mirror' });
} else if (!viewer) {
  done({ error: 'the viewer publishes no window.cobrowseViewer' });
} else {
  var applied = viewer.framesApplied;
  Object.defineProperty(viewer, 'framesApplied', {
    configurable: true,
    enumerable: true,
    get: function () { return applied; },
    set: function (value) { applied = value; stampApplied(); look(); }
  });
  setInterval(look, 50);
  look();
  done({ ready: true });
}
