// The demo shop's own behaviour: a live clock, a rotating promo banner, a "people viewing" counter and an
// order total that follows the shipping choices. None of it knows about cobrowsing; it is here so the page
// changes by itself the way real shops do, which the mirror has to follow.
(function () {
  "use strict";

  var PROMOS = [
    "Free returns for 60 days on every order",
    "Members save 10% — create an account below",
    "Order before 2 pm for next-day express delivery",
    "Every jacket is repairable: ask us about lifetime repairs"
  ];
  var GIFT_WRAP = 3.0;

  function byId(id) {
    return document.getElementById(id);
  }

  function pounds(amount) {
    return "£" + amount.toFixed(2);
  }

  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function tickClock() {
    var clock = byId("live-clock");
    var now = new Date();
    clock.textContent = two(now.getHours()) + ":" + two(now.getMinutes()) + ":" + two(now.getSeconds());
    clock.setAttribute("datetime", now.toISOString());
  }

  function rotatePromo(state) {
    state.promo = (state.promo + 1) % PROMOS.length;
    var text = byId("promo-text");
    text.textContent = PROMOS[state.promo];
    byId("promo-banner").setAttribute("data-promo", String(state.promo));
  }

  function wanderViewers(state) {
    var step = Math.floor(Math.random() * 5) - 2;
    state.viewers = Math.min(40, Math.max(3, state.viewers + step));
    byId("viewers-count").textContent = String(state.viewers);
  }

  function updateTotals() {
    var subtotal = parseFloat(byId("subtotal").getAttribute("data-amount"));
    var method = byId("shipping-method");
    var shipping = parseFloat(method.options[method.selectedIndex].getAttribute("data-price"));
    var gift = byId("gift-wrap").checked;
    byId("shipping-cost").textContent = shipping === 0 ? "Free" : pounds(shipping);
    byId("gift-row").hidden = !gift;
    byId("total").textContent = pounds(subtotal + shipping + (gift ? GIFT_WRAP : 0));
  }

  function placeOrder(event) {
    event.preventDefault();
    var message = byId("order-message");
    var name = byId("full-name").value.trim();
    message.hidden = false;
    if (!name || !byId("email").value.trim()) {
      message.className = "order-message error";
      message.textContent = "Please fill in your name and email so we can confirm your order.";
      return;
    }
    message.className = "order-message ok";
    message.textContent = "Thanks, " + name + "! This is a demo shop, so nothing was charged.";
  }

  // Timers the page runs by itself. `demoShop.pause()` stops them (handy when you want a still page).
  function startTimers(state) {
    return [
      setInterval(tickClock, 1000),
      setInterval(function () { rotatePromo(state); }, 5000),
      setInterval(function () { wanderViewers(state); }, 3000)
    ];
  }

  function init() {
    var state = { promo: 0, viewers: 12 };
    var timers = startTimers(state);
    tickClock();
    updateTotals();
    byId("shipping-method").addEventListener("change", updateTotals);
    byId("gift-wrap").addEventListener("change", updateTotals);
    byId("checkout-form").addEventListener("submit", placeOrder);
    window.demoShop = {
      pause: function () {
        timers.forEach(clearInterval);
        timers = [];
      },
      resume: function () {
        if (!timers.length) timers = startTimers(state);
      }
    };
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
