// Times full snapshots, ready to send, of the current document by both serializers, interleaved:
// - ours:  cobrowseBench.snapshot_frame()  (serialize, postcard, deflate: the frame's bytes);
// - rrweb: JSON.stringify(rrwebSnapshot.snapshot(document))  (serialize, then the JSON text).
// Each serializer first warms up (at least WARMUP_RUNS snapshots and WARMUP_MS). performance.now() is
// coarse (0.1 ms), so each sample is then a batch of snapshots lasting at least minBatchMs, divided by
// its count; finding the batch sizes warms both up more, and one more batch each follows.
// Rounds alternate which serializer goes first; they stop after maxRounds, or after budgetMs once
// minRounds are done. Answers { times_ms: { ours, rrweb }, batch: { ours, rrweb }, frame, json } or
// { error }.
// arguments: budgetMs, minRounds, maxRounds, minBatchMs, callback.
var done = arguments[arguments.length - 1];
var budgetMs = arguments[0], minRounds = arguments[1], maxRounds = arguments[2], minBatchMs = arguments[3];
var MAX_BATCH = 4096;
var WARMUP_RUNS = 3;
var WARMUP_MS = 100;

var serializers = {
  ours: function () { return window.cobrowseBench.snapshot_frame(); },
  rrweb: function () { return JSON.stringify(window.rrwebSnapshot.snapshot(document)); },
};

function timeRuns(serialize, count) {
  var start = performance.now();
  for (var i = 0; i < count; i++) serialize();
  return performance.now() - start;
}

function warmUp(serialize) {
  var start = performance.now();
  for (var runs = 0; runs < MAX_BATCH && (runs < WARMUP_RUNS || performance.now() - start < WARMUP_MS); runs++) {
    serialize();
  }
}

// The fastest of three timings: a pause (GC, another process) only ever makes one slower.
function fastestOfThree(serialize, count) {
  return Math.min(timeRuns(serialize, count), timeRuns(serialize, count), timeRuns(serialize, count));
}

function batchSize(serialize) {
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
        times[name].push(timeRuns(serializers[name], batch[name]) / batch[name]);
      });
      round += 1;
      var more = round < maxRounds && (round < minRounds || performance.now() - started < budgetMs);
      if (more) {
        setTimeout(nextRound, 0);
      } else {
        done({ times_ms: times, batch: batch, frame: Array.from(serializers.ours()), json: serializers.rrweb() });
      }
    } catch (error) { fail(error); }
  };
  setTimeout(nextRound, 0);
} catch (error) { fail(error); }
