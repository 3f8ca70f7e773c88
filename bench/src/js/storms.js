// Installs window.storms in the page, once: the `storms` section's four mutation storms (issue 13, target 4),
// the recorders they are measured under, and a meter of what the page sends.
// - prepare(storm): builds what the storm changes, in #storm-stage (not measured).
// - record(recorder): starts "none" (nothing), "rrweb" (rrweb.record, each event packed as @rrweb/packer
//   does it: rrweb_pack.js's pack(), prepended), "ours" (window.Cobrowse.start(), the shim's session) or
//   "observer" (the floor: a bare MutationObserver with our recorder's options, reading each record's
//   type, target and attribute name, sending nothing); answers a promise.
// - run(storm): the storm, in one task of its own; answers a promise of { storm_ms (the storm's own
//   code), bytes (what the recorder sent or emitted from the storm's start until quiet), quiet_after_ms
//   (from the storm's start to the recorder's last output) }, once the recorder has been quiet for
//   QUIET_MS.
// - quietMs(): how long since the recorder last sent or emitted (or since the page started it); bytes():
//   how many it sent or emitted in all.
// arguments: callback. Answers { ready: true } or { error }.
var done = arguments[arguments.length - 1];

var QUIET_MS = 300;
var OUTPUT_TIMEOUT_MS = 10000;

if (!window.storms) {
  window.storms = (function () {
    var output = { bytes: 0, last: performance.now(), recorder: 'none' };
    var nativeSend = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
      output.bytes += typeof data === 'string' ? data.length : data.byteLength;
      output.last = performance.now();
      return nativeSend.apply(this, arguments);
    };

    function stage() {
      var existing = document.getElementById('storm-stage');
      if (existing) return existing;
      var created = document.createElement('div');
      created.id = 'storm-stage';
      document.body.appendChild(created);
      return created;
    }

    function elements(count, make) {
      var made = [];
      for (var i = 0; i < count; i += 1) made.push(make(i));
      return made;
    }

    function subtree(i) {
      var root = document.createElement('div');
      root.className = 'card';
      for (var j = 0; j < 9; j += 1) {
        var part = document.createElement(j % 3 === 0 ? 'p' : 'span');
        part.textContent = 'item ' + i + ' part ' + j;
        root.appendChild(part);
      }
      return root;
    }

    function row(i, label) {
      var tr = document.createElement('tr');
      ['#' + i, label + ' ' + i, String((i * 37) % 1000)].forEach(function (text) {
        var td = document.createElement('td');
        td.textContent = text;
        tr.appendChild(td);
      });
      return tr;
    }

    // Each storm: how many changes it makes, what it needs first, and the storm itself.
    var kinds = {
      added: {
        prepare: function () {},
        run: function () {
          var into = stage();
          elements(1000, subtree).forEach(function (node) { into.appendChild(node); });
        },
      },
      attributes: {
        prepare: function () {
          var into = stage();
          elements(1000, function () { return document.createElement('div'); })
            .forEach(function (node) { into.appendChild(node); });
        },
        run: function () {
          var nodes = stage().children;
          for (var step = 0; step < 10; step += 1) {
            for (var i = 0; i < nodes.length; i += 1) nodes[i].setAttribute('data-step', String(step));
          }
        },
      },
      text: {
        prepare: function () {
          var into = stage();
          elements(1000, function (i) {
            var span = document.createElement('span');
            span.textContent = 'before ' + i;
            return span;
          }).forEach(function (node) { into.appendChild(node); });
        },
        run: function () {
          var nodes = stage().children;
          for (var i = 0; i < nodes.length; i += 1) nodes[i].firstChild.data = 'after ' + i;
        },
      },
      table: {
        prepare: function () {
          var table = document.createElement('table');
          var body = document.createElement('tbody');
          elements(10000, function (i) { return row(i, 'before'); }).forEach(function (tr) { body.appendChild(tr); });
          table.appendChild(body);
          stage().appendChild(table);
        },
        run: function () {
          var body = stage().querySelector('tbody');
          body.replaceChildren.apply(body, elements(10000, function (i) { return row(i, 'after'); }));
        },
      },
    };

    function record(recorder) {
      output.last = performance.now();
      output.recorder = recorder;
      if (recorder === 'none') return Promise.resolve();
      if (recorder === 'observer') {
        new MutationObserver(function (records) {
          var read = 0;
          for (var i = 0; i < records.length; i += 1) {
            var record = records[i];
            if (record.type && record.target && record.attributeName !== undefined) read += 1;
          }
          output.read = read;
          output.last = performance.now();
        }).observe(document, {
          childList: true, attributes: true, attributeOldValue: true, characterData: true, subtree: true,
        });
        return Promise.resolve();
      }
      if (recorder === 'rrweb') {
        window.rrweb.record({
          emit: function (event) {
            output.bytes += pack(event).length;
            output.last = performance.now();
          },
        });
        return Promise.resolve();
      }
      return Promise.resolve().then(function () { return window.Cobrowse.start(); });
    }

    // Quiet: nothing sent or emitted for QUIET_MS, and (but with no recorder) something since `start`, or
    // OUTPUT_TIMEOUT_MS past it.
    function whenQuiet(start, resolve) {
      var now = performance.now();
      var quiet = now - output.last;
      var answered = output.recorder === 'none' || output.last > start || now - start > OUTPUT_TIMEOUT_MS;
      if (answered && quiet >= QUIET_MS) {
        resolve(Math.max(0, output.last - start));
      } else {
        setTimeout(function () { whenQuiet(start, resolve); }, Math.max(20, QUIET_MS - quiet + 5));
      }
    }

    function run(storm) {
      return new Promise(function (resolve, reject) {
        setTimeout(function () {
          try {
            var bytesBefore = output.bytes;
            var start = performance.now();
            output.last = start;
            kinds[storm].run();
            var stormMs = performance.now() - start;
            whenQuiet(start, function (quietAfter) {
              resolve({ storm_ms: stormMs, bytes: output.bytes - bytesBefore, quiet_after_ms: quietAfter });
            });
          } catch (error) { reject(error); }
        }, 0);
      });
    }

    return {
      prepare: function (storm) { kinds[storm].prepare(); },
      record: record,
      run: run,
      quietMs: function () { return performance.now() - output.last; },
      bytes: function () { return output.bytes; },
    };
  })();
}
done({ ready: true });
