/* yalls composer — progressive enhancement of form[data-composer]: a character counter, draft
   autosave every 5 s while the text changes, and an in-place preview (with the auto-propagation
   hint) without leaving the page. Without this script the form still posts, and "Preview"
   re-renders the page server-side. No inline handlers (CSP). */
(function () {
  "use strict";
  // Translations come from Django's JavaScript catalog (/jsi18n/, loaded before this script).
  var gettext = window.gettext || function (s) { return s; };
  var ngettext = window.ngettext || function (s, p, n) { return n === 1 ? s : p; };
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
        region.innerHTML = '<p class="muted"></p>';
        region.firstChild.textContent = gettext("Loading the preview…");
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
        if (showPreview) {
          region.innerHTML = '<p class="field-error" role="alert"></p>';
          region.firstChild.textContent = gettext("Couldn’t load the preview. Try again.");
        }
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

  // @mention autocomplete: typing "@ma" lists matching handles under the text box (a combobox:
  // arrows move, Enter or Tab picks, Escape closes); picking writes "@handle " into the text.
  function setupMentions(form) {
    var url = form.getAttribute("data-mention-url");
    var textarea = form.querySelector('textarea[name="body"]');
    if (!url || !textarea) return;
    var list = document.createElement("ul");
    list.id = "mention-list";
    list.className = "mention-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", gettext("Mention suggestions"));
    list.hidden = true;
    textarea.parentNode.insertBefore(list, textarea.nextSibling);
    // A textarea may not be a combobox (ARIA 1.2), so a polite live region says what is offered
    // and which suggestion the arrow keys are on.
    var live = document.createElement("p");
    live.className = "sr-only";
    live.setAttribute("aria-live", "polite");
    list.parentNode.insertBefore(live, list.nextSibling);
    textarea.setAttribute("aria-controls", list.id);
    var active = -1, timer = null, asked = "";

    function typedMention() {
      var before = textarea.value.slice(0, textarea.selectionStart);
      var match = /(^|[^\w@])@([A-Za-z0-9_]{1,30})$/.exec(before);
      return match ? match[2] : null;
    }
    function options() { return list.querySelectorAll('[role="option"]'); }
    function close() {
      list.hidden = true; list.innerHTML = ""; active = -1;
    }
    function highlight(index, announceCount) {
      var items = options();
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
      var current = items[active].textContent.replace(/\s+/g, " ").trim();
      live.textContent = (announceCount ? interpolate(ngettext("%(count)s suggestion, arrow keys to choose, Enter to insert.", "%(count)s suggestions, arrow keys to choose, Enter to insert.", items.length), { count: items.length }, true) + " " : "") +
        current + " (" + (active + 1) + "/" + items.length + ")";
    }
    function pick(item) {
      var handle = item.getAttribute("data-handle");
      var caret = textarea.selectionStart;
      var before = textarea.value.slice(0, caret).replace(/@[A-Za-z0-9_]*$/, "@" + handle + " ");
      textarea.value = before + textarea.value.slice(caret);
      textarea.selectionStart = textarea.selectionEnd = before.length;
      close();
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
      textarea.focus();
    }
    function ask() {
      var typed = typedMention();
      if (!typed) { close(); return; }
      if (typed === asked && !list.hidden) return;
      asked = typed;
      fetch(url + "?q=" + encodeURIComponent(typed), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          if (typedMention() !== typed) return;
          list.innerHTML = html;
          var items = options();
          if (!items.length) { close(); return; }
          items.forEach(function (item, i) { item.id = "mention-option-" + i; });
          list.hidden = false;
          highlight(0, true);
        })
        .catch(close);
    }
    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 150);
    });
    textarea.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Enter" || event.key === "Tab") {
        var items = options();
        if (active >= 0 && items[active]) { event.preventDefault(); pick(items[active]); }
      } else if (event.key === "Escape") { event.preventDefault(); close(); }
    });
    list.addEventListener("mousedown", function (event) {
      var item = event.target.closest('[role="option"]');
      if (item) { event.preventDefault(); pick(item); }
    });
    textarea.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  document.querySelectorAll("form[data-composer]").forEach(function (form) {
    setupMentions(form);
    setupCounter(form);
    setupAutosave(form);
    setupPreview(form);
  });
})();
