// Progressive enhancement only: every form works without it.
document.querySelectorAll("[data-confirm]").forEach(function (button) {
  button.addEventListener("click", function (event) {
    if (!window.confirm(button.dataset.confirm)) { event.preventDefault(); }
  });
});
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
  var button = select.form.querySelector("button[type=submit]");
  if (button) { button.classList.add("sr-only"); }
});
