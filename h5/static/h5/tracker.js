/* H5 tracker: batched events with client ids to /t/ (docs/tracking.md contract).
 * Pending events are kept in localStorage until the server answers 202, and re-sent with
 * the same ids, so a retry never counts twice (the server drops known ids). */
(function () {
  "use strict";
  var FLUSH_MS = 5000, HEARTBEAT_MS = 5000, MAX_BATCH = 100;
  var CONTROLS = { share: true, form: true, like: true, consult: true };
  function uid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "e" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }
  function store(key, value) {
    try { if (value === undefined) return localStorage.getItem(key); localStorage.setItem(key, value); } catch (e) { return null; }
    return value;
  }
  function Tracker(opts) {
    this.url = opts.url; this.token = opts.token; this.target = opts.target || "";
    this.key = "h5.pending." + opts.token;
    this.device = store("h5.device") || store("h5.device", uid().replace(/-/g, ""));
    this.session = uid();
    this.pending = JSON.parse(store(this.key) || "[]");
    this.sending = false; this.maxScroll = 0; this.lastBeat = Date.now();
  }
  Tracker.prototype.save = function () { store(this.key, JSON.stringify(this.pending)); };
  Tracker.prototype.track = function (type, extra) {
    var ev = { id: uid(), type: type, ts: Date.now() };
    for (var k in extra || {}) ev[k] = extra[k];
    if (this.target && !ev.target) ev.target = this.target;
    this.pending.push(ev); this.save();
    return ev;
  };
  Tracker.prototype.body = function (events) {
    return JSON.stringify({ token: this.token, device: this.device, session: this.session, events: events });
  };
  Tracker.prototype.flush = function () {
    var self = this;
    if (self.sending || !self.pending.length) return Promise.resolve();
    var batch = self.pending.slice(0, MAX_BATCH), ids = {};
    batch.forEach(function (e) { ids[e.id] = true; });
    self.sending = true;
    return fetch(self.url, { method: "POST", headers: { "Content-Type": "application/json" }, body: self.body(batch), keepalive: true })
      .then(function (r) {
        // 202 accepted, 400/403/413: the batch can never succeed, drop it; 429/5xx: keep and retry.
        if (r.status === 202 || r.status === 400 || r.status === 403 || r.status === 413) {
          self.pending = self.pending.filter(function (e) { return !ids[e.id]; }); self.save();
        }
      })
      .catch(function () { /* offline: retried on the next tick with the same ids */ })
      .then(function () { self.sending = false; });
  };
  Tracker.prototype.beacon = function () {
    if (!this.pending.length) return;
    var body = this.body(this.pending.slice(0, MAX_BATCH));
    if (navigator.sendBeacon && navigator.sendBeacon(this.url, new Blob([body], { type: "text/plain" }))) {
      // Queued by the browser; ids stay in storage until acknowledged, a re-send is deduplicated.
      this.beaconed = true;
    } else { this.flush(); }
  };
  Tracker.prototype.scroll = function () {
    var doc = document.documentElement, max = doc.scrollHeight - window.innerHeight;
    var pct = max <= 0 ? 100 : Math.round(100 * window.scrollY / max);
    this.maxScroll = Math.max(this.maxScroll, Math.min(100, Math.max(0, pct)));
  };
  Tracker.prototype.heartbeat = function () {
    var now = Date.now(), seconds = Math.round((now - this.lastBeat) / 1000);
    this.lastBeat = now;
    if (document.visibilityState === "visible" && seconds > 0) this.track("heartbeat", { seconds: seconds, scroll: this.maxScroll });
  };
  Tracker.prototype.start = function () {
    var self = this;
    self.track("open");
    self.flush();
    window.addEventListener("scroll", function () { self.scroll(); }, { passive: true });
    document.addEventListener("click", function (e) {
      // A click is a tap on content; controls that send their own event (forward: share,
      // submit: form_submit, like, consult) are not also clicks (docs/tracking.md glossary).
      var el = e.target.closest && e.target.closest("[data-track]");
      if (el && !CONTROLS[el.getAttribute("data-track")]) self.track("click");
    });
    setInterval(function () { self.heartbeat(); }, HEARTBEAT_MS);
    setInterval(function () { self.flush(); }, FLUSH_MS);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { self.heartbeat(); self.track("leave", { scroll: self.maxScroll }); self.beacon(); }
      else { self.lastBeat = Date.now(); }
    });
    window.addEventListener("pagehide", function () { self.beacon(); });
  };
  window.H5Tracker = Tracker;
})();
