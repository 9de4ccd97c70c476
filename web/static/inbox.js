// The inbox without reloads: new items appear at the top of the list (polled every 4 s), a chosen saved
// reply fills the reply box, and a sent reply's state follows the network until it is final.
// Rows come from the server's own template, already escaped; they are parsed inside a <template>, where
// nothing runs. Everything else goes in through textContent and value.
(function () {
  "use strict";
  var EVERY_MS = 4000;

  function poll(url, handle) {
    var failures = 0;
    function tick() {
      fetch(url(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (data) { failures = 0; if (handle(data) !== false) { schedule(); } })
        .catch(function () { failures += 1; schedule(); });
    }
    function schedule() { window.setTimeout(tick, EVERY_MS * Math.min(1 + failures, 8)); }
    schedule();
  }

  var live = document.getElementById("live-status");
  var rows = document.getElementById("inbox-rows");
  if (live && rows && !/(^|&)cursor=/.test(live.dataset.query)) {
    var newest = parseInt(live.dataset.newest || "0", 10);
    var fresh = 0;
    poll(function () {
      var query = live.dataset.query ? live.dataset.query + "&" : "";
      return live.dataset.liveUrl + "?" + query + "after=" + newest;
    }, function (data) {
      newest = Math.max(newest, data.newest_id || 0);
      if (!data.count) { return; }
      var template = document.createElement("template");
      template.innerHTML = data.html;
      var added = Array.prototype.slice.call(template.content.querySelectorAll("tr.inbox-row"));
      added.reverse().forEach(function (row) {
        if (!document.getElementById(row.id)) {
          row.classList.add("fresh");
          rows.insertBefore(document.importNode(row, true), rows.firstChild);
          fresh += 1;
        }
      });
      var empty = document.getElementById("inbox-empty");
      if (empty) { empty.hidden = true; }
      live.textContent = fresh + " " + live.dataset.newLabel;
    });
  }

  var picker = document.getElementById("saved-reply");
  var box = document.getElementById("reply-text");
  if (picker && box) {
    picker.addEventListener("change", function () {
      var option = picker.options[picker.selectedIndex];
      if (option && option.dataset.text !== undefined) { box.value = option.dataset.text; }
    });
  }

  var list = document.getElementById("actions");
  if (list && list.dataset.pending === "1") {
    poll(function () { return list.dataset.url; }, function (data) {
      (data.actions || []).forEach(function (action) {
        var row = document.getElementById("action-" + action.id);
        if (!row) { return; }
        row.className = "action st-" + String(action.status).replace(/[^a-z]/g, "");
        var status = row.querySelector(".action-status");
        if (status) { status.textContent = action.label; status.dataset.status = action.status; }
        var error = row.querySelector(".action-error");
        if (error) { error.textContent = action.error; }
      });
      return !data.done;
    });
  }
})();
