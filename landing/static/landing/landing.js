/* Landing form: copies attribution from the URL into the form (cached pages stay
   attributable), adds a client idempotency key, fetches the CSRF token and the start-time
   ticket from an uncached endpoint at page load (the minimum fill time counts from there; a
   refused form keeps its first ticket), sends one submission per page load, and after a
   refusal scrolls to the message next to the field to fix. */
(function () {
  "use strict";
  var ATTRIBUTION = ["bd_vid", "clickid", "callback", "click_id", "utm_source", "utm_medium",
    "utm_campaign", "utm_term", "utm_content", "kw", "keyword", "content", "ref"];

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID().replace(/-/g, "");
    return Date.now().toString(16) + Math.random().toString(16).slice(2);
  }

  function wire(form) {
    var params = new URLSearchParams(window.location.search);
    ATTRIBUTION.forEach(function (name) {
      var input = form.elements[name];
      if (input && params.get(name) && !input.value) input.value = params.get(name).slice(0, 500);
    });
    var idem = form.elements.idem;
    if (idem && !idem.value) idem.value = newKey();

    var pending = null;
    function token() {
      if (!pending) {
        pending = fetch(form.getAttribute("data-token-url"), {credentials: "same-origin", cache: "no-store"})
          .then(function (r) { if (!r.ok) throw new Error("token " + r.status); return r.json(); })
          .then(function (data) {
            form.elements.csrfmiddlewaretoken.value = data.csrf;
            // A re-rendered (refused) form already has the ticket of its first load.
            if (!form.elements.ticket.value) form.elements.ticket.value = data.ticket;
          })
          .catch(function (err) { pending = null; throw err; });
      }
      return pending;
    }
    token().catch(function () {});  // at page load: the fill time starts when the page does

    var sending = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (sending) return;  // a second click makes no second request
      sending = true;
      var button = form.querySelector("[type=submit]");
      if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); }
      token().then(function () { form.submit(); }).catch(function () {
        sending = false;
        if (button) { button.disabled = false; button.removeAttribute("aria-busy"); }
        var box = form.querySelector("[data-net-error]");
        if (box) box.hidden = false;
      });
    });
  }

  function showRefusal(form) {
    // The message next to a field first (that is what to fix), else the form's banner.
    var message = form.querySelector("[data-field-error]") ||
      form.querySelector(".lp-error[data-error-code]");
    if (!message) return;
    var name = message.getAttribute("data-field-error");
    var input = name && name !== "submit" ? form.elements[name] : null;
    function go() {
      message.scrollIntoView({block: "center"});
      if (input && input.focus) input.focus({preventScroll: true});
    }
    // After the load and the browser's own jump to #lead-form, which would undo the focus.
    if (document.readyState === "complete") go();
    else window.addEventListener("load", function () { window.setTimeout(go, 0); }, {once: true});
  }

  /* A promo ends at its deadline even on a page served from the cache or left open: the
     server cuts the cache lifetime at the deadline, and this swaps the price back to the
     list price when the deadline passes in the browser. */
  function promoEnds(holder) {
    var until = Date.parse(holder.getAttribute("data-promo-until"));
    if (isNaN(until)) return;
    function end() {
      var price = holder.querySelector("[data-price]");
      if (price) price.textContent = holder.getAttribute("data-list-price");
      Array.prototype.forEach.call(holder.querySelectorAll("[data-promo-only]"), function (el) {
        el.parentNode.removeChild(el);
      });
      holder.removeAttribute("data-promo-until");
    }
    var left = until - Date.now();
    if (left <= 0) end();
    else if (left < 2147483647) window.setTimeout(end, left);
  }

  function abSeen() {
    var holder = document.querySelector("[data-ab-test]");
    var testId = holder && holder.getAttribute("data-ab-test");
    if (!testId) return;
    var flag = "yl_ab_seen_" + testId;
    try { if (window.localStorage.getItem(flag)) return; } catch (e) { /* private mode */ }
    fetch("/lp/ab/" + testId + "/seen/", {method: "POST", credentials: "same-origin"}).then(function () {
      try { window.localStorage.setItem(flag, "1"); } catch (e) { /* ignore */ }
    }).catch(function () {});
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-lead-form]"), function (form) {
    wire(form);
    showRefusal(form);
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-promo-until]"), promoEnds);
  abSeen();
})();
