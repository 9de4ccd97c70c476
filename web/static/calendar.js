// The calendar's drag and drop and the import progress bar. Every action also works without it.
(function () {
  "use strict";

  function show(text) {
    var box = document.getElementById("calendar-message");
    if (!box) { window.alert(text); return; }
    box.textContent = text;
    box.hidden = false;
  }

  function post(url, fields, csrf) {
    var body = new FormData();
    Object.keys(fields).forEach(function (key) {
      if (fields[key]) { body.append(key, fields[key]); }
    });
    body.append("csrf_token", csrf);
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf }
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; },
        function () { return { status: response.status, data: {} }; });
    });
  }

  function askForTime(question, retry) {
    var dialog = document.getElementById("dst-dialog");
    var holder = dialog.querySelector(".dst-options");
    dialog.querySelector("#dst-question").textContent = question.message;
    holder.textContent = "";
    question.options.forEach(function (option) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "primary";
      button.textContent = option.label;
      button.addEventListener("click", function () { dialog.close(); retry(option.choice); });
      holder.appendChild(button);
    });
    dialog.querySelector("[data-close]").onclick = function () { dialog.close(); };
    dialog.showModal();
  }

  function move(root, url, day, choice) {
    post(url, { date: day, dst_choice: choice }, root.dataset.csrf).then(function (result) {
      var error = result.data.error;
      if (result.status === 200) {
        window.location.reload();
      } else if (error && error.code === "time_choice_needed") {
        askForTime(error, function (picked) { move(root, url, day, picked); });
      } else {
        show(error && error.message ? error.message : root.dataset.errorOther);
      }
    }, function () { show(root.dataset.errorNetwork); });
  }

  function setUpDragAndDrop(root) {
    var dragged = null;
    root.querySelectorAll("[data-move-url]").forEach(function (item) {
      item.addEventListener("dragstart", function (event) {
        dragged = item.dataset.moveUrl;
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", item.dataset.postId);
        item.classList.add("dragging");
      });
      item.addEventListener("dragend", function () { item.classList.remove("dragging"); });
    });
    root.querySelectorAll("[data-date]").forEach(function (cell) {
      cell.addEventListener("dragover", function (event) {
        if (dragged) { event.preventDefault(); cell.classList.add("drop-target"); }
      });
      cell.addEventListener("dragleave", function () { cell.classList.remove("drop-target"); });
      cell.addEventListener("drop", function (event) {
        event.preventDefault();
        cell.classList.remove("drop-target");
        if (dragged) { move(root, dragged, cell.dataset.date, null); dragged = null; }
      });
    });
  }

  function followImport(box) {
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-progress-text]");
    function tick() {
      fetch(box.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (state) {
          bar.max = state.total_rows || 1;
          bar.value = state.processed_rows;
          text.textContent = text.dataset.pattern
            .replace("%(done)s", state.processed_rows).replace("%(total)s", state.total_rows);
          if (state.finished) { window.location.reload(); } else { window.setTimeout(tick, 1000); }
        }, function () { window.setTimeout(tick, 5000); });
    }
    window.setTimeout(tick, 1000);
  }

  var root = document.querySelector("[data-calendar]");
  if (root) { setUpDragAndDrop(root); }
  var progress = document.querySelector("[data-import-progress]");
  if (progress) { followImport(progress); }
})();
