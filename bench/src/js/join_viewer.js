// In the agent's viewer page, loaded and ready, for a late join: stamps the join (the sign-in form
// submitted, with the session's key), then what reached the mirror after it, and submits the form.
// Wall-clock ms (performance.timeOrigin + performance.now()) in window.joinBench:
// - joined: just before the form is submitted;
// - firstFrame: the session's snapshot frame (binary, header byte 1 = 1) at the page, before the viewer
//   handles it (a wrapper of the page's WebSocket adds the first 'message' listener, as viewer_frames.js);
// - first: the viewer has applied its first frame (the snapshot: the page's first part in the mirror),
//   from a setter on `window.cobrowseViewer.framesApplied`, which the viewer publishes after every message;
//   firstShown: the viewer's next animation frame after it has rendered (a message posted from the
//   animation callback runs once that frame's style, layout and paint are done);
// - whole: the viewer has applied `frames` frames (the snapshot and each of its later parts) and the
//   mirror's document holds the end marker; wholeShown: the next animation frame after it has rendered.
// Answers { ready: true } or { error }.
// arguments: the end marker's id, agent name, password, session key, frames the page's snapshot takes.
var markerId = arguments[0], name = arguments[1], password = arguments[2], key = arguments[3];
var frames = arguments[4];
function now() { return performance.timeOrigin + performance.now(); }

var bench = window.joinBench = {
  joined: null, firstFrame: null, first: null, firstShown: null, whole: null, wholeShown: null, applied: 0
};

function afterRender(stamp) {
  requestAnimationFrame(function () {
    var channel = new MessageChannel();
    channel.port1.onmessage = function () { bench[stamp] = now(); };
    channel.port2.postMessage(null);
  });
}

var mirror = document.getElementById('cobrowse-mirror');
function look(at) {
  if (bench.first === null && bench.applied >= 1) (bench.first = at), afterRender('firstShown');
  if (bench.whole !== null || bench.applied < frames) return;
  var doc = mirror.contentDocument;
  if (doc && doc.getElementById(markerId)) (bench.whole = at), afterRender('wholeShown');
}

var NativeWebSocket = window.WebSocket;
function StampingWebSocket(url, protocols) {
  var socket = protocols === undefined ? new NativeWebSocket(url) : new NativeWebSocket(url, protocols);
  socket.addEventListener('message', function (event) {
    var data = event.data;
    var kind = data instanceof ArrayBuffer && data.byteLength >= 2 ? new Uint8Array(data)[1] : 0;
    if (kind === 1 && bench.firstFrame === null) bench.firstFrame = now();
  });
  return socket;
}
StampingWebSocket.prototype = NativeWebSocket.prototype;
['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach(function (state) { StampingWebSocket[state] = NativeWebSocket[state]; });

var viewer = window.cobrowseViewer;
if (!mirror) return { error: 'the viewer page has no #cobrowse-mirror' };
if (!viewer) return { error: 'the viewer publishes no window.cobrowseViewer' };
window.WebSocket = StampingWebSocket;
var applied = viewer.framesApplied;
Object.defineProperty(viewer, 'framesApplied', {
  configurable: true,
  enumerable: true,
  get: function () { return applied; },
  set: function (value) { applied = value; bench.applied = value; look(now()); }
});
// The marker may come after the count (it should not): look again now and then.
setInterval(function () { look(now()); }, 20);

document.getElementById('agent-name').value = name;
document.getElementById('agent-password').value = password;
document.getElementById('session-key').value = key;
bench.joined = now();
document.getElementById('join-form').requestSubmit();
return { ready: true };
