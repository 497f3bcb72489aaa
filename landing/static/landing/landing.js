/* Landing form: copies attribution from the URL into the form (cached pages stay
   attributable), adds a client idempotency key, fetches the CSRF token and the start-time
   ticket from an uncached endpoint, and sends one submission per page load. */
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
            form.elements.ticket.value = data.ticket;
          })
          .catch(function (err) { pending = null; throw err; });
      }
      return pending;
    }
    form.addEventListener("focusin", function () { token().catch(function () {}); }, {once: true});

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

  Array.prototype.forEach.call(document.querySelectorAll("form[data-lead-form]"), wire);
  abSeen();
})();
