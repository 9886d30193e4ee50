// Article editor: an optional live preview. Progressive enhancement only: the
// Preview button shows the same thing without JavaScript, by posting the form.
(function () {
  "use strict";

  var form = document.querySelector("form[data-journal-editor]");
  var slot = document.querySelector("[data-journal-preview-slot]");
  var previewButton = form && form.querySelector('button[name="action"][value="preview"]');
  if (!form || !slot || !previewButton || !window.fetch || !window.FormData || !window.DOMParser) return;

  var DELAY_MS = 900;
  var timer = null;
  var pending = null;

  // The switch only makes sense with JavaScript, so JavaScript adds it.
  var label = document.createElement("label");
  label.className = "check journal-live";
  var toggle = document.createElement("input");
  toggle.type = "checkbox";
  label.appendChild(toggle);
  label.appendChild(document.createTextNode(" Update the preview as I type"));
  previewButton.insertAdjacentElement("afterend", label);

  function swap(selector, doc) {
    var current = document.querySelector(selector);
    var fresh = doc.querySelector(selector);
    if (current && fresh) {
      current.replaceWith(document.importNode(fresh, true));
    } else if (current) {
      current.remove();
    } else if (fresh && selector === "[data-linked-warnings]") {
      form.insertAdjacentElement("beforebegin", document.importNode(fresh, true));
    }
  }

  function refresh() {
    var data = new FormData(form);
    data.delete("hero_image"); // never upload a picture just to preview
    data.set("action", "preview");
    if (pending) pending.abort();
    pending = window.AbortController ? new AbortController() : null;
    var shown = slot.querySelector("[data-journal-preview]");
    if (shown) shown.setAttribute("aria-busy", "true");
    fetch(window.location.href, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      signal: pending ? pending.signal : undefined,
    })
      .then(function (response) {
        // A form with mistakes answers 400 and still carries the preview.
        var type = response.headers.get("Content-Type") || "";
        return type.indexOf("text/html") === 0 ? response.text() : null;
      })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("[data-journal-preview-slot]");
        if (!fresh) return;
        slot.replaceChildren.apply(
          slot,
          Array.prototype.map.call(fresh.childNodes, function (node) {
            return document.importNode(node, true);
          })
        );
        swap("[data-linked-warnings]", doc);
      })
      .catch(function () {
        var stale = slot.querySelector("[data-journal-preview]");
        if (stale) stale.removeAttribute("aria-busy");
      });
  }

  toggle.addEventListener("change", function () {
    if (toggle.checked) refresh();
  });

  form.addEventListener("input", function (event) {
    if (!toggle.checked || event.target.type === "file") return;
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, DELAY_MS);
  });
})();
