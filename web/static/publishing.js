// Keeps the "Publishing" panel current without a reload: polls the post's status.json every 3 s while
// any account is not final (every minute while the post is not due yet), and stops once all are final.
// Server data only ever goes in through textContent and attributes we check.
(function () {
  "use strict";
  var panel = document.getElementById("publishing");
  if (!panel || panel.dataset.done === "1") { return; }
  var url = panel.dataset.statusUrl;
  var EVERY_MS = 3000;
  var IDLE_MS = 60000;
  var failures = 0;

  function webUrl(value) {
    return typeof value === "string" && /^https?:\/\//i.test(value) ? value : null;
  }

  function show(element, visible) {
    if (element) { element.hidden = !visible; }
  }

  function setText(element, text) {
    if (element) { element.textContent = text || ""; }
  }

  function updateTarget(data) {
    var row = document.getElementById("target-" + data.id);
    if (!row) { return; }
    row.dataset.status = data.status;
    row.className = "target st-" + String(data.status).replace(/[^a-z_]/g, "");
    setText(row.querySelector(".target-label"), data.label);
    var link = row.querySelector(".target-link");
    var remote = webUrl(data.remote_url);
    if (link) {
      link.href = remote || "#";
      show(link, Boolean(remote));
    }
    var advice = row.querySelector(".target-advice");
    setText(advice, data.advice);
    show(advice, Boolean(data.advice));
    var adviceLink = row.querySelector(".target-advice-link");
    if (adviceLink) {
      var local = typeof data.advice_url === "string" && data.advice_url.charAt(0) === "/" &&
        data.advice_url.charAt(1) !== "/" ? data.advice_url : null;
      adviceLink.href = local || "#";
      show(adviceLink, Boolean(local));
    }
    show(row.querySelector(".target-retry"), Boolean(data.can_retry));
    show(row.querySelector(".target-cancel"), Boolean(data.can_cancel));
    show(row.querySelector(".target-delete-remote"), Boolean(data.can_delete_remote));
  }

  function updatePost(post) {
    var tag = document.getElementById("post-status");
    if (!tag || !post) { return; }
    setText(tag, post.label);
    tag.className = "tag status-" + String(post.status).replace(/[^a-z_]/g, "");
    // Buttons meant for the status the page was drawn in (unschedule, publish now) go once it changes.
    document.querySelectorAll("[data-while-status]").forEach(function (element) {
      show(element, element.dataset.whileStatus === post.status);
    });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        (data.targets || []).forEach(updateTarget);
        updatePost(data.post);
        panel.dataset.done = data.done ? "1" : "0";
        if (!data.done) { window.setTimeout(poll, data.active ? EVERY_MS : IDLE_MS); }
      })
      .catch(function () {
        // A blip (server restart, network) is retried; a page that keeps failing stops asking.
        failures += 1;
        if (failures < 5) { window.setTimeout(poll, EVERY_MS * failures); }
      });
  }

  window.setTimeout(poll, panel.dataset.active === "1" ? EVERY_MS : IDLE_MS);
})();
