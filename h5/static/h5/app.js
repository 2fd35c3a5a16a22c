/* H5 app: fetch the shared item through the mini-program's GraphQL operation and render it. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("h5-config").textContent);
  var app = document.getElementById("app");
  var tracker = new window.H5Tracker({ url: cfg.trackUrl, token: cfg.token });

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function gql(document, variables) {
    return fetch(cfg.graphqlUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Enterprise-Key": cfg.enterpriseKey },
      body: JSON.stringify({ query: document, variables: variables })
    }).then(function (r) { return r.json(); });
  }
  function contact(sp, where) {
    if (!sp) return "";
    var avatar = sp.avatar && sp.avatar.url ? '<img alt="" src="' + esc(sp.avatar.url) + '">' : "";
    return '<section class="h5-contact" data-contact="' + where + '">' + avatar +
      '<div><strong>' + esc(sp.name) + '</strong><br><span>' + esc(sp.phone) + '</span></div>' +
      '<button type="button" data-track="consult" data-consult>咨询 Consult</button></section>';
  }
  function renderArticle(a) {
    var pos = a.contactPosition || "top", sp = a.salesperson, m = a.modules || {};
    var html = "";
    if (m.contact !== false && pos === "top") html += contact(sp, "top");
    html += "<article><h1>" + esc(a.title) + "</h1>";
    if (m.date !== false && a.date) html += '<p class="h5-meta">' + esc(a.author || "") + " " + esc(a.date) + "</p>";
    html += '<div class="h5-body">';
    (a.body || []).forEach(function (b) {
      if (b.__typename === "RichTextBlockType") html += b.html; // sanitized server side (nh3)
      else if (b.image) html += '<figure><img alt="" src="' + esc(b.image.url) + '"><figcaption>' + esc(b.caption) + "</figcaption></figure>";
    });
    html += "</div></article>";
    if (m.contact !== false && pos === "bottom") html += contact(sp, "bottom");
    if (m.products !== false && (a.products || []).length) {
      html += '<section data-section="products"><h2>产品 Products</h2><ul class="h5-list">' + a.products.map(function (p) {
        return "<li>" + esc(p.name) + " " + esc(p.price || "") + "</li>";
      }).join("") + "</ul></section>";
    }
    if (m.recommendations !== false && (a.recommended || []).length) {
      html += '<section data-section="recommended"><h2>推荐 Recommended</h2><ul class="h5-list">' + a.recommended.map(function (r) {
        return "<li>" + esc(r.title) + "</li>";
      }).join("") + "</ul></section>";
    }
    if (m.share !== false) html += '<button type="button" data-track="share" data-share>转发 Forward</button>';
    if (m.contact !== false && pos === "floating" && sp) html += '<button type="button" class="h5-floating" data-track="consult" data-consult data-contact="floating">' + esc(sp.name) + "</button>";
    app.innerHTML = html;
  }
  function phoneDialog() {
    // Stand-in for the mini-program's getPhoneNumber: asked when the visitor wants to consult.
    var dlg = document.getElementById("phone-dialog");
    dlg.hidden = false;
    dlg.onclick = function (e) {
      var choice = e.target.getAttribute("data-phone");
      if (!choice) return;
      dlg.hidden = true;
      if (choice === "allow") tracker.track("phone_auth");
    };
  }
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-consult]")) phoneDialog();
    if (e.target.closest("[data-share]")) { tracker.track("share"); tracker.flush(); }
  });

  if (!cfg.document) {
    app.innerHTML = "<p>" + esc(cfg.kind) + " " + esc(cfg.id) + "</p>";
    tracker.start();
    return;
  }
  gql(cfg.document, { id: cfg.id, shareToken: cfg.token }).then(function (res) {
    var data = res.data || {};
    if (res.errors || !data[cfg.kind]) {
      app.innerHTML = '<p class="h5-error">内容不可用 / Not available</p>';
      return;
    }
    if (cfg.kind === "article") renderArticle(data.article);
    else app.innerHTML = "<h1>" + esc(data[cfg.kind].title || data[cfg.kind].name || "") + "</h1>";
    tracker.start();
  }).catch(function () { app.innerHTML = '<p class="h5-error">网络错误 / Network error</p>'; });
})();
