// (After classic_script.js.) On a fresh, blank agent-side page: loads rrweb (its replayer), then, timed,
// does what the agent's side of an rrweb-based live cobrowse does with a late agent's first events:
// `new rrweb.Replayer([], { liveMode: true })`, `startLive()`, `addEvent` of each event. The baseline
// time given to `startLive` is now, so every event is older and the replayer applies each as it is added
// (in a microtask), with no buffering delay: rrweb's fastest. Stamped (wall-clock ms, performance.timeOrigin
// + performance.now()): `start` before the Replayer is made; `whole` when the replayer's iframe document
// holds the end marker (looked at when the replayer says it rebuilt a full snapshot, and every animation
// frame); `shown` when the next animation frame after it has rendered (a message posted from its callback).
// The events' JSON.parse is timed apart (`parseMs`), before `start`. Answers { start, whole, shown,
// parseMs } or { error }.
// arguments: rrweb URL, the events as JSON, the end marker's id, timeout in ms, callback.
var done = arguments[arguments.length - 1];
var recorderUrl = arguments[0], json = arguments[1], markerId = arguments[2], timeoutMs = arguments[3];
function now() { return performance.timeOrigin + performance.now(); }
function fail(error) { done({ error: String((error && error.stack) || error) }); }

function replay() {
  var parsing = now();
  var events = JSON.parse(json);
  var times = { start: now(), whole: null, shown: null };
  times.parseMs = times.start - parsing;
  var replayer = new window.rrweb.Replayer([], { root: document.body, liveMode: true });
  function look() {
    if (times.whole !== null) return;
    var doc = replayer.iframe && replayer.iframe.contentDocument;
    if (!doc || !doc.getElementById(markerId)) return;
    times.whole = now();
    requestAnimationFrame(function () {
      var channel = new MessageChannel();
      channel.port1.onmessage = function () { times.shown = now(); done(times); };
      channel.port2.postMessage(null);
    });
  }
  replayer.on('fullsnapshot-rebuilded', look);
  replayer.startLive(Date.now());
  events.forEach(function (event) { replayer.addEvent(event); });
  (function poll() {
    look();
    if (times.whole === null && now() - times.start < timeoutMs) requestAnimationFrame(poll);
    else if (times.whole === null) done({ error: 'the replayer\'s document never held #' + markerId });
  })();
}

loadClassicScript(recorderUrl).then(function () {
  if (!window.rrweb || !window.rrweb.Replayer) return done({ error: 'rrweb did not define window.rrweb.Replayer' });
  try { replay(); } catch (error) { fail(error); }
}).catch(fail);
