// authgate administration: progressive enhancement only. Every page works without this script.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Lists with checkboxes: "select all", the selected count, highlighted rows and an action
  // button that is only enabled while something is selected.
  document.querySelectorAll("form[data-selectable]").forEach(function (form) {
    var all = form.querySelector("input[data-select-all]");
    var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name='jti']"));
    var count = form.querySelector("[data-selected-count]");
    var action = form.querySelector("button[data-needs-selection]");
    function update() {
      var n = 0;
      boxes.forEach(function (b) {
        if (b.checked) { n++; }
        var row = b.closest("tr");
        if (row) { row.classList.toggle("selected", b.checked); }
      });
      if (count) { count.textContent = n + " of " + boxes.length + " selected"; }
      if (all) {
        all.checked = n > 0 && n === boxes.length;
        all.indeterminate = n > 0 && n < boxes.length;
      }
      if (action) { action.disabled = n === 0; }
    }
    if (all) {
      all.hidden = false;
      all.addEventListener("change", function () {
        boxes.forEach(function (b) { b.checked = all.checked; });
        update();
      });
    }
    boxes.forEach(function (b) { b.addEventListener("change", update); });
    update();
  });
})();
