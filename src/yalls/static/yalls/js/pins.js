/* yalls — the profile pin board editor (owner only): drag-and-drop and keyboard reorder, with an
   optimistic save (one PUT /api/v1/me/pins of the whole board) that rolls back visibly when the
   server refuses, and undo. Keyboard: focus a pin, Space picks it up, arrow keys move it, Space
   (or Enter) drops it, Escape puts it back. Moves are announced in the board's aria-live region.
   Without this script the board's "Move up / Move down / Unpin" forms post to the server. */
(function () {
  "use strict";
  // Translations come from Django's JavaScript catalog (/jsi18n/, loaded before this script).
  var gettext = window.gettext || function (s) { return s; };
  var interpolate = window.interpolate || function (fmt, obj) {
    return fmt.replace(/%\(\w+\)s/g, function (m) { return String(obj[m.slice(2, -2)]); });
  };

  var board = document.querySelector("[data-pins-board]");
  if (!board) return;
  var list = board.querySelector("[data-pins-list]");
  if (!list) return;
  var api = board.getAttribute("data-api");
  var live = board.querySelector("[data-pins-live]");
  var errorBox = board.querySelector("[data-pins-error]");
  var errorText = board.querySelector("[data-pins-error-text]");
  var undoBar = board.querySelector("[data-pins-undo]");
  var undoText = board.querySelector("[data-pins-undo-text]");
  var undoButton = board.querySelector("[data-pins-undo-button]");

  var undoOrder = null; // the board before the last saved change
  var picked = null; // the pin picked up with the keyboard
  var pickedFrom = null; // the order when it was picked up
  var dragged = null;
  var dragFrom = null;
  var dropped = false;
  var saving = false;

  function pins() {
    return Array.prototype.slice.call(list.querySelectorAll("[data-pin]"));
  }
  function title(el) {
    return el.getAttribute("data-title") || gettext("pin");
  }
  function sameOrder(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  function where(el) {
    var all = pins();
    return interpolate(gettext("position %(position)s of %(count)s"), { position: all.indexOf(el) + 1, count: all.length }, true);
  }
  function announce(message) {
    if (!live) return;
    // Clear first so the same sentence twice is still read out.
    live.textContent = "";
    window.setTimeout(function () { live.textContent = message; }, 50);
  }
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  function idempotencyKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return "pins-" + Date.now() + "-" + Math.random().toString(16).slice(2);
  }

  function refreshButtons() {
    var all = pins();
    all.forEach(function (el, i) {
      var up = el.querySelector("[data-pin-up]");
      var down = el.querySelector("[data-pin-down]");
      if (up) up.disabled = i === 0;
      if (down) down.disabled = i === all.length - 1;
    });
  }

  // Put exactly these pin elements in the list, in this order (removed ones come back on undo).
  function render(order) {
    pins().forEach(function (el) {
      if (order.indexOf(el) === -1) el.remove();
    });
    order.forEach(function (el) { list.appendChild(el); });
    refreshButtons();
  }

  function hideError() {
    if (errorBox) errorBox.hidden = true;
  }
  function showError(message) {
    if (!errorBox) return;
    if (errorText) errorText.textContent = message;
    errorBox.hidden = false;
  }
  function showUndo(previous, message) {
    undoOrder = previous;
    if (!undoBar) return;
    if (undoText) undoText.textContent = message;
    undoBar.hidden = false;
  }

  function payload(order) {
    return JSON.stringify({
      pins: order.map(function (el, i) {
        return {
          kind: el.getAttribute("data-kind"),
          position: i + 1,
          title: el.getAttribute("data-title"),
          ref_id: el.getAttribute("data-ref-id") || null,
          url: el.getAttribute("data-url") || ""
        };
      })
    });
  }

  // The server may give a re-added pin a new id: keep the no-JS forms pointing at the right one.
  function adoptIds(order, saved) {
    order.forEach(function (el, i) {
      var fresh = saved[i] && saved[i].id;
      var old = el.getAttribute("data-pin-id");
      if (!fresh || fresh === old) return;
      el.setAttribute("data-pin-id", fresh);
      el.querySelectorAll("form").forEach(function (form) {
        form.setAttribute("action", form.getAttribute("action").replace(old, fresh));
      });
    });
  }

  // Show `order` at once, then save it; on failure put `previous` back and say so.
  function save(order, previous, message, offerUndo) {
    hideError();
    render(order);
    saving = true;
    board.setAttribute("aria-busy", "true");
    return window.fetch(api, {
      method: "PUT",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken(),
        "Idempotency-Key": idempotencyKey()
      },
      body: payload(order)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) throw new Error(body.detail || body.title || gettext("the server refused the change"));
        return body;
      });
    }).then(function (body) {
      adoptIds(order, body.pins || []);
      if (offerUndo) {
        showUndo(previous, message);
      } else if (undoBar) {
        undoBar.hidden = true;
        undoOrder = null;
      }
      announce(message);
    }).catch(function (error) {
      render(previous);
      var text = interpolate(gettext("Couldn't save your pins (%(error)s). They're back as they were."), { error: error.message }, true);
      showError(text);
      announce(text);
    }).then(function () {
      saving = false;
      board.removeAttribute("aria-busy");
    });
  }

  function busy() {
    if (saving) announce(gettext("Still saving the last change. Try again in a moment."));
    return saving;
  }

  // --- keyboard ---------------------------------------------------------------------------------
  function pickUp(el) {
    picked = el;
    pickedFrom = pins();
    el.classList.add("is-picked");
    announce(interpolate(gettext("Picked up %(pin)s, %(where)s. Arrow keys move it, Space drops it, Escape cancels."), { pin: title(el), where: where(el) }, true));
  }
  function moveBy(el, step) {
    // Move the neighbour rather than the focused pin, so focus never leaves it.
    if (step < 0 && el.previousElementSibling) {
      list.insertBefore(el.previousElementSibling, el.nextElementSibling);
    } else if (step > 0 && el.nextElementSibling) {
      list.insertBefore(el.nextElementSibling, el);
    } else {
      announce(interpolate(gettext("%(pin)s is already at %(where)s."), { pin: title(el), where: where(el) }, true));
      return;
    }
    refreshButtons();
    announce(interpolate(gettext("%(pin)s moved to %(where)s."), { pin: title(el), where: where(el) }, true));
  }
  function drop(el) {
    el.classList.remove("is-picked");
    var from = pickedFrom;
    picked = null;
    pickedFrom = null;
    var now = pins();
    if (sameOrder(now, from)) {
      announce(interpolate(gettext("%(pin)s dropped; the order is unchanged."), { pin: title(el) }, true));
      return;
    }
    save(now, from, interpolate(gettext("%(pin)s dropped at %(where)s. Saved."), { pin: title(el), where: where(el) }, true), true);
  }
  function cancel(el) {
    el.classList.remove("is-picked");
    render(pickedFrom);
    picked = null;
    pickedFrom = null;
    el.focus();
    announce(interpolate(gettext("Move cancelled. %(pin)s is back at %(where)s."), { pin: title(el), where: where(el) }, true));
  }

  list.addEventListener("keydown", function (event) {
    var el = event.target;
    if (!el.hasAttribute || !el.hasAttribute("data-pin")) return; // keys on its buttons act as usual
    var key = event.key;
    if (key === " " || key === "Spacebar" || (key === "Enter" && picked === el)) {
      event.preventDefault();
      if (picked === el) {
        drop(el);
      } else if (!busy()) {
        if (picked) cancel(picked);
        pickUp(el);
      }
    } else if (picked === el && (key === "ArrowUp" || key === "ArrowLeft")) {
      event.preventDefault();
      moveBy(el, -1);
    } else if (picked === el && (key === "ArrowDown" || key === "ArrowRight")) {
      event.preventDefault();
      moveBy(el, 1);
    } else if (picked === el && key === "Escape") {
      event.preventDefault();
      cancel(el);
    }
  });

  // --- drag and drop ----------------------------------------------------------------------------
  list.addEventListener("dragstart", function (event) {
    var el = event.target.closest && event.target.closest("[data-pin]");
    if (!el || saving) {
      event.preventDefault();
      return;
    }
    dragged = el;
    dragFrom = pins();
    dropped = false;
    el.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", el.getAttribute("data-pin-id"));
  });
  list.addEventListener("dragover", function (event) {
    if (!dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    var over = event.target.closest && event.target.closest("[data-pin]");
    if (!over || over === dragged) return;
    var all = pins();
    if (all.indexOf(dragged) < all.indexOf(over)) {
      list.insertBefore(dragged, over.nextElementSibling);
    } else {
      list.insertBefore(dragged, over);
    }
  });
  list.addEventListener("drop", function (event) {
    if (!dragged) return;
    event.preventDefault();
    dropped = true;
    var el = dragged;
    var from = dragFrom;
    el.classList.remove("is-dragging");
    dragged = null;
    if (!sameOrder(pins(), from)) {
      save(pins(), from, interpolate(gettext("%(pin)s moved to %(where)s. Saved."), { pin: title(el), where: where(el) }, true), true);
    }
  });
  list.addEventListener("dragend", function () {
    if (!dragged) return;
    dragged.classList.remove("is-dragging");
    if (!dropped) render(dragFrom); // dropped outside the board: nothing changes
    dragged = null;
  });

  // --- the no-JS buttons, done in place ---------------------------------------------------------
  list.addEventListener("submit", function (event) {
    var form = event.target;
    var el = form.closest("[data-pin]");
    if (!el) return;
    event.preventDefault();
    if (busy()) return;
    var before = pins();
    var order = before.slice();
    var i = order.indexOf(el);
    if (form.hasAttribute("data-pin-remove")) {
      order.splice(i, 1);
      save(order, before, interpolate(gettext("Unpinned %(pin)s."), { pin: title(el) }, true), true).then(function () {
        var next = pins()[Math.min(i, pins().length - 1)];
        if (next) next.focus();
      });
      return;
    }
    var up = event.submitter && event.submitter.value === "up";
    var j = up ? i - 1 : i + 1;
    if (j < 0 || j >= order.length) return;
    order.splice(i, 1);
    order.splice(j, 0, el);
    var button = event.submitter;
    save(order, before, interpolate(gettext("%(pin)s moved to position %(position)s of %(count)s. Saved."),
      { pin: title(el), position: j + 1, count: order.length }, true), true).then(function () {
      // The button just pressed may be disabled now (top or bottom): keep focus on the pin.
      if (button && !button.disabled) button.focus(); else el.focus();
    });
  });

  if (undoButton) {
    undoButton.addEventListener("click", function () {
      if (!undoOrder || busy()) return;
      var previous = pins();
      var order = undoOrder;
      undoOrder = null;
      save(order, previous, gettext("Undone. Your pins are back as they were."), false).then(function () {
        var first = pins()[0]; // the undo button is gone: don't leave focus on nothing
        if (first) first.focus();
      });
    });
  }
})();
