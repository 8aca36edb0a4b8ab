/* yalls — progressive enhancement. No dependencies, no inline handlers. */
(function () {
  "use strict";

  // (a) CSRF token for htmx requests, read from <meta name="csrf-token">.
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) event.detail.headers["X-CSRFToken"] = token;
  });

  // (b) data-confirm="Are you sure?" on forms or submit buttons/links.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var message = (submitter && submitter.getAttribute("data-confirm")) ||
      (form && form.getAttribute && form.getAttribute("data-confirm"));
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("click", function (event) {
    var el = event.target.closest && event.target.closest("a[data-confirm], button[data-confirm]");
    if (!el || (el.form && el.type !== "button")) return;
    if (!window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // (c) <button data-copy="element-id"> copies that element's text.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) return;
    var text = "value" in source ? source.value : source.textContent;
    navigator.clipboard.writeText(text.trim()).then(function () {
      var original = button.textContent;
      button.textContent = button.getAttribute("data-copied") || "Copied";
      setTimeout(function () { button.textContent = original; }, 1800);
    });
  });

  // (e) A form that comes back with errors moves focus to its first invalid field (the error is
  // beside it), so the member doesn't have to hunt for it 1,500 px down the page.
  // On "load", not DOMContentLoaded: Chromium drops a focus() made before the page's first layout.
  window.addEventListener("load", function () {
    var invalid = document.querySelector("main form [aria-invalid='true']");
    if (!invalid) {
      // A form-wide error (no single field to blame): bring its message into view instead.
      invalid = document.querySelector("main form .form-errors");
      if (!invalid) return;
      invalid.setAttribute("tabindex", "-1");
    }
    invalid.scrollIntoView({ block: "center" });
    invalid.focus({ preventScroll: true });
  });

  // (f) An undo bar (data-undo-seconds) goes away when its window closes: the server would refuse.
  document.querySelectorAll("[data-undo-seconds]").forEach(function (bar) {
    var seconds = parseInt(bar.getAttribute("data-undo-seconds"), 10) || 0;
    setTimeout(function () { bar.hidden = true; }, seconds * 1000);
  });

  // (d) <details data-menu>: Escape or a click elsewhere closes an open menu (it works without
  // JS as a plain disclosure); Escape returns focus to its summary.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary && menu.contains(document.activeElement)) summary.focus();
    });
  });
})();
