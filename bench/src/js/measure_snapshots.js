// (After rrweb_pack.js: fullSnapshotEvent() and pack(); and page_strings.js: pageStrings() and
// pageStringsDeflated().)
// Times full snapshots, ready to send, of the current document by both serializers, interleaved:
// - ours:  cobrowseBench.snapshot_frame_as_sent(hooks)  (serialize, mask, postcard, then the browser's deflate
//   as a session does it: the frame's bytes, ready to send, handed over as a view into the wasm's memory
//   as a session hands them to WebSocket.send; the deflate settles in microtasks);
// - rrweb: pack(full snapshot event)  (rrweb-snapshot's snapshot(document) in a full snapshot event,
//   packed as @rrweb/packer 2.1.6's pack() does it: the event with v: "v1", JSON text, UTF-8, zlib by
//   fflate, a binary string);
// and, timed the same way, two floors no serializer that reads the DOM can go under: `read`, a bare walk
// reading the page's strings (page_strings.js); `readDeflated`, the same strings deflated by the browser
// (under 4 KiB, the read alone).
// Each serializer first warms up (at least warmupRuns snapshots and WARMUP_MS). performance.now() is
// coarse (0.1 ms), so each sample is then a batch of snapshots lasting at least minBatchMs, divided by
// its count; finding the batch sizes warms both up more, and one more batch each follows.
// Rounds alternate which serializer goes first; they stop after maxRounds, or after budgetMs once
// minRounds are done. longest_ms: the longest single snapshot, from the batches of one snapshot (one
// snapshot_frame_as_sent() call, not a session: the `tasks` section measures a session's main-thread tasks).
// Ours answers a promise, so every timing awaits each snapshot (rrweb's too: awaiting a plain value costs a
// microtask).
// Answers { times_ms: { ours, rrweb }, batch: { ours, rrweb }, longest_ms: { ours, rrweb }, frame, json,
// packed_bytes } or { error }.
// arguments: budgetMs, minRounds, maxRounds, minBatchMs, warmupRuns, callback.
var done = arguments[arguments.length - 1];
var budgetMs = arguments[0], minRounds = arguments[1], maxRounds = arguments[2], minBatchMs = arguments[3];
var warmupRuns = arguments[4];
var MAX_BATCH = 4096;
// The payload under which the visitor deflates a snapshot with its own encoder, not the browser's
// (visitor-wasm/src/connection/browser_deflate.rs).
var SMALL_PAYLOAD_BYTES = 4096;
var WARMUP_MS = 100;

var serializers = {
  ours: function () {
    return new Promise(function (resolve) { window.cobrowseBench.snapshot_frame_as_sent(window.cobrowseHooks, resolve); });
  },
  rrweb: function () { return pack(fullSnapshotEvent()); },
  read: function () { return pageStrings().length; },
  readDeflated: function () { return pageStringsDeflated(SMALL_PAYLOAD_BYTES); },
};
var names = Object.keys(serializers);

// Our frame's bytes, kept: the callback gets a view into the wasm's memory (as a session's WebSocket.send
// does), valid only during the call.
function oursCopied() {
  return new Promise(function (resolve) {
    window.cobrowseBench.snapshot_frame_as_sent(window.cobrowseHooks, function (frame) { resolve(Array.from(frame)); });
  });
}
var longest = {};

async function timeRuns(serialize, count) {
  var start = performance.now();
  for (var i = 0; i < count; i++) await serialize();
  return performance.now() - start;
}

// timeRuns, noting the longest single snapshot of each serializer.
async function timeNamed(name, count) {
  var took = await timeRuns(serializers[name], count);
  if (count === 1) longest[name] = Math.max(longest[name], took);
  return took;
}

async function warmUp(serialize) {
  var start = performance.now();
  for (var runs = 0; runs < MAX_BATCH && (runs < warmupRuns || performance.now() - start < WARMUP_MS); runs++) {
    await serialize();
  }
}

// The fastest of three timings: a pause (GC, another process) only ever makes one slower.
async function fastestOfThree(serialize, count) {
  var times = [];
  for (var i = 0; i < 3; i++) times.push(await timeRuns(serialize, count));
  return Math.min.apply(Math, times);
}

async function batchSize(serialize) {
  // A snapshot that alone lasts a batch is timed one by one (the largest pages).
  if ((await timeRuns(serialize, 1)) >= minBatchMs) return 1;
  var count = 1;
  while (count < MAX_BATCH && (await fastestOfThree(serialize, count)) < minBatchMs) count *= 2;
  return count;
}

// A task of its own for each round, as a page would give.
function nextTask() { return new Promise(function (resolve) { setTimeout(resolve, 0); }); }

async function measure() {
  var batch = {}, times = {};
  for (var n = 0; n < names.length; n++) await warmUp(serializers[names[n]]);
  for (n = 0; n < names.length; n++) batch[names[n]] = await batchSize(serializers[names[n]]);
  for (n = 0; n < names.length; n++) {
    await timeRuns(serializers[names[n]], batch[names[n]]);
    times[names[n]] = [];
    longest[names[n]] = 0;
  }
  var started = performance.now();
  for (var round = 0; ; ) {
    await nextTask();
    var order = round % 2 === 0 ? names : names.slice().reverse();
    for (var i = 0; i < order.length; i++) {
      times[order[i]].push((await timeNamed(order[i], batch[order[i]])) / batch[order[i]]);
    }
    round += 1;
    if (!(round < maxRounds && (round < minRounds || performance.now() - started < budgetMs))) break;
  }
  return {
    times_ms: times,
    batch: batch,
    longest_ms: longest,
    frame: await oursCopied(),
    json: JSON.stringify(window.rrwebSnapshot.snapshot(document)),
    packed_bytes: serializers.rrweb().length,
  };
}

measure().then(done, function (error) { done({ error: String((error && error.stack) || error) }); });
