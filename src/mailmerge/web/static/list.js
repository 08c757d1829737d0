// Filter the member list in the page: by group, flag and decision, and search by ID or name.
// The filters are kept in the address (?q=…&group=…) so a reload or the back button keeps them.
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("#members tbody tr"));
  var q = document.getElementById("q");
  var group = document.getElementById("f-group");
  var flag = document.getElementById("f-flag");
  var status = document.getElementById("f-status");
  var shown = document.getElementById("shown");
  var none = document.getElementById("no-match");
  // Search the way the roster compares: full-width digits and letters typed by an IME match too.
  function norm(s) { return (s || "").normalize("NFKC").trim().toLowerCase(); }
  var keys = rows.map(function (tr) { return norm(tr.dataset.id) + "\u0000" + norm(tr.querySelector("td.name").textContent); });

  function apply() {
    var text = norm(q.value), g = group.value, f = flag.value, s = status.value, n = 0;
    for (var i = 0; i < rows.length; i++) {
      var tr = rows[i], flags = tr.dataset.flags;
      var ok = (!text || keys[i].indexOf(text) !== -1) &&
        (!g || tr.dataset.group === g) &&
        (!f || (f === "any" ? flags !== "" : (" " + flags + " ").indexOf(" " + f + " ") !== -1)) &&
        (!s || tr.dataset.status === s);
      tr.hidden = !ok;
      if (ok) n++;
    }
    shown.textContent = n;
    none.hidden = n !== 0;
    var params = new URLSearchParams();
    if (q.value) params.set("q", q.value);
    if (g) params.set("group", g);
    if (f) params.set("flag", f);
    if (s) params.set("status", s);
    var query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
  }

  var start = new URLSearchParams(location.search);
  q.value = start.get("q") || "";
  group.value = start.get("group") || "";
  flag.value = start.get("flag") || "";
  status.value = start.get("status") || "";
  document.getElementById("filters").addEventListener("submit", function (e) { e.preventDefault(); });
  [q, group, flag, status].forEach(function (el) { el.addEventListener("input", apply); });
  apply();

  // The column headings stay in view just under the filter bar, which wraps to two lines on a narrow window.
  var bar = document.getElementById("filters");
  if (bar && window.ResizeObserver) {
    new ResizeObserver(function () {
      document.documentElement.style.setProperty("--list-head-top", "calc(3rem + " + bar.offsetHeight + "px)");
    }).observe(bar);
  }
})();
