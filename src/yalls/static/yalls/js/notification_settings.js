/* yalls — notification settings: show the daily cap slider's value as it moves, and grey out the
   quiet-hours times while quiet hours are off. Without this script the page works the same; the
   value shown is the saved one until the form is submitted. */
(function () {
  "use strict";

  var form = document.querySelector("[data-notification-settings]");
  if (!form) return;

  var slider = form.querySelector("input[type=range][name=daily_cap]");
  var output = form.querySelector("[data-cap-output]");
  if (slider && output) {
    var show = function () {
      output.value = slider.value;
      output.textContent = slider.value;
      slider.setAttribute("aria-valuetext", slider.value + " a day");
    };
    slider.addEventListener("input", show);
    show();
  }

  var quiet = form.querySelector("input[name=quiet_enabled]");
  var times = form.querySelectorAll("[data-quiet-times] input");
  if (quiet && times.length) {
    var sync = function () {
      // readOnly, not disabled: disabled inputs are not submitted, and the times must be kept.
      for (var i = 0; i < times.length; i++) {
        times[i].readOnly = !quiet.checked;
        times[i].setAttribute("aria-disabled", quiet.checked ? "false" : "true");
      }
    };
    quiet.addEventListener("change", sync);
    sync();
  }
})();
