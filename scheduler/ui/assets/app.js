// soracron dashboard: countdowns, Run now, and live updates (Server-Sent Events).
"use strict";

function fmtDur(ms) {
  var s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return s + "s";
  if (s < 3600) return Math.floor(s / 60) + "m " + (s % 60) + "s";
  if (s < 172800) return Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m";
  return Math.floor(s / 86400) + "d";
}

function tick() {
  var now = Date.now();
  document.querySelectorAll("time[data-countdown]").forEach(function (el) {
    var at = Date.parse(el.getAttribute("datetime"));
    el.textContent = at > now ? "in " + fmtDur(at - now) : "due";
    el.title = new Date(at).toLocaleString();
  });
  document.querySelectorAll("time[data-ago]").forEach(function (el) {
    var at = Date.parse(el.getAttribute("datetime"));
    el.textContent = fmtDur(now - at) + " ago";
    el.title = new Date(at).toLocaleString();
  });
}

function csrf() {
  var t = document.querySelector("[data-csrf]");
  return t ? t.getAttribute("data-csrf") : "";
}

// Jobs page: refresh the rows (without moving the page) on every change.
function liveJobs() {
  var body = document.getElementById("jobrows");
  if (!body) return;
  var pending = false;
  function refresh() {
    if (pending) return;
    pending = true;
    setTimeout(function () {
      fetch("/ui/jobs-table", { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          pending = false;
          if (html === null) return;
          var focused = document.activeElement && document.activeElement.closest("tr[data-job]");
          var job = focused ? focused.getAttribute("data-job") : null;
          body.innerHTML = html;
          tick();
          if (job) {
            var b = body.querySelector('tr[data-job="' + job + '"] button.runnow');
            if (b) b.focus();
          }
        }, function () { pending = false; });
    }, 150);
  }
  var es = new EventSource("/ui/events");
  es.onmessage = function () { refresh(); };
  // A change made before the stream opened (or while it reconnected) sent
  // no message to this page.
  es.onopen = function () { refresh(); };
}

// Run now dialog.
function runNow() {
  var dlg = document.getElementById("runnow");
  if (!dlg) return;
  var job = "";
  document.addEventListener("click", function (e) {
    var b = e.target.closest("button.runnow");
    if (!b) return;
    job = b.getAttribute("data-job");
    document.getElementById("runjob").textContent = job;
    var args = b.getAttribute("data-args");
    document.getElementById("runargs").value = args && args !== "{}" ? args : "{}";
    document.getElementById("rundry").checked = false;
    document.getElementById("runerror").textContent = "";
    dlg.showModal();
  });
  document.getElementById("runcancel").addEventListener("click", function () { dlg.close(); });
  document.getElementById("runform").addEventListener("submit", function (e) {
    e.preventDefault();
    var err = document.getElementById("runerror");
    var args;
    try {
      args = JSON.parse(document.getElementById("runargs").value || "{}");
    } catch (x) {
      err.textContent = "Arguments are not valid JSON: " + x.message;
      return;
    }
    if (args === null || typeof args !== "object" || Array.isArray(args)) {
      err.textContent = "Arguments must be a JSON object, such as {\"minutes\": 10}.";
      return;
    }
    fetch("/ui/jobs/" + encodeURIComponent(job) + "/run", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify({ args: args, dry_run: document.getElementById("rundry").checked })
    }).then(function (r) {
      return r.json().then(function (v) { return { ok: r.ok, v: v }; });
    }).then(function (res) {
      if (!res.ok) { err.textContent = res.v.error || "refused"; return; }
      dlg.close();
      window.location.href = "/ui/runs/" + res.v.run_id;
    }, function (x) { err.textContent = "Cannot reach the daemon: " + x; });
  });
}

// Run page: stream the log lines of a running run, then refresh its summary.
function liveRun() {
  var sum = document.getElementById("summary");
  if (!sum || sum.getAttribute("data-live") !== "true") return;
  var id = sum.getAttribute("data-run");
  var logs = document.getElementById("logs");
  var next = parseInt(logs.getAttribute("data-count"), 10) || 0;
  var es = new EventSource("/ui/events?run=" + encodeURIComponent(id));
  es.onmessage = function (m) {
    var ev = JSON.parse(m.data);
    if (String(ev.run_id) !== id) return;
    if (ev.kind === "log" && ev.index >= next) {
      next = ev.index + 1;
      var none = document.getElementById("nologs");
      if (none) none.remove();
      var li = document.createElement("li");
      li.className = "lvl-" + ev.level;
      var t = document.createElement("time"); t.textContent = ev.time || "";
      var l = document.createElement("span"); l.className = "lvl"; l.textContent = ev.level;
      var msg = document.createElement("span"); msg.className = "msg"; msg.textContent = ev.msg;
      li.append(t, " ", l, " ", msg);
      if (ev.attrs) {
        var a = document.createElement("span"); a.className = "attrs";
        a.textContent = Object.keys(ev.attrs).sort().map(function (k) { return k + "=" + JSON.stringify(ev.attrs[k]); }).join(" ");
        li.append(" ", a);
      }
      logs.appendChild(li);
    } else if (ev.kind === "run_finished") {
      es.close();
      finished();
    }
  };
  // The run may have ended before the stream opened.
  es.onopen = function () {
    fetch("/ui/runs/" + encodeURIComponent(id) + "/summary", { credentials: "same-origin" })
      .then(function (r) { return r.text(); }).then(function (html) {
        if (html.indexOf("o-running") < 0) { es.close(); finished(); }
      });
  };
  function finished() {
    fetch("/ui/runs/" + encodeURIComponent(id) + "/summary", { credentials: "same-origin" })
      .then(function (r) { return r.text(); }).then(function (html) {
        sum.innerHTML = html;
        sum.setAttribute("data-live", "false");
        // The history has every line: show them all.
        fetch(window.location.pathname, { credentials: "same-origin" }).then(function (r) { return r.text(); })
          .then(function (page) {
            var doc = new DOMParser().parseFromString(page, "text/html");
            var fresh = doc.getElementById("logs");
            if (fresh && fresh.children.length >= logs.children.length) {
              logs.replaceChildren.apply(logs, Array.prototype.slice.call(fresh.children));
              var none = document.getElementById("nologs");
              if (none && fresh.children.length) none.remove();
            }
          });
      });
  }
}

document.addEventListener("DOMContentLoaded", function () {
  tick();
  setInterval(tick, 1000);
  liveJobs();
  runNow();
  liveRun();
});
