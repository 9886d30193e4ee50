// Progressive enhancement only: every feature here also works without JavaScript.
(function () {
  "use strict";

  // Theme switch: flip the theme in place and remember it in the same cookie the server reads.
  function effectiveTheme() {
    var chosen = document.documentElement.getAttribute("data-theme");
    if (chosen) return chosen;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function labelThemeButton(button) {
    var other = effectiveTheme() === "dark" ? "light" : "dark";
    button.value = other;
    button.setAttribute("aria-label", "Switch to " + other + " theme");
    var text = button.querySelector(".theme-switch__text");
    if (text) text.textContent = other.charAt(0).toUpperCase() + other.slice(1) + " theme";
  }

  document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
    labelThemeButton(button);
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var next = button.value;
      document.documentElement.setAttribute("data-theme", next);
      var secure = location.protocol === "https:" ? "; secure" : "";
      document.cookie = "theme=" + next + "; path=/; max-age=31536000; samesite=lax" + secure;
      labelThemeButton(button);
    });
  });

  // The header's menu and search on a phone: the links that jump to each panel become
  // disclosure buttons.
  document.querySelectorAll("a[data-disclosure]").forEach(function (link) {
    var panel = document.getElementById(link.getAttribute("data-disclosure"));
    if (!panel) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = link.className;
    button.textContent = link.textContent;
    button.setAttribute("aria-controls", panel.id);
    button.setAttribute("aria-expanded", "false");
    link.replaceWith(button);
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      panel.classList.toggle("is-open", open);
      if (open) {
        var field = panel.querySelector("input[type=search]");
        if (field) field.focus();
      }
    });
  });

  // Listing filters: folded on a phone, open on a wide screen (where the CSS shows them
  // anyway, in browsers that can style a closed <details>).
  if (window.matchMedia && window.matchMedia("(min-width: 56rem)").matches) {
    document.querySelectorAll("details[data-open-when-wide]").forEach(function (details) {
      details.open = true;
    });
  }

  // Listing filters and the basket's delivery choice: apply a choice as soon as it is made.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      if (event.target.matches("select, input[type=checkbox], input[type=radio]")) {
        form.requestSubmit();
      }
    });
  });

  // Variant picker: show the chosen size's price and stock without reloading.
  document.querySelectorAll("[data-variant-picker]").forEach(function (picker) {
    var priceEl = picker.querySelector("[data-variant-price]");
    var stockEl = picker.querySelector("[data-variant-stock]");
    var savingEl = picker.querySelector("[data-variant-saving]");
    picker.addEventListener("change", function (event) {
      var input = event.target;
      if (input.name !== "variant_id") return;
      if (priceEl) {
        priceEl.textContent = "";
        var price = document.createElement("span");
        price.className = "price";
        price.textContent = input.dataset.price;
        if (input.dataset.compareAt) {
          var was = document.createElement("s");
          was.className = "price__was";
          was.textContent = input.dataset.compareAt;
          price.appendChild(document.createTextNode(" "));
          price.appendChild(was);
        }
        priceEl.appendChild(price);
      }
      if (savingEl) {
        savingEl.textContent = input.dataset.saving || "";
        savingEl.hidden = !input.dataset.saving;
      }
      if (stockEl) {
        var badge = document.createElement("span");
        badge.className = "stock stock--" + input.dataset.stockState;
        badge.textContent = input.dataset.stock;
        stockEl.replaceChildren(badge);
      }
      if (window.history && history.replaceState) {
        var url = new URL(location.href);
        url.searchParams.set("variant", input.value);
        history.replaceState(null, "", url);
      }
    });
  });
  // Add to basket without leaving the page; the count in the header is announced.
  var live = document.querySelector("[data-live-region]");
  function announce(message) {
    if (!live) return;
    live.textContent = "";
    window.setTimeout(function () { live.textContent = message; }, 50);
  }

  document.querySelectorAll("form[data-add-to-cart]").forEach(function (form) {
    var status = document.createElement("p");
    status.className = "add-status";
    status.setAttribute("role", "status");
    // The message takes the focus once shown, so keyboard and screen reader users are
    // where the news is, not back at the top of the page.
    status.tabIndex = -1;
    form.appendChild(status);
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.FormData) return;
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          document.querySelectorAll("[data-cart-count]").forEach(function (el) {
            el.textContent = data.count;
          });
          status.className = "add-status " + (data.ok ? "add-status--ok" : "add-status--error");
          status.textContent = data.message + " ";
          if (data.ok) {
            var link = document.createElement("a");
            link.href = data.cart_url;
            link.textContent = "View basket";
            status.appendChild(link);
          }
          announce(data.message + " Basket: " + data.count + (data.count === 1 ? " item." : " items."));
          status.focus();
        })
        .catch(function () { form.submit(); })
        .finally(function () { if (button) button.disabled = false; });
    });
  });

  // A phone's product page: once the main "Add to basket" button has scrolled out of
  // view, a bar at the bottom of the window offers it again (it presses the same form,
  // with the size and quantity chosen there).
  var buyForm = document.querySelector("form[data-add-to-cart][data-sticky-buy]");
  var mainButton = buyForm && buyForm.querySelector("button[type=submit]");
  if (mainButton && window.IntersectionObserver && window.matchMedia) {
    var narrow = window.matchMedia("(max-width: 47.99rem)");
    var bar = document.createElement("div");
    bar.className = "sticky-buy";
    bar.hidden = true;
    bar.setAttribute("data-sticky-buy-bar", "");
    var text = document.createElement("p");
    text.className = "sticky-buy__text";
    var name = document.createElement("span");
    name.className = "sticky-buy__name";
    name.textContent = buyForm.getAttribute("data-product-name") || "";
    var price = document.createElement("span");
    price.className = "sticky-buy__price";
    text.appendChild(name);
    text.appendChild(price);
    var again = document.createElement("button");
    again.type = "button";
    again.className = "button button--primary";
    again.textContent = "Add to basket";
    bar.appendChild(text);
    bar.appendChild(again);
    document.body.appendChild(bar);
    var showPrice = function () {
      var chosen = buyForm.querySelector("input[name=variant_id]:checked");
      price.textContent = chosen ? chosen.dataset.price : "";
    };
    buyForm.addEventListener("change", showPrice);
    showPrice();
    again.addEventListener("click", function () { buyForm.requestSubmit(mainButton); });
    var mainVisible = true;
    var update = function () {
      var show = narrow.matches && !mainVisible;
      bar.hidden = !show;
      document.body.classList.toggle("has-sticky-buy", show);
    };
    // The window stretched far down: the button "leaves" it only by scrolling above its
    // top, so the bar shows once the button has been passed, not before it is reached.
    new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) { mainVisible = entry.isIntersecting; });
      update();
    }, { rootMargin: "0px 0px 100000px 0px" }).observe(mainButton);
    if (narrow.addEventListener) narrow.addEventListener("change", update);
  }

  // Delivery choice on the basket page applies at once; its button is only needed without JS.
  document.querySelectorAll("[data-hide-with-js]").forEach(function (el) { el.hidden = true; });

  // Move focus to a form's error summary so screen readers hear it.
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) summary.focus();
})();
