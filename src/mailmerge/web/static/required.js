// A field left empty or mistyped: chromium words its own message in its own language (「Please fill out this
// field.」 whatever the page's), so the page gives its words instead (messages/, through this tag's data-*).
"use strict";

(() => {
  const words = document.currentScript.dataset;
  const say = (field) => {
    field.setCustomValidity("");
    if (field.validity.valueMissing) {
      field.setCustomValidity(field.type === "checkbox" ? words.check : words.required);
    } else if (field.validity.typeMismatch && field.type === "email") {
      field.setCustomValidity(words.email);
    }
  };
  // Said when the browser finds the field invalid (its "invalid" event, before it shows its message), and
  // taken back as it is filled in: never set ahead, where a field the browser fills by itself (a saved
  // password) without an input event would stay refused once.
  for (const field of document.querySelectorAll("input[required], input[type=email]")) {
    for (const event of ["input", "change", "invalid"]) field.addEventListener(event, () => say(field));
  }
})();
