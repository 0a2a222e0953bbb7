// Tollgate dashboard: small progressive enhancements. Every page works
// without this script except for the confirmation of destructive actions,
// which then falls back to the server's own checks.
(function () {
  "use strict";
  // Destructive actions ask first: a form with data-confirm="question".
  document.addEventListener("submit", function (e) {
    var f = e.target;
    var q = f.getAttribute && f.getAttribute("data-confirm");
    if (q && !window.confirm(q)) {
      e.preventDefault();
    }
  }, true);
  // A select with data-autosubmit submits its form when it changes.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });
  // A progress page with data-refresh reloads itself until done.
  var r = document.querySelector("[data-refresh]");
  if (r) {
    setTimeout(function () { window.location.reload(); }, Number(r.getAttribute("data-refresh")) || 1000);
  }
  // Focus the first field the server marked invalid.
  var bad = document.querySelector("[aria-invalid=true]");
  if (bad) { bad.focus(); }
})();
