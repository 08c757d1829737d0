// The workspace pages: the roster's drop zone, and a running job's progress (polled, so a reload shows it too).
"use strict";

const csrf = document.querySelector('meta[name="csrf-token"]').content;

function upload(zone, file) {
  const error = zone.querySelector(".upload-error");
  error.hidden = true;
  const body = new FormData();
  body.append("file", file);
  zone.classList.add("busy");
  fetch(zone.dataset.upload, { method: "POST", body, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" })
    .then((response) => response.json().then((data) => ({ ok: response.ok, data })))
    .then(({ ok, data }) => {
      if (ok && data.next) {
        window.location.assign(data.next);
        return;
      }
      error.textContent = data.error || "取り込めませんでした。";
      error.hidden = false;
    })
    .catch(() => {
      error.textContent = "取り込めませんでした（ファイルが大きすぎるか、作業画面が止まっています）。";
      error.hidden = false;
    })
    .finally(() => zone.classList.remove("busy"));
}

for (const zone of document.querySelectorAll(".dropzone")) {
  const input = zone.querySelector('input[type="file"]');
  input.addEventListener("change", () => input.files.length && upload(zone, input.files[0]));
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    if (event.dataTransfer.files.length) upload(zone, event.dataTransfer.files[0]);
  });
}

const job = document.getElementById("job");
if (job && (job.dataset.state === "running" || job.dataset.state === "stopping")) {
  const bar = document.getElementById("job-progress");
  const poll = () => {
    fetch(job.dataset.status, { credentials: "same-origin" })
      .then((response) => response.json())
      .then(({ job: now }) => {
        if (!now || (now.state !== "running" && now.state !== "stopping")) {
          window.location.reload(); // the result is drawn by the page
          return;
        }
        bar.max = Math.max(now.total, 1);
        bar.value = now.done;
        document.getElementById("job-count").textContent = `${now.done} / ${now.total}`;
        document.getElementById("job-stage").textContent = now.stage;
        document.getElementById("job-groups").textContent = now.groups;
        document.getElementById("job-state").textContent = now.state_words;
        setTimeout(poll, 700);
      })
      .catch(() => setTimeout(poll, 2000));
  };
  setTimeout(poll, 500);
}
