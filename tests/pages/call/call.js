// The support-call test pages' own behaviour, as a site's scripts would have it (no inline script: these
// pages are served with a strict CSP under /strict/). What a test reads is in window.callPage:
// - violations: every CSP violation the page saw ({ directive, blocked });
// - clicks: the counter button's clicks, with whether each was trusted (a real click) or dispatched;
// - cityState: the value a framework-like `input` listener keeps (React-style state), shown in #city-state;
// - submitted: whether the form's submit event fired (the page stays, the event is cancelled).
(function () {
  "use strict";
  var page = (window.callPage = { violations: [], clicks: [], cityState: "", submitted: 0, handled: [] });
  document.addEventListener("securitypolicyviolation", function (event) {
    page.violations.push({ directive: event.violatedDirective, blocked: String(event.blockedURI) });
  });
  document.addEventListener("DOMContentLoaded", function () {
    var counter = document.getElementById("counter");
    counter.addEventListener("click", function (event) {
      page.clicks.push({ trusted: event.isTrusted, at: performance.timeOrigin + performance.now() });
      counter.textContent = "Clicked " + page.clicks.length + " times";
    });
    var city = document.getElementById("city");
    if (city) {
      city.addEventListener("input", function (event) {
        page.cityState = event.target.value;
        document.getElementById("city-state").textContent = page.cityState || "(empty)";
      });
    }
    var order = document.getElementById("order");
    if (order) {
      order.addEventListener("submit", function (event) {
        page.submitted += 1;
        event.preventDefault();
      });
    }
  });
})();
