/* yalls — notifications: the live unread badges, the bell's drawer and the list's small helpers.
   - An EventSource on /notifications/stream receives `unread` events ({priority, social, system,
     total}); every [data-unread] badge, the bell's accessible name and the live region follow.
     htmx responses of the mark-read forms send the same counts (HX-Trigger: yalls:unread).
   - The bell (a plain link to /notifications without this script) opens a non-modal drawer whose
     body htmx loads; Escape or Close shuts it and focus goes back to the bell. While it is open,
     new notifications re-load it.
   - After htmx swaps (mark read, older page, lane switch) focus lands somewhere sensible. */
(function () {
  "use strict";
  // Translations come from Django's JavaScript catalog (/jsi18n/, loaded before this script).
  var gettext = window.gettext || function (s) { return s; };
  var ngettext = window.ngettext || function (s, p, n) { return n === 1 ? s : p; };
  var interpolate = window.interpolate || function (fmt, obj) {
    return fmt.replace(/%\(\w+\)s/g, function (m) { return String(obj[m.slice(2, -2)]); });
  };

  var bell = document.querySelector("[data-notif-bell]");
  if (!bell) return;
  var drawer = document.querySelector("[data-notif-drawer]");
  var drawerBody = document.getElementById("notif-drawer-body");
  var drawerTitle = document.getElementById("notif-drawer-title");
  var live = document.querySelector("[data-notif-live]");
  var drawerUrl = bell.getAttribute("data-drawer-url");
  var streamUrl = bell.getAttribute("data-stream-url");
  // The count the page was rendered with: a notification that lands before the stream connects
  // is still announced.
  var rendered = parseInt(bell.getAttribute("data-unread-total"), 10);
  var lastTotal = isNaN(rendered) ? null : rendered;
  var lastCounts = null;
  var drawerLane = "";

  function say(message) {
    if (!live) return;
    live.textContent = "";
    window.setTimeout(function () { live.textContent = message; }, 50);
  }

  function shown(n) {
    return n > 99 ? "99+" : String(n);
  }

  function setCounts(counts) {
    if (!counts || typeof counts.total !== "number") return;
    document.querySelectorAll("[data-unread]").forEach(function (badge) {
      var n = counts[badge.getAttribute("data-unread")];
      if (typeof n !== "number") return;
      var number = badge.querySelector("[data-unread-n]");
      if (n > 0 && !number) { // rendered empty at zero: give it its number and its words
        number = document.createElement("span");
        number.setAttribute("data-unread-n", "");
        var words = document.createElement("span");
        words.className = "sr-only";
        words.textContent = " " + gettext("unread");
        badge.appendChild(number);
        badge.appendChild(words);
      }
      if (number) number.textContent = shown(n);
      badge.hidden = n === 0;
    });
    bell.setAttribute("aria-label", counts.total
      ? interpolate(ngettext("Notifications, %(total)s unread", "Notifications, %(total)s unread", counts.total), { total: counts.total }, true)
      : gettext("Notifications"));
    var panel = document.querySelector("[data-notif-panel]");
    if (lastTotal !== null && counts.total > lastTotal) {
      var fresh = counts.total - lastTotal;
      say(interpolate(ngettext("%(count)s new notification", "%(count)s new notifications", fresh), { count: fresh }, true));
      if (isOpen()) loadDrawer(drawerLane);
    }
    // The page's list doesn't move under the reader: it offers the new items in its own lane.
    if (panel && lastCounts) {
      var lane = panel.getAttribute("data-lane");
      var show = panel.querySelector("[data-notif-fresh]");
      if (show && counts[lane] > lastCounts[lane]) show.hidden = false;
    }
    lastTotal = counts.total;
    lastCounts = counts;
  }
  document.body.addEventListener("yalls:unread", function (event) {
    var detail = event.detail || {};
    setCounts(typeof detail.total === "number" ? detail : detail.value);
  });

  // --- live counts ----------------------------------------------------------------------------
  function connect() {
    if (!window.EventSource || !streamUrl) return;
    var source = new window.EventSource(streamUrl);
    source.addEventListener("unread", function (event) {
      try {
        setCounts(JSON.parse(event.data));
      } catch (e) { /* a garbled event: the next one fixes the badge */ }
    });
    // EventSource reconnects by itself; a 401 (signed out) closes it for good.
  }
  connect();

  // --- the drawer ------------------------------------------------------------------------------
  function isOpen() {
    return drawer && !drawer.hidden;
  }

  function loadDrawer(lane) {
    if (!drawerBody || !window.htmx) return Promise.resolve();
    var url = drawerUrl + (lane ? "?lane=" + encodeURIComponent(lane) : "");
    var active = document.activeElement;
    var inside = !!(active && drawerBody.contains(active));
    var keep = inside ? active.getAttribute("data-notif-lane") : null;
    var done = window.htmx.ajax("GET", url, { target: drawerBody, swap: "innerHTML" });
    return Promise.resolve(done).then(function () {
      if (!inside || drawerBody.contains(document.activeElement)) return;
      // The element that had focus was replaced: the same lane link, else the drawer's heading.
      var again = keep && drawerBody.querySelector('[data-notif-lane="' + keep + '"]');
      if (again) again.focus(); else if (drawerTitle) drawerTitle.focus();
    });
  }

  function openDrawer() {
    if (!drawer) return;
    drawer.hidden = false;
    bell.setAttribute("aria-expanded", "true");
    if (drawerTitle) drawerTitle.focus();
    loadDrawer(drawerLane);
  }

  function closeDrawer(returnFocus) {
    if (!isOpen()) return;
    drawer.hidden = true;
    bell.setAttribute("aria-expanded", "false");
    if (returnFocus) bell.focus();
  }

  if (drawer) {
    bell.setAttribute("aria-controls", drawer.id);
    bell.setAttribute("aria-expanded", "false");
    bell.setAttribute("aria-haspopup", "dialog");
    bell.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button === 1) return; // new tab: the page
      event.preventDefault();
      if (isOpen()) closeDrawer(true); else openDrawer();
    });
    drawer.addEventListener("click", function (event) {
      if (event.target.closest("[data-notif-close]")) {
        closeDrawer(true);
        return;
      }
      // Lane links reload the drawer body in place (delegated: works the instant it is swapped).
      var laneLink = event.target.closest("[data-notif-lane]");
      if (laneLink && !(event.ctrlKey || event.metaKey || event.shiftKey)) {
        event.preventDefault();
        drawerLane = laneLink.getAttribute("data-notif-lane");
        laneLink.focus();
        loadDrawer(drawerLane);
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && isOpen() &&
          (drawer.contains(document.activeElement) || document.activeElement === bell)) {
        event.preventDefault();
        closeDrawer(true);
      }
    });
    document.addEventListener("click", function (event) {
      if (isOpen() && !drawer.contains(event.target) && !bell.contains(event.target)) closeDrawer(false);
    });
  }

  // --- focus after htmx swaps --------------------------------------------------------------------
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt; // who asked
    if (!target) return;
    if (target === drawerBody) {
      var content = drawerBody.querySelector("[data-notif-drawer-content]");
      if (content) drawerLane = content.getAttribute("data-lane") || drawerLane;
      if (elt && elt.matches && elt.matches("form")) {
        if (drawerTitle) drawerTitle.focus(); // "Mark all read" is gone: don't leave focus nowhere
      }
    }
  });
  // A swapped item (marked read) or a loaded older page: keep the keyboard where the reader was.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.matches) return;
    var hadFocus = target.contains(document.activeElement);
    if (!hadFocus) return;
    if (target.matches("[data-notif-item]")) {
      var id = target.id;
      document.body.addEventListener("htmx:afterSettle", function again() {
        document.body.removeEventListener("htmx:afterSettle", again);
        var item = document.getElementById(id);
        var link = item && item.querySelector("[data-notif-link]");
        if (link) link.focus();
      });
    } else if (target.matches("[data-notif-more]")) {
      var previous = target.previousElementSibling;
      document.body.addEventListener("htmx:afterSettle", function again() {
        document.body.removeEventListener("htmx:afterSettle", again);
        var first = previous ? previous.nextElementSibling : null;
        var link = first && first.querySelector("[data-notif-link]");
        if (link) link.focus();
      });
    } else if (target.matches("[data-notif-panel]")) {
      document.body.addEventListener("htmx:afterSettle", function again() {
        document.body.removeEventListener("htmx:afterSettle", again);
        var current = document.querySelector('[data-notif-panel] [aria-current="page"]');
        if (current) current.focus();
      });
    }
  });
})();
