// The report archive follows its reports' progress without a reload: while one is waiting or being
// generated, the rows are fetched again every 2 s. Rows come from the server's own template, already
// escaped, and are parsed inside a <template>, where nothing runs.
(function () {
  "use strict";
  var EVERY_MS = 2000;
  var rows = document.getElementById("report-rows");
  if (!rows) { return; }
  var failures = 0;

  function tick() {
    fetch(rows.dataset.liveUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        failures = 0;
        var template = document.createElement("template");
        template.innerHTML = data.html;
        rows.replaceChildren(document.importNode(template.content, true));
        var empty = document.getElementById("reports-empty");
        if (empty) { empty.hidden = rows.children.length > 0; }
        rows.dataset.pending = data.pending ? "1" : "0";
        if (data.pending) { schedule(); }
      })
      .catch(function () { failures += 1; schedule(); });
  }
  function schedule() { window.setTimeout(tick, EVERY_MS * Math.min(1 + failures, 8)); }
  if (rows.dataset.pending === "1") { schedule(); }
})();
