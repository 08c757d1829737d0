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
  // Only the members a link named (?ids=0005,0006: 作成's result, the members it made anew), until cleared.
  var ids = "";
  var idsNote = document.getElementById("ids-filter");
  // Search the way the roster compares: full-width digits and letters typed by an IME match too.
  function norm(s) { return (s || "").normalize("NFKC").trim().toLowerCase(); }
  // The ID, the name, and the address block (representative's name, address) as the server gave it.
  var keys = rows.map(function (tr) {
    return norm(tr.dataset.id) + "\u0000" + norm(tr.querySelector("td.name").textContent) + "\u0000" + norm(tr.dataset.search);
  });
  // Each member's links keep the filter, so its page's 「前の会員」/「次の会員」 follow what the list shows.
  var links = rows.map(function (tr) {
    return Array.prototype.map.call(tr.querySelectorAll("a[href^='/members/']"), function (a) {
      var href = a.getAttribute("href"), hash = href.indexOf("#");
      return {a: a, path: hash < 0 ? href : href.slice(0, hash), hash: hash < 0 ? "" : href.slice(hash)};
    });
  });

  function apply() {
    var text = norm(q.value), g = group.value, f = flag.value, s = status.value, n = 0;
    var only = ids ? "," + ids + "," : "";
    for (var i = 0; i < rows.length; i++) {
      var tr = rows[i], flags = tr.dataset.flags;
      var ok = (!text || keys[i].indexOf(text) !== -1) &&
        (!g || tr.dataset.group === g) &&
        (!f || (f === "any" ? flags !== "" : (" " + flags + " ").indexOf(" " + f + " ") !== -1)) &&
        (!s || tr.dataset.status === s) &&
        (!only || only.indexOf("," + tr.dataset.id + ",") !== -1);
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
    if (ids) params.set("ids", ids);
    idsNote.hidden = !ids;
    var query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
    links.forEach(function (row) {
      row.forEach(function (l) { l.a.setAttribute("href", l.path + (query ? "?" + query : "") + l.hash); });
    });
  }

  var start = new URLSearchParams(location.search);
  q.value = start.get("q") || "";
  group.value = start.get("group") || "";
  flag.value = start.get("flag") || "";
  status.value = start.get("status") || "";
  ids = start.get("ids") || "";
  document.getElementById("ids-clear").addEventListener("click", function (e) { e.preventDefault(); ids = ""; apply(); });
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
