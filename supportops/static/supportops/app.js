/* SupportOps page behaviour: the phone menu. Everything else is server-rendered (with htmx). */
(function () {
  "use strict";
  var button = document.querySelector("[data-menu-button]");
  var menu = document.getElementById("sidebar");
  if (!button || !menu) return;

  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.setAttribute("aria-label", open ? "Close menu" : "Open menu");
    menu.classList.toggle("is-open", open);
  }

  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
  window.matchMedia("(min-width: 721px)").addEventListener("change", function () {
    setOpen(false);
  });
})();
