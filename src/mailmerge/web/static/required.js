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
  for (const field of document.querySelectorAll("input[required], input[type=email]")) {
    say(field);
    for (const event of ["input", "change", "invalid"]) field.addEventListener(event, () => say(field));
  }
})();
