// The composer, enhanced: variants follow the base text until edited, live checks per variant while
// typing (debounced), counters by each network's rule, previews. Without JavaScript the form still works.
(function () {
  "use strict";
  var form = document.getElementById("composer");
  if (!form) { return; }
  var base = document.getElementById("base-text");
  var token = form.querySelector("input[name=csrf_token]").value;
  var labels = form.dataset;
  var timer = null;
  var sequence = 0;

  function byId(id) { return document.getElementById(id); }
  function variantIds() {
    return Array.prototype.map.call(form.querySelectorAll("section.variant"), function (s) {
      return s.dataset.account;
    });
  }
  function ticked(id) { var box = byId("account-" + id); return box && box.checked; }
  function customised(id) { return byId("customised-" + id).value === "1"; }

  function setCustomised(id, value) {
    byId("customised-" + id).value = value ? "1" : "0";
    byId("follows-" + id).hidden = value;
    byId("edited-" + id).hidden = !value;
    byId("reset-" + id).hidden = !value;
  }

  function followBase() {
    variantIds().forEach(function (id) {
      if (!customised(id)) { byId("text-" + id).value = base.value; }
    });
  }

  function markDirty() {
    var note = byId("unsaved");
    if (note) { note.hidden = false; }
    document.querySelectorAll(".needs-saved").forEach(function (button) { button.disabled = true; });
  }

  function schedule() {
    markDirty();
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 400);
  }

  function findingItem(finding) {
    var li = document.createElement("li");
    li.className = "finding " + finding.severity;
    li.dataset.code = finding.code;
    var tag = document.createElement("span");
    tag.className = "tag " + (finding.severity === "blocking" ? "danger" : "warn");
    tag.textContent = finding.severity === "blocking" ? labels.labelBlocking : labels.labelWarning;
    li.appendChild(tag);
    li.appendChild(document.createTextNode(" " + finding.text));
    finding.quotes.forEach(function (quote) {
      var mark = document.createElement("mark");
      mark.textContent = quote;
      li.appendChild(document.createTextNode(" "));
      li.appendChild(mark);
    });
    if (finding.suggestions.length) {
      var hint = document.createElement("span");
      hint.className = "muted";
      hint.textContent = " " + labels.labelSuggestions + " " + finding.suggestions.join(", ");
      li.appendChild(hint);
    }
    return li;
  }

  function fillList(list, findings) {
    if (!list) { return; }
    list.replaceChildren.apply(list, findings.map(findingItem));
  }

  function pickedMedia() {
    return Array.prototype.slice.call(form.querySelectorAll("input[name=media_ids]:checked"));
  }

  function fillPreviewMedia() {
    form.querySelectorAll(".preview-media").forEach(function (strip) {
      var images = pickedMedia().filter(function (box) { return box.dataset.thumb; }).map(function (box) {
        var img = document.createElement("img");
        img.src = box.dataset.thumb;
        img.alt = box.dataset.alt;
        return img;
      });
      strip.replaceChildren.apply(strip, images);
    });
  }

  function fillPreview(id, parts) {
    var box = byId("preview-" + id);
    var text = box && box.querySelector(".preview-text");
    if (!text) { return; }
    var nodes = parts.map(function (part) {
      if (part[0] !== "link") { return document.createTextNode(part[1]); }
      var a = document.createElement("a");
      a.href = part[1];
      a.textContent = part[1];
      a.rel = "nofollow noopener noreferrer";
      a.target = "_blank";
      return a;
    });
    text.replaceChildren.apply(text, nodes);
  }

  function render(data) {
    data.results.forEach(function (result) {
      var counter = byId("counter-" + result.account_id);
      if (counter) {
        counter.textContent = result.length + " / " + result.limit;
        counter.classList.toggle("over", result.over);
      }
      fillList(byId("findings-" + result.account_id), result.findings);
      fillPreview(result.account_id, result.preview);
    });
    fillList(byId("post-findings"), data.post_findings);
  }

  function check() {
    var ids = variantIds().filter(ticked);
    var choice = form.querySelector("input[name=dst_choice]:checked");
    var body = {
      text: base.value,
      pillar: byId("pillar").value,
      scheduled_local: byId("scheduled-local").value,
      dst_choice: choice ? choice.value : "",
      media_ids: pickedMedia().map(function (box) { return Number(box.value); }),
      variants: ids.map(function (id) { return { account_id: Number(id), text: byId("text-" + id).value }; })
    };
    if (form.dataset.postId) { body.post_id = Number(form.dataset.postId); }
    var mine = ++sequence;
    fetch(form.dataset.checkUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      // Answers can overtake each other; only the newest one is shown.
      if (data && mine === sequence) { render(data); }
    }).catch(function () { /* offline: the checks run again on save */ });
  }

  base.addEventListener("input", function () { followBase(); schedule(); });
  variantIds().forEach(function (id) {
    byId("text-" + id).addEventListener("input", function () { setCustomised(id, true); schedule(); });
    byId("reset-" + id).addEventListener("click", function (event) {
      event.preventDefault();
      setCustomised(id, false);
      byId("text-" + id).value = base.value;
      schedule();
    });
    byId("account-" + id).addEventListener("change", function () {
      byId("variant-" + id).hidden = !ticked(id);
      if (!customised(id)) { byId("text-" + id).value = base.value; }
      schedule();
    });
  });
  ["pillar", "persona", "scheduled-local"].forEach(function (id) {
    var field = byId(id);
    if (field) { field.addEventListener("change", schedule); }
  });
  form.querySelectorAll("input[name=media_ids]").forEach(function (box) {
    box.addEventListener("change", function () { fillPreviewMedia(); schedule(); });
  });
  form.querySelectorAll("input[name=dst_choice]").forEach(function (radio) {
    radio.addEventListener("change", schedule);
  });
  if (variantIds().some(ticked)) { check(); }
})();
