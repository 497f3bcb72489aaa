// "复制" buttons: copy the text of the element named by data-copy-target.
// The Clipboard API needs a secure context (https or localhost); elsewhere fall back to a
// selected textarea and execCommand, which every browser the editors use still supports.
(function () {
  "use strict";

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {
        return fallbackCopy(text);
      });
    }
    return fallbackCopy(text);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) {
      return;
    }
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source) {
      return;
    }
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    copy(source.value !== undefined ? source.value : source.textContent).then(
      function () {
        button.textContent = "已复制";
        button.setAttribute("data-copied", "true");
      },
      function () {
        button.textContent = "复制失败，请手动选择";
      }
    );
    window.setTimeout(function () {
      button.textContent = label;
    }, 2000);
  });
})();
