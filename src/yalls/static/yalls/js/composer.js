/* yalls composer — progressive enhancement of form[data-composer]: a character counter, draft
   autosave every 5 s while the text changes, and an in-place preview (with the auto-propagation
   hint) without leaving the page. Without this script the form still posts, and "Preview"
   re-renders the page server-side. No inline handlers (CSP). */
(function () {
  "use strict";
  // Translations come from Django's JavaScript catalog (/jsi18n/, loaded before this script).
  var gettext = window.gettext || function (s) { return s; };
  var interpolate = window.interpolate || function (fmt, obj) {
    return fmt.replace(/%\(\w+\)s/g, function (m) { return String(obj[m.slice(2, -2)]); });
  };

  var AUTOSAVE_MS = 5000;

  function csrfToken(form) {
    var input = form.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  function formatNumber(n) {
    return n.toLocaleString("en-US");
  }

  function setupCounter(form) {
    var textarea = form.querySelector("textarea[data-max]");
    var counter = form.querySelector("#body-count");
    if (!textarea || !counter) return;
    var max = parseInt(textarea.getAttribute("data-max"), 10);
    var template = counter.getAttribute("data-template") || "{n} / {max}";
    function update() {
      var n = textarea.value.length;
      counter.textContent = template.replace("{n}", formatNumber(n)).replace("{max}", formatNumber(max));
      if (n > max) {
        counter.classList.add("field-error");
        textarea.setAttribute("aria-invalid", "true");
      } else {
        counter.classList.remove("field-error");
        textarea.removeAttribute("aria-invalid");
      }
    }
    textarea.addEventListener("input", update);
    update();
  }

  function setupAutosave(form) {
    var url = form.getAttribute("data-draft-url");
    var textarea = form.querySelector('textarea[name="body"]');
    var draftInput = form.querySelector('input[name="draft_id"]');
    var status = form.querySelector("#draft-status");
    if (!url || !textarea || !draftInput) return;
    var dirty = false;
    var saving = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });

    function save() {
      if (!dirty || saving) return;
      dirty = false;
      saving = true;
      var data = new FormData();
      data.append("body", textarea.value);
      ["as_entity", "visibility", "draft_id"].forEach(function (name) {
        var field = form.querySelector('[name="' + name + '"]');
        if (field) data.append(name, field.value);
      });
      fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form), "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        if (result.ok && result.body.id) {
          draftInput.value = result.body.id;
          if (status) {
            var time = new Date(result.body.saved_at);
            status.textContent = interpolate(gettext("Draft saved at %(time)s"), { time: time.toLocaleTimeString(document.documentElement.lang || [], { hour: "2-digit", minute: "2-digit" }) }, true);
          }
        } else if (status) {
          status.textContent = (result.body && result.body.message) || gettext("Couldn't save the draft.");
        }
      }).catch(function () {
        dirty = true; // try again on the next tick
        if (status) status.textContent = gettext("Offline: the draft will be saved when you're back.");
      }).then(function () { saving = false; });
    }
    window.setInterval(save, AUTOSAVE_MS);
    // Submitting publishes the draft; stop autosaving so a late save can't recreate it.
    form.addEventListener("submit", function () { dirty = false; saving = true; });
  }

  function setupPreview(form) {
    var url = form.getAttribute("data-preview-url");
    var button = form.querySelector("[data-preview]");
    var region = document.getElementById("compose-preview");
    var hint = document.getElementById("propagation-hint");
    if (!url || !region) return;

    function render(showPreview) {
      var data = new FormData(form);
      data.delete("images");
      data.delete("video");
      if (showPreview) {
        region.setAttribute("aria-busy", "true");
        region.innerHTML = '<p class="muted">Loading the preview\u2026</p>';
      }
      return fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form) }
      }).then(function (response) {
        if (!response.ok) throw new Error("preview failed");
        return response.text();
      }).then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        if (showPreview) region.innerHTML = html;
        if (hint) {
          var fresh = holder.querySelector(".alert-info");
          hint.innerHTML = fresh ? fresh.outerHTML : "";
        }
      }).catch(function () {
        if (showPreview) region.innerHTML = '<p class="field-error" role="alert">Couldn\u2019t load the preview. Try again.</p>';
      }).then(function () { region.removeAttribute("aria-busy"); });
    }

    if (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        render(true);
      });
    }
    // Keep the "auto-propagates to N entities" hint in step with the picker.
    form.addEventListener("change", function (event) {
      var name = event.target && event.target.name;
      if (name === "as_entity" || name === "targets" || name === "other_targets") render(false);
    });
  }

  document.querySelectorAll("form[data-composer]").forEach(function (form) {
    setupCounter(form);
    setupAutosave(form);
    setupPreview(form);
  });
})();
