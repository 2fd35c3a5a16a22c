/* H5 app: fetch the shared item through the mini-program's GraphQL operations and render it.
 * Kinds: page (microsite), article, card, form, product, file, poster, and "preview" (an
 * editor's draft, contract 2 in docs/h5.md: same microsite renderer, no tracking).
 * Inside a share, links move by hash (#/article/12, #/page/5, ...) keeping the share token,
 * so everything read is still credited to the sharing salesperson. */
(function () {
  "use strict";
  // Visible words come from Django's JavaScript catalogue (/h5/jsi18n/, the visitor's language).
  var gettext = window.gettext || function (text) { return text; };
  var cfg = JSON.parse(document.getElementById("h5-config").textContent);
  var app = document.getElementById("app");
  var docs = cfg.documents || {};
  var preview = cfg.kind === "preview";
  // Content loads use the advertised item's token; a poster link keeps its own token for tracking.
  var contentToken = cfg.contentToken || cfg.token;
  var tracker = preview ? null : new window.H5Tracker({ url: cfg.trackUrl, token: cfg.token });
  var state = { phonePolicy: "on_consult", phoneAsked: false, microsite: null, visitor: null };

  function track(type, extra) { if (tracker) tracker.track(type, extra); }
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function safeUrl(u) {
    // Only web addresses and site-relative paths become links or sources.
    u = String(u || "");
    return /^(https?:\/\/|\/(?!\/))/i.test(u) ? u : "";
  }
  function img(image, alt) {
    var u = image && safeUrl(image.url);
    return u ? '<img alt="' + esc(alt || "") + '" src="' + esc(u) + '">' : "";
  }
  function num(v, low, high, dflt) {
    var n = parseInt(v, 10);
    return isNaN(n) ? dflt : Math.max(low, Math.min(high, n));
  }

  // Rich text is sanitized by the API (nh3); it is still parsed inert and filtered here.
  var RICH_TAGS = /^(P|BR|B|STRONG|I|EM|U|S|H1|H2|H3|H4|H5|H6|UL|OL|LI|A|BLOCKQUOTE|CODE|PRE|HR|IMG|SPAN|DIV|SUB|SUP|TABLE|THEAD|TBODY|TR|TD|TH|FIGURE|FIGCAPTION)$/;
  var RICH_ATTRS = { href: 1, src: 1, alt: 1, title: 1, width: 1, height: 1, colspan: 1, rowspan: 1 };
  function safeHtml(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = String(html || "");
    (function clean(node) {
      Array.prototype.slice.call(node.childNodes).forEach(function (child) {
        if (child.nodeType === 3) return;
        if (child.nodeType !== 1 || !RICH_TAGS.test(child.tagName)) {
          if (child.nodeType === 1 && !/^(SCRIPT|STYLE|IFRAME|OBJECT|EMBED|TEMPLATE)$/.test(child.tagName)) {
            clean(child);
            while (child.firstChild) node.insertBefore(child.firstChild, child);
          }
          node.removeChild(child);
          return;
        }
        Array.prototype.slice.call(child.attributes).forEach(function (a) {
          var name = a.name.toLowerCase();
          if (!RICH_ATTRS[name] || ((name === "href" || name === "src") && !safeUrl(a.value))) child.removeAttribute(a.name);
        });
        if (child.tagName === "A") child.setAttribute("rel", "noopener noreferrer");
        clean(child);
      });
    })(tpl.content);
    return tpl.content;
  }
  function fillRich(root, rich) {
    Array.prototype.forEach.call(root.querySelectorAll("[data-rich]"), function (el) {
      el.appendChild(safeHtml(rich[el.getAttribute("data-rich")]));
    });
  }

  function gql(document, variables) {
    return fetch(cfg.graphqlUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Enterprise-Key": cfg.enterpriseKey },
      body: JSON.stringify({ query: document, variables: variables })
    }).then(function (r) { return r.json(); });
  }
  function visitorToken() {
    // The anonymous device visitor (the same row the tracker reports), named once per device.
    // Tokens expire (VISITOR_TOKEN_MAX_AGE): one older than a day is renewed on this use.
    var key = "h5.visitor." + cfg.enterpriseKey, RENEW_MS = 86400000;
    if (state.visitor) return Promise.resolve(state.visitor);
    try {
      var at = Number(localStorage.getItem(key + ".at")) || 0;
      state.visitor = Date.now() - at < RENEW_MS ? localStorage.getItem(key) : null;
    } catch (e) { state.visitor = null; }
    if (state.visitor) return Promise.resolve(state.visitor);
    return gql(docs.VisitorSession, { shareToken: cfg.token, deviceId: tracker.device }).then(function (res) {
      var s = res.data && res.data.visitorSession;
      if (!s) throw new Error("no visitor session");
      state.visitor = s.visitorToken;
      try {
        localStorage.setItem(key, s.visitorToken);
        localStorage.setItem(key + ".at", String(Date.now()));
      } catch (e) { /* private mode */ }
      return s.visitorToken;
    });
  }

  // --- links inside a share ----------------------------------------------------------
  var ROUTE_KINDS = { article: 1, page: 1, product: 1, file: 1, form: 1 };
  function linkHref(link) {
    if (!link) return "";
    if (ROUTE_KINDS[link.kind] && link.targetId) return "#/" + link.kind + "/" + encodeURIComponent(link.targetId);
    return safeUrl(link.url);
  }
  function wrapLink(link, html) {
    var href = linkHref(link);
    return href ? '<a href="' + esc(href) + '" data-track="link">' + html + "</a>" : html;
  }

  // --- blocks (the StreamField union ComponentBlock) ------------------------------------
  function renderBlocks(blocks, rich) {
    return (blocks || []).map(function (b, i) { return renderBlock(b, rich, i); }).join("");
  }
  function renderBlock(b, rich, i) {
    var t = b.__typename, open = '<section class="h5-block" data-block="' + esc(t) + '" data-block-index="' + i + '">';
    switch (t) {
      case "CarouselBlockType":
        return '<section class="h5-block h5-carousel" data-block="' + t + '" data-block-index="' + i +
          '" data-autoplay="' + num(b.autoplaySeconds, 0, 30, 4) + '"><div class="h5-slides">' +
          (b.slides || []).map(function (s) {
            return '<figure class="h5-slide">' + wrapLink(s.link, img(s.image, s.caption)) +
              (s.caption ? "<figcaption>" + esc(s.caption) + "</figcaption>" : "") + "</figure>";
          }).join("") + "</div></section>";
      case "TitleBarBlockType":
        return open + '<div class="h5-titlebar"><h2>' + esc(b.title) + "</h2>" +
          (b.subtitle ? "<p>" + esc(b.subtitle) + "</p>" : "") +
          (linkHref(b.moreLink) ? '<a class="h5-more" data-track="more" href="' + esc(linkHref(b.moreLink)) + '">' + gettext("More") + '</a>' : "") +
          "</div></section>";
      case "DividerBlockType":
        return open + '<hr class="h5-divider h5-divider-' + esc(b.style || "line") + '" style="margin:' +
          num(b.height, 1, 120, 16) / 2 + 'px 0"></section>';
      case "RichTextBlockType":
        rich.push(b.html);
        return open + '<div class="h5-rich" data-rich="' + (rich.length - 1) + '"></div></section>';
      case "ImageBlockType":
        return open + "<figure>" + wrapLink(b.link, img(b.image, b.caption)) +
          (b.caption ? "<figcaption>" + esc(b.caption) + "</figcaption>" : "") + "</figure></section>";
      case "VideoBlockType":
        var v = safeUrl(b.url), poster = b.poster && safeUrl(b.poster.url);
        return open + (b.title ? "<h3>" + esc(b.title) + "</h3>" : "") + (/\.mp4(\?|$)/i.test(v)
          ? '<video controls preload="none" src="' + esc(v) + '"' + (poster ? ' poster="' + esc(poster) + '"' : "") + "></video>"
          : (v ? '<a href="' + esc(v) + '" data-track="video" rel="noopener">▶ ' + esc(b.title || v) + "</a>" : "")) + "</section>";
      case "ArticleListBlockType":
        return open + (b.title ? "<h2>" + esc(b.title) + "</h2>" : "") + '<ul class="h5-cards h5-layout-' + esc(b.layout || "list") + '">' +
          (b.articles || []).map(function (a) {
            return '<li><a href="#/article/' + esc(a.id) + '" data-track="article">' + img(a.cover) +
              "<span><strong>" + esc(a.title) + "</strong>" + (a.summary ? "<small>" + esc(a.summary) + "</small>" : "") + "</span></a></li>";
          }).join("") + "</ul></section>";
      case "FileBlockType":
        var f = b.file || {};
        return open + '<a class="h5-file" href="#/file/' + esc(f.id) + '" data-track="file">' + img(f.cover) +
          "<span>" + esc(b.title || f.title) + " <small>" + esc(f.sizeDisplay || "") + "</small></span></a></section>";
      case "FormBlockType":
        return open + (b.form ? renderForm(b.form, b.title, rich) : "") + "</section>";
      case "ProductListBlockType":
        return open + (b.title ? "<h2>" + esc(b.title) + "</h2>" : "") + '<ul class="h5-cards h5-layout-' + esc(b.layout || "list") + '">' +
          (b.products || []).map(function (p) {
            return '<li><a href="#/product/' + esc(p.id) + '" data-track="product">' + img(p.cover) +
              "<span><strong>" + esc(p.name) + '</strong><small class="h5-price">' + esc(p.priceDisplay || "") + "</small></span></a></li>";
          }).join("") + "</ul></section>";
      case "ContactBlockType":
        return open + contactButton(b) + "</section>";
      default:
        return "";
    }
  }
  function contactButton(b) {
    var sp = state.salesperson || {}, cls = b.style === "floating" ? "h5-floating" : "h5-button";
    if (b.action === "call" && sp.phone) {
      return '<a class="' + cls + '" data-track="call" href="tel:' + esc(String(sp.phone).replace(/[^0-9+]/g, "")) + '">' + esc(b.label) + "</a>";
    }
    if (b.action === "wechat" && sp.wechatId) {
      return '<button type="button" class="' + cls + '" data-track="wechat" data-wechat="' + esc(sp.wechatId) + '">' + esc(b.label) + "</button>";
    }
    return '<button type="button" class="' + cls + '" data-track="consult" data-consult>' + esc(b.label) + "</button>";
  }

  // --- forms -------------------------------------------------------------------------
  function renderForm(form, title, rich) {
    // form.intro is the description as sanitized HTML: filled in as rich text, like rich text blocks.
    if (form.intro) rich.push(form.intro);
    var header = form.headerImage && safeUrl(form.headerImage.url);
    var html = '<form class="h5-form" novalidate data-form-id="' + esc(form.id) + '"' +
      (form.thankYouText ? ' data-thanks="' + esc(form.thankYouText) + '"' : "") + ">" +
      (header ? '<img class="h5-form-header" alt="" src="' + esc(header) + '">' : "") +
      "<h3>" + esc(title || form.title) + "</h3>" +
      (form.intro ? '<div class="h5-intro h5-rich" data-rich="' + (rich.length - 1) + '"></div>' : "") +
      '<p class="h5-field-error" data-error-for="__all__" role="alert" hidden></p>';
    (form.fields || []).forEach(function (f) {
      var id = "f-" + esc(form.id) + "-" + esc(f.name), name = esc(f.name), req = f.required ? " required" : "";
      var label = esc(f.label || f.name) + (f.required ? ' <span aria-hidden="true">*</span>' : "");
      html += '<div class="h5-field" data-field="' + name + '">';
      if (f.type === "radio" || f.type === "checkboxes") {
        html += "<fieldset><legend>" + label + "</legend>" + (f.choices || []).map(function (c) {
          return '<label><input type="' + (f.type === "radio" ? "radio" : "checkbox") + '" name="' + name + '" value="' + esc(c) + '"> ' + esc(c) + "</label>";
        }).join("") + "</fieldset>";
      } else {
        html += '<label for="' + id + '">' + label + "</label>";
        var type = { phone: "tel", email: "email", number: "number", date: "date" }[f.type] || "text";
        html += f.type === "multiline"
          ? '<textarea id="' + id + '" name="' + name + '"' + req + "></textarea>"
          : '<input id="' + id + '" name="' + name + '" type="' + type + '"' + req + (f.defaultValue ? ' value="' + esc(f.defaultValue) + '"' : "") + ">";
      }
      if (f.helpText) html += '<p class="h5-help">' + esc(f.helpText) + "</p>";
      html += '<p class="h5-field-error" data-error-for="' + name + '" role="alert" hidden></p></div>';
    });
    return html + '<button type="submit" data-track="form">' + esc(form.submitLabel || gettext("Submit")) + "</button></form>";
  }
  function formData(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name) return;
      if (el.type === "checkbox") { data[el.name] = data[el.name] || []; if (el.checked) data[el.name].push(el.value); }
      else if (el.type === "radio") { if (el.checked) data[el.name] = el.value; else if (!(el.name in data)) data[el.name] = ""; }
      else data[el.name] = el.value;
    });
    return data;
  }
  function showErrors(form, errors) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-error-for]"), function (p) { p.hidden = true; p.textContent = ""; });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (el) { el.removeAttribute("aria-invalid"); });
    errors.forEach(function (e) {
      var box = form.querySelector('[data-error-for="' + CSS.escape(e.field) + '"]') || form.querySelector('[data-error-for="__all__"]');
      box.hidden = false;
      box.setAttribute("data-code", e.code);
      box.textContent = (box.textContent ? box.textContent + " " : "") + e.message;
      var input = form.querySelector('[name="' + CSS.escape(e.field) + '"]');
      if (input) { input.setAttribute("aria-invalid", "true"); input.setAttribute("aria-describedby", box.id || ""); }
    });
    var first = form.querySelector("[aria-invalid]");
    if (first) first.focus();
  }
  function retryText() { return gettext("Please try again in a moment; what you entered is kept."); }
  function requestError(res) {
    // The API's error codes are stable (docs/api.md); UNAVAILABLE (503) and LIMIT mean "try again".
    var error = (res && res.errors && res.errors[0]) || {};
    var code = (error.extensions && error.extensions.code) || "ERROR";
    if (code === "UNAVAILABLE") return { field: "__all__", code: code, message: gettext("The service is briefly unavailable.") + " " + retryText() };
    if (code === "LIMIT") return { field: "__all__", code: code, message: (error.message || gettext("Could not submit")) + " " + retryText() };
    return { field: "__all__", code: code, message: error.message || gettext("Could not submit") };
  }
  function submitForm(form) {
    if (preview) return;
    var button = form.querySelector("[type=submit]");
    button.disabled = true;
    var formId = form.getAttribute("data-form-id");
    visitorToken().catch(function () { return null; }).then(function (vt) {
      return gql(docs.SubmitForm, { formId: formId, data: formData(form), visitorToken: vt, shareToken: contentToken });
    }).then(function (res) {
      var r = res.data && res.data.submitForm;
      if (!r) { showErrors(form, [requestError(res)]); return; }
      if (!r.ok) { showErrors(form, r.errors || []); return; }
      track("form_submit", { target: "form:" + formId });
      if (tracker) tracker.flush();
      var done = document.createElement("p");
      done.className = "h5-thanks";
      done.setAttribute("role", "status");
      done.textContent = form.getAttribute("data-thanks") || gettext("Thank you, we will be in touch.");
      form.replaceWith(done);
    }).catch(function () {
      // Offline, or a proxy's HTML error page: the typed input stays in the form for a retry.
      showErrors(form, [{ field: "__all__", code: "NETWORK", message: gettext("Network error") + " " + retryText() }]);
    }).then(function () { button.disabled = false; });
  }

  // --- pages per kind ------------------------------------------------------------------
  function contact(sp, where) {
    if (!sp) return "";
    return '<section class="h5-contact" data-contact="' + where + '">' + img(sp.avatar) +
      '<div><strong>' + esc(sp.name) + '</strong><br><span>' + esc(sp.phone) + '</span>' +
      (sp.wechatId ? '<br><small>WeChat ' + esc(sp.wechatId) + "</small>" : "") + "</div>" +
      '<button type="button" data-track="consult" data-consult>' + gettext("Consult") + '</button></section>';
  }
  function forwardButton() {
    return preview ? "" : '<button type="button" class="h5-button h5-forward" data-track="share" data-share>' + gettext("Forward") + '</button>';
  }
  function renderArticle(a) {
    var pos = a.contactPosition, sp = a.salesperson, m = a.modules || {}, rich = [];
    state.salesperson = sp;
    var html = "";
    if (m.contact !== false && pos === "top") html += contact(sp, "top");
    html += "<article><h1>" + esc(a.title) + "</h1>";
    if (m.date !== false && a.date) html += '<p class="h5-meta">' + esc(a.author || "") + " " + esc(a.date) + "</p>";
    html += '<div class="h5-body">' + renderBlocks(a.body, rich) + "</div></article>";
    if (m.contact !== false && pos === "bottom") html += contact(sp, "bottom");
    if (m.products !== false && (a.products || []).length) {
      html += '<section data-section="products"><h2>' + gettext("Products") + '</h2><ul class="h5-cards">' + a.products.map(function (p) {
        return '<li><a href="#/product/' + esc(p.id) + '" data-track="product">' + img(p.cover) + "<span><strong>" + esc(p.name) +
          '</strong><small class="h5-price">' + esc(p.priceDisplay || "") + "</small></span></a></li>";
      }).join("") + "</ul></section>";
    }
    if (m.recommendations !== false && (a.recommended || []).length) {
      html += '<section data-section="recommended"><h2>' + gettext("Recommended") + '</h2><ul class="h5-cards">' + a.recommended.map(function (r) {
        return '<li><a href="#/article/' + esc(r.id) + '" data-track="article">' + img(r.cover) + "<span><strong>" + esc(r.title) + "</strong></span></a></li>";
      }).join("") + "</ul></section>";
    }
    if (m.share !== false) html += forwardButton();
    if (m.contact !== false && pos === "floating" && sp) html += '<button type="button" class="h5-floating" data-track="consult" data-consult data-contact="floating">' + esc(sp.name) + "</button>";
    show(html, rich);
  }
  function setTheme(colour) {
    if (/^#[0-9a-fA-F]{3,8}$/.test(colour || "")) document.documentElement.style.setProperty("--theme", colour);
  }
  function renderMicrosite(site, page, activeId) {
    // site: Microsite data (theme, nav, salesperson); page: the body to show (home or a nav page).
    var rich = [], nav = (site.navigation || []).slice(0, 5);
    setTheme(site.themeColour);
    state.salesperson = site.salesperson;
    state.phonePolicy = site.phonePolicy || "none";
    var html = '<header class="h5-site-header"><a href="#/" data-track="home">' + img(site.logo) + "<span>" + esc(site.title) + "</span></a></header>";
    if (page !== site) html += "<h1>" + esc(page.title) + "</h1>";
    html += '<div class="h5-body">' + renderBlocks(page.body, rich) + "</div>" + forwardButton();
    if (nav.length) {
      html += '<nav class="h5-tabs" aria-label="' + gettext("Navigation") + '"><a href="#/" data-tab="home"' + (activeId ? "" : ' aria-current="page"') + ">" + gettext("Home") + "</a>" +
        nav.map(function (n) {
          return '<a href="#/page/' + esc(n.id) + '" data-tab="' + esc(n.id) + '"' + (String(activeId) === String(n.id) ? ' aria-current="page"' : "") +
            ">" + img(n.icon) + "<span>" + esc(n.title) + "</span></a>";
        }).join("") + "</nav>";
    }
    show(html, rich);
  }
  function renderPreview(page) {
    var rich = [];
    show('<p class="h5-preview-banner">' + gettext("Preview") + '</p><h1>' + esc(page.title) + '</h1><div class="h5-body">' + renderBlocks(page.body, rich) + "</div>", rich);
  }
  function renderCard(c) {
    var rich = [], html = '<section class="h5-card-head">' + img(c.photo) + "<div><h1>" + esc(c.name) + "</h1><p>" + esc(c.title) + "</p></div></section>";
    (c.modules || []).forEach(function (m) {
      html += '<section class="h5-block" data-module="' + esc(m.key) + '">' + (m.label ? "<h2>" + esc(m.label) + "</h2>" : "");
      if (m.text) html += '<p class="h5-text">' + esc(m.text) + "</p>";
      if (m.contact) {
        var ct = m.contact;
        state.salesperson = { name: ct.name, phone: ct.phone, wechatId: ct.wechatId };
        html += '<dl class="h5-contact-list">' + [[gettext("Phone"), ct.phone], [gettext("WeChat"), ct.wechatId], [gettext("Email"), ct.email], [gettext("Address"), ct.address]]
          .filter(function (r) { return r[1]; }).map(function (r) { return "<dt>" + r[0] + "</dt><dd>" + esc(r[1]) + "</dd>"; }).join("") + "</dl>" +
          '<button type="button" class="h5-button" data-track="consult" data-consult>' + gettext("Consult") + '</button>';
      }
      if ((m.tags || []).length) {
        html += '<ul class="h5-tags">' + m.tags.map(function (t) {
          return '<li><button type="button" data-track="like" data-like="' + esc(t.id) + '">' + esc(t.name) +
            ' <span class="h5-likes" data-likes>' + num(t.likes, 0, 1e9, 0) + "</span> 👍</button></li>";
        }).join("") + "</ul>";
      }
      if ((m.products || []).length) html += renderBlock({ __typename: "ProductListBlockType", products: m.products }, rich, 0).replace(/^<section[^>]*>|<\/section>$/g, "");
      if ((m.articles || []).length) html += renderBlock({ __typename: "ArticleListBlockType", articles: m.articles }, rich, 0).replace(/^<section[^>]*>|<\/section>$/g, "");
      if ((m.body || []).length) html += renderBlocks(m.body, rich);
      html += "</section>";
    });
    show(html + forwardButton(), rich);
  }
  function likeTag(button) {
    visitorToken().then(function (vt) {
      return gql(docs.LikeCardTag, { tagId: button.getAttribute("data-like"), visitorToken: vt });
    }).then(function (res) {
      var r = res.data && res.data.likeCardTag;
      if (!r) return;
      button.querySelector("[data-likes]").textContent = r.likes;
      button.setAttribute("aria-pressed", "true");
      track("like");
    });
  }
  function renderProduct(p) {
    var mall = safeUrl(p.mallUrl);
    show("<article>" + img(p.cover, p.name) + "<h1>" + esc(p.name) + '</h1><p class="h5-price">' + esc(p.priceDisplay || "") + "</p>" +
      (p.description ? '<p class="h5-text">' + esc(p.description) + "</p>" : "") +
      (mall ? '<a class="h5-button" data-track="mall" href="' + esc(mall) + '" rel="noopener">' + gettext("Buy") + '</a> ' : "") +
      '<button type="button" class="h5-button" data-track="consult" data-consult>' + gettext("Consult") + '</button></article>' + forwardButton(), []);
  }
  function renderFile(f) {
    var u = safeUrl(f.url), viewer = "";
    if (u && f.kind === "image") viewer = '<img class="h5-viewer" alt="' + esc(f.title) + '" src="' + esc(u) + '">';
    else if (u && f.kind === "video") viewer = '<video class="h5-viewer" controls src="' + esc(u) + '"></video>';
    else if (u && /\.pdf(\?|$)/i.test(u)) viewer = '<iframe class="h5-viewer" title="' + esc(f.title) + '" src="' + esc(u) + '"></iframe>';
    else if (f.cover) viewer = img(f.cover, f.title);
    var meta = [f.sizeDisplay, f.contentType].filter(Boolean).map(esc).join(" · ");
    show("<article><h1>" + esc(f.title) + "</h1>" + (meta ? '<p class="h5-meta" data-file-meta>' + meta + "</p>" : "") + (f.description ? '<p class="h5-text">' + esc(f.description) + "</p>" : "") + viewer +
      (u ? '<p><a class="h5-button" data-track="download" href="' + esc(u) + '" download>' + gettext("Download") + '</a></p>' : "") + "</article>" + forwardButton(), []);
  }
  function renderPoster(p) {
    var target = safeUrl(p.targetUrl);
    show('<figure class="h5-poster"><img alt="' + gettext("Poster") + '" src="' + esc(safeUrl(p.imageUrl)) + '"></figure>' +
      (target ? '<a class="h5-button" data-track="poster" href="' + esc(target) + '">' + gettext("Open") + '</a>' : "") + forwardButton(), []);
  }
  function show(html, rich) {
    app.innerHTML = html;
    fillRich(app, rich);
    startCarousels();
    window.scrollTo(0, 0);
  }
  function unavailable() { app.innerHTML = '<p class="h5-error">' + gettext("Not available") + '</p>'; }
  function startCarousels() {
    Array.prototype.forEach.call(app.querySelectorAll(".h5-carousel"), function (c) {
      var seconds = num(c.getAttribute("data-autoplay"), 0, 30, 4), slides = c.querySelector(".h5-slides");
      if (!seconds || slides.children.length < 2) return;
      var timer = setInterval(function () {
        if (!document.body.contains(slides)) { clearInterval(timer); return; }
        var next = slides.scrollLeft + slides.clientWidth;
        slides.scrollTo({ left: next >= slides.scrollWidth - 2 ? 0 : next, behavior: "smooth" });
      }, seconds * 1000);
    });
  }

  // --- loading and routing -------------------------------------------------------------
  function load(name, variables, field) {
    return gql(docs[name], variables).then(function (res) {
      var data = res.data && res.data[field];
      if (res.errors || !data) throw new Error("unavailable");
      return data;
    });
  }
  function site() {
    if (state.microsite) return Promise.resolve(state.microsite);
    return load("Microsite", { shareToken: contentToken }, "microsite").then(function (s) { state.microsite = s; return s; });
  }
  function open(kind, id) {
    // Render one item of the share; kind/id name the shared item itself or a linked one.
    var sub = !(kind === cfg.kind && String(id) === String(cfg.id));
    var target = sub ? kind + ":" + id : "";
    var shown;
    if (kind === "page") {
      shown = site().then(function (s) {
        if (String(s.id) === String(id)) return renderMicrosite(s, s, null);
        return load("MicrositePage", { id: id }, "micrositePage").then(function (p) { renderMicrosite(s, p, p.id); });
      });
    } else if (kind === "article") {
      shown = load("H5Article", { id: id, shareToken: contentToken }, "article").then(renderArticle);
    } else if (kind === "card") {
      shown = load("Card", { shareToken: contentToken }, "card").then(renderCard);
    } else if (kind === "form") {
      shown = load("Form", { id: id }, "form").then(function (f) { var rich = []; show(renderForm(f, null, rich), rich); });
    } else if (kind === "product") {
      shown = load("Product", { id: id }, "product").then(renderProduct);
    } else if (kind === "file") {
      shown = load("File", { id: id, shareToken: contentToken }, "file").then(renderFile);
    } else if (kind === "poster" && cfg.poster) {
      shown = Promise.resolve(renderPoster(cfg.poster));
    } else {
      shown = Promise.reject(new Error("unknown kind"));
    }
    return shown.then(function () {
      if (!tracker) return;
      if (!tracker.started) { tracker.target = target; tracker.start(); tracker.started = true; return; }
      tracker.heartbeat(); // seconds so far belong to what was shown before
      tracker.target = target;
      track("open");
    }, unavailable);
  }
  function route() {
    var m = /^#\/(article|page|product|file|form)\/(\d+)$/.exec(location.hash);
    if (m) return open(m[1], m[2]);
    if (cfg.kind === "page" && location.hash === "#/") return site().then(function (s) { return open("page", s.id); });
    return open(cfg.kind, cfg.id);
  }

  // --- interaction ---------------------------------------------------------------------
  function phoneDialog() {
    // Stand-in for the mini-program's getPhoneNumber button, shown per the enterprise's policy.
    var dlg = document.getElementById("phone-dialog");
    state.phoneAsked = true;
    dlg.hidden = false;
    dlg.onclick = function (e) {
      var choice = e.target.getAttribute("data-phone");
      if (!choice) return;
      dlg.hidden = true;
      if (choice === "allow") track("phone_auth");
    };
  }
  function forward() {
    track("share");
    if (tracker) tracker.flush();
    var sheet = document.getElementById("forward-sheet");
    visitorToken().then(function (vt) {
      return gql(docs.ForwardShare, { token: cfg.token, visitor: vt });
    }).then(function (res) {
      var share = res.data && res.data.forwardShare && res.data.forwardShare.share;
      if (!share) throw new Error("no share");
      sheet.querySelector("[data-forward-url]").value = share.url;
      sheet.hidden = false;
    }).catch(function () {
      sheet.querySelector("[data-forward-url]").value = "";
      sheet.hidden = false;
      sheet.querySelector("[data-forward-error]").hidden = false;
    });
  }
  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!t.closest) return;
    var asks = state.phonePolicy === "on_any_click" ? t.closest("[data-track]") : t.closest("[data-consult]");
    if (asks && !preview && state.phonePolicy !== "none" && (!state.phoneAsked || t.closest("[data-consult]"))) phoneDialog();
    if (t.closest("[data-share]")) forward();
    var like = t.closest("[data-like]");
    if (like && !preview) likeTag(like);
    var wechat = t.closest("[data-wechat]");
    if (wechat) wechat.textContent = "WeChat: " + wechat.getAttribute("data-wechat");
    if (t.closest("[data-forward-close]")) document.getElementById("forward-sheet").hidden = true;
    if (t.closest("[data-forward-copy]") && navigator.clipboard) {
      navigator.clipboard.writeText(document.querySelector("[data-forward-url]").value).catch(function () {});
    }
  });
  document.addEventListener("submit", function (e) {
    var form = e.target.closest && e.target.closest("form[data-form-id]");
    if (!form) return;
    e.preventDefault();
    submitForm(form);
  });

  if (preview) {
    gql(cfg.document, { token: cfg.previewToken }).then(function (res) {
      var page = res.data && res.data.pagePreview;
      if (res.errors || !page) return unavailable();
      renderPreview(page);
    }).catch(unavailable);
    return;
  }
  window.addEventListener("hashchange", route);
  route();
})();
