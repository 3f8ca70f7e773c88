// Installs window.taskMeters in the page, once: what the `tasks` section measures the main thread with.
// - start(): from now on, (a) a PerformanceObserver of `longtask` entries (buffered: false: only tasks
//   that begin after it, over 50 ms, as the browser reports them) and (b) a gap meter: a MessageChannel
//   ping-pong whose handler posts the next message at once, noting the longest time between two of its
//   handlers: that is the longest stretch of other work in between (a task, or back-to-back tasks with
//   nothing queued between them), and it gives figures under 50 ms too, which `longtask` cannot.
// - and (c), where the browser has it, a PerformanceObserver of `long-animation-frame` entries: where the
//   longest frame's time went (its scripts by invoker, their forced style and layout, the rest: style,
//   layout and paint of the frame, garbage collection, the browser's own work).
// - stop(): ends them; answers { longest_gap_ms, longest_task_ms (0 if none), longest_frame
//   (a line saying where the longest frame's time went, "" if none was over 50 ms) }.
// - sent(): the page's WebSocket sends since start(), from a wrapper of WebSocket.prototype.send:
//   { sends, snapshots (binary frames whose kind byte, the second, is snapshotKind), quiet_ms (since the
//   last send, or since start() if none), last_ms (the last send after start(), 0 if none) }.
// arguments: snapshotKind (the frame kind byte of a full snapshot). Answers { longtask_supported }.
var snapshotKind = arguments[0];
if (!window.taskMeters) {
  window.taskMeters = (function () {
    var sends = { count: 0, snapshots: 0, started: performance.now(), last: performance.now() };
    var running = null;

    function kindOf(data) {
      if (data instanceof ArrayBuffer) return data.byteLength > 1 ? new Uint8Array(data)[1] : null;
      if (ArrayBuffer.isView(data) && data.byteLength > 1) return new Uint8Array(data.buffer, data.byteOffset, 2)[1];
      return null;
    }

    var nativeSend = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
      sends.count += 1;
      if (kindOf(data) === snapshotKind) sends.snapshots += 1;
      sends.last = performance.now();
      return nativeSend.apply(this, arguments);
    };

    function gapMeter() {
      var channel = new MessageChannel();
      var meter = { longest: 0, last: performance.now(), on: true };
      channel.port1.onmessage = function () {
        var now = performance.now();
        meter.longest = Math.max(meter.longest, now - meter.last);
        meter.last = now;
        if (meter.on) channel.port2.postMessage(0);
      };
      channel.port2.postMessage(0);
      return function stop() {
        meter.on = false;
        channel.port1.close();
        return Math.max(meter.longest, performance.now() - meter.last);
      };
    }

    function longTaskObserver() {
      var durations = [];
      var observer = new PerformanceObserver(function (list) {
        list.getEntries().forEach(function (entry) { durations.push(entry.duration); });
      });
      observer.observe({ type: 'longtask', buffered: false });
      return function stop() {
        observer.takeRecords().forEach(function (entry) { durations.push(entry.duration); });
        observer.disconnect();
        return durations;
      };
    }

    function longFrameObserver() {
      var longest = null;
      var supported = (PerformanceObserver.supportedEntryTypes || []).indexOf('long-animation-frame') >= 0;
      if (!supported) return function stop() { return ''; };
      var observer = new PerformanceObserver(function (list) {
        list.getEntries().forEach(function (entry) { if (!longest || entry.duration > longest.duration) longest = entry; });
      });
      observer.observe({ type: 'long-animation-frame', buffered: false });
      return function stop() {
        observer.takeRecords().forEach(function (entry) { if (!longest || entry.duration > longest.duration) longest = entry; });
        observer.disconnect();
        if (!longest) return '';
        var scripts = 0;
        var parts = longest.scripts.map(function (script) {
          scripts += script.duration;
          var what = script.invoker || script.invokerType;
          return what + ' ' + script.duration.toFixed(0) + ' ms (forced style and layout ' +
            script.forcedStyleAndLayoutDuration.toFixed(0) + ' ms)';
        });
        var rendering = longest.styleAndLayoutStart ? longest.startTime + longest.duration - longest.styleAndLayoutStart : 0;
        return 'frame ' + longest.duration.toFixed(0) + ' ms: scripts ' + scripts.toFixed(0) + ' ms [' + parts.join('; ') +
          '], style and layout from ' + rendering.toFixed(0) + ' ms before its end, the rest ' +
          Math.max(0, longest.duration - scripts - rendering).toFixed(0) + ' ms (garbage collection, the browser)';
      };
    }

    return {
      start: function () {
        if (running) throw new Error('taskMeters.start(): the meters already run');
        sends.count = 0;
        sends.snapshots = 0;
        sends.started = sends.last = performance.now();
        running = { gaps: gapMeter(), longTasks: longTaskObserver(), longFrames: longFrameObserver() };
      },
      stop: function () {
        if (!running) throw new Error('taskMeters.stop(): the meters do not run');
        var longestGap = running.gaps();
        var durations = running.longTasks();
        var longestFrame = running.longFrames();
        running = null;
        return {
          longest_gap_ms: longestGap,
          longest_task_ms: durations.reduce(function (a, b) { return Math.max(a, b); }, 0),
          longest_frame: longestFrame,
        };
      },
      sent: function () {
        var now = performance.now();
        return { sends: sends.count, snapshots: sends.snapshots, quiet_ms: now - sends.last, last_ms: sends.last - sends.started };
      },
    };
  })();
}
return {
  longtask_supported: (PerformanceObserver.supportedEntryTypes || []).indexOf('longtask') >= 0,
};
