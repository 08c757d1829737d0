// Record approve / hold through the JSON API and show the result without leaving the page.
// Without JavaScript the same form posts to /members/<id>/decision and the page reloads.
(function () {
  "use strict";
  var form = document.getElementById("decision-form");
  if (!form) return;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var message = document.getElementById("decision-message");
  var statusBadge = document.getElementById("status");
  var last = document.getElementById("last-decision");
  var labels = {approved: "承認済み", hold: "保留", stale: "要再確認", undecided: "未確認"};

  // The hashes of the files this page shows (hidden fields): the decision is made on these, not on
  // whatever a later run put in their place.
  function shown() {
    var documents = {};
    Array.prototype.forEach.call(form.querySelectorAll('input[name^="pdf_sha256."]'), function (input) {
      var name = input.name.slice("pdf_sha256.".length);
      documents[name] = {pdf_sha256: input.value, docx_sha256: form.elements["docx_sha256." + name].value};
    });
    return documents;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var decision = event.submitter ? event.submitter.value : "approved";
    var then = event.submitter ? event.submitter.dataset.then : "";
    var note = form.elements.note.value;
    message.textContent = "記録しています…";
    message.className = "message";
    fetch("/api/decisions", {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify({member_id: form.dataset.member, decision: decision, note: note, documents: shown(),
                            message_sha256: form.elements.message_sha256.value})
    }).then(function (response) {
      return response.json().then(function (body) { return {ok: response.ok, body: body}; });
    }).then(function (result) {
      if (!result.ok) {
        message.textContent = result.body.error || "記録できませんでした。";
        message.className = "message error";
        return;
      }
      var m = result.body.member;
      statusBadge.textContent = labels[m.status];
      statusBadge.className = "status s-" + m.status;
      last.textContent = m.reviewer + " · " + m.decided_at_local + (m.note ? " · メモ: " + m.note : "");
      message.textContent = "記録しました（" + labels[m.status] + "）。";
      message.className = "message ok";
      form.elements.note.value = "";
      if (then === "next") {  // 承認して次へ: the next member the list's filter shows, or the list at the end
        var next = document.getElementById("next") || document.getElementById("to-list");
        location.href = next.getAttribute("href");
      }
    }).catch(function () {
      message.textContent = "確認画面に接続できません。mailmerge review が動いているか確認してください。";
      message.className = "message error";
    });
  });
})();
