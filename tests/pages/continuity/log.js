// What happens to this tab's cobrowse session, kept in sessionStorage ("continuity.log") so that a test can
// read the events of pages that are gone: every pageshow (and whether the page came from the back/forward
// cache) and every event the shim emits. Loaded before the shim: it catches `window.Cobrowse` being set
// and subscribes at once, so no event of the page's first moments is missed.
(function () {
  "use strict";
  var ITEM = "continuity.log";
  var EVENTS = ["started", "resumed", "navigating", "reconnecting", "ended", "error", "agentjoined", "agentleft"];

  function read() {
    try {
      return JSON.parse(sessionStorage.getItem(ITEM) || "[]");
    } catch (error) {
      return [];
    }
  }

  // Only what a test needs: never the whole detail (a detail might one day carry a secret).
  function summary(detail) {
    if (!detail || typeof detail !== "object") return detail === undefined ? null : String(detail);
    var kept = {};
    ["key", "reason", "code", "navigating", "agents", "name", "persisted"].forEach(function (name) {
      if (name in detail) kept[name] = detail[name];
    });
    return kept;
  }

  function record(kind, detail) {
    var log = read();
    log.push({ kind: kind, page: location.pathname + location.search + location.hash, detail: summary(detail), at: Date.now() });
    sessionStorage.setItem(ITEM, JSON.stringify(log));
  }

  window.continuityLog = { read: read, record: record };

  addEventListener("pageshow", function (event) {
    window.cameFromBackForwardCache = event.persisted;
    record("pageshow", { persisted: event.persisted });
  });

  var cobrowse;
  Object.defineProperty(window, "Cobrowse", {
    configurable: true,
    get: function () {
      return cobrowse;
    },
    set: function (value) {
      cobrowse = value;
      EVENTS.forEach(function (name) {
        value.on(name, function (detail) {
          record(name, detail);
        });
      });
    },
  });
})();
