// (After rrweb_pack.js: fullSnapshotEvent() and pack().)
// Times full snapshots, ready to send, of the current document by both serializers, interleaved:
// - ours:  cobrowseBench.snapshot_frame()  (serialize, mask, postcard, deflate: the frame's bytes);
// - rrweb: pack(full snapshot event)  (rrweb-snapshot's snapshot(document) in a full snapshot event,
//   packed as @rrweb/packer 2.1.6's pack() does it: the event with v: "v1", JSON text, UTF-8, zlib by
//   fflate, a binary string).
// Each serializer first warms up (at least warmupRuns snapshots and WARMUP_MS). performance.now() is
// coarse (0.1 ms), so each sample is then a batch of snapshots lasting at least minBatchMs, divided by
// its count; finding the batch sizes warms both up more, and one more batch each follows.
// Rounds alternate which serializer goes first; they stop after maxRounds, or after budgetMs once
// minRounds are done. longest_ms: the longest single snapshot, from the batches of one snapshot (one
// snapshot_frame() call, not a session: the `tasks` section measures a session's main-thread tasks).
// Answers { times_ms: { ours, rrweb }, batch: { ours, rrweb }, longest_ms: { ours, rrweb }, frame, json,
// packed_bytes } or { error }.
// arguments: budgetMs, minRounds, maxRounds, minBatchMs, warmupRuns, callback.
var done = arguments[arguments.length - 1];
var budgetMs = arguments[0], minRounds = arguments[1], maxRounds = arguments[2], minBatchMs = arguments[3];
var warmupRuns = arguments[4];
var MAX_BATCH = 4096;
var WARMUP_MS = 100;

var serializers = {
  ours: function () { return window.cobrowseBench.snapshot_frame(); },
  rrweb: function () { return pack(fullSnapshotEvent()); },
};
var longest = { ours: 0, rrweb: 0 };

function timeRuns(serialize, count) {
  var start = performance.now();
  for (var i = 0; i < count; i++) serialize();
  return performance.now() - start;
}

// timeRuns, noting the longest single snapshot of each serializer.
function timeNamed(name, count) {
  var took = timeRuns(serializers[name], count);
  if (count === 1) longest[name] = Math.max(longest[name], took);
  return took;
}

function warmUp(serialize) {
  var start = performance.now();
  for (var runs = 0; runs < MAX_BATCH && (runs < warmupRuns || performance.now() - start < WARMUP_MS); runs++) {
    serialize();
  }
}

// The fastest of three timings: a pause (GC, another process) only ever makes one slower.
function fastestOfThree(serialize, count) {
  return Math.min(timeRuns(serialize, count), timeRuns(serialize, count), timeRuns(serialize, count));
}

function batchSize(serialize) {
  // A snapshot that alone lasts a batch is timed one by one (the largest pages).
  if (timeRuns(serialize, 1) >= minBatchMs) return 1;
  var count = 1;
  while (count < MAX_BATCH && fastestOfThree(serialize, count) < minBatchMs) count *= 2;
  return count;
}

function fail(error) { done({ error: String((error && error.stack) || error) }); }

try {
  warmUp(serializers.ours);
  warmUp(serializers.rrweb);
  var batch = { ours: batchSize(serializers.ours), rrweb: batchSize(serializers.rrweb) };
  timeRuns(serializers.ours, batch.ours);
  timeRuns(serializers.rrweb, batch.rrweb);
  var times = { ours: [], rrweb: [] };
  var started = performance.now();
  var round = 0;
  var nextRound = function () {
    try {
      var order = round % 2 === 0 ? ['ours', 'rrweb'] : ['rrweb', 'ours'];
      order.forEach(function (name) {
        times[name].push(timeNamed(name, batch[name]) / batch[name]);
      });
      round += 1;
      var more = round < maxRounds && (round < minRounds || performance.now() - started < budgetMs);
      if (more) {
        setTimeout(nextRound, 0);
      } else {
        done({
          times_ms: times,
          batch: batch,
          longest_ms: longest,
          frame: Array.from(serializers.ours()),
          json: JSON.stringify(window.rrwebSnapshot.snapshot(document)),
          packed_bytes: serializers.rrweb().length,
        });
      }
    } catch (error) { fail(error); }
  };
  setTimeout(nextRound, 0);
} catch (error) { fail(error); }
