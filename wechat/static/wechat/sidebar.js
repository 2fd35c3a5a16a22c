/* WeCom chat sidebar: current contact and one-tap send.
 * When the page carries a signed JS-SDK configuration (#sb-jssdk) and the WeCom JS-SDK (`wx`) is
 * loaded, we run wx.config + wx.agentConfig, then ask for the chat's external contact and send
 * through `sendChatMessage`; otherwise we copy to the clipboard. The server counts every script
 * use (POST) whichever way it was sent. */
(function () {
  "use strict";
  var wx = window.wx;
  var ready = false;
  function toast(text) {
    var el = document.createElement("div");
    el.className = "sb-toast"; el.textContent = text; document.body.appendChild(el);
    setTimeout(function () { el.remove(); }, 1500);
  }
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return m[1];
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function deliver(message, fallbackText) {
    if (ready) {
      wx.invoke("sendChatMessage", message, function (res) {
        toast(res && res.err_msg === "sendChatMessage:ok" ? "Sent" : "Not sent");
      });
    } else if (navigator.clipboard) {
      navigator.clipboard.writeText(fallbackText).then(function () { toast("Copied"); });
    }
  }
  function currentContact() {
    var current = document.getElementById("sb-current");
    if (!current) return;
    wx.invoke("getCurContExternalContact", {}, function (res) {
      if (res && res.userId) {
        location.href = current.dataset.contactUrl + "?external_userid=" + encodeURIComponent(res.userId);
      }
    });
  }
  var configEl = document.getElementById("sb-jssdk");
  if (configEl && wx && wx.config) {
    var c = JSON.parse(configEl.textContent);
    wx.config({ beta: true, debug: false, appId: c.corpid, timestamp: c.timestamp, nonceStr: c.nonceStr,
                signature: c.signature, jsApiList: c.jsApiList });
    wx.ready(function () {
      wx.agentConfig({
        corpid: c.corpid, agentid: c.agentid, timestamp: c.timestamp, nonceStr: c.nonceStr,
        signature: c.agentSignature, jsApiList: c.jsApiList,
        success: function () { ready = true; currentContact(); },
        fail: function () { toast("WeCom JS-SDK refused the configuration"); },
      });
    });
  }
  document.querySelectorAll("form.sb-send").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = form.dataset.text || "";
      deliver({ msgtype: "text", text: { content: text } }, text);
      fetch(form.action, {
        method: "POST", credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": csrf() },
      }).then(function (r) { return r.json(); }).then(function (data) {
        var count = form.querySelector(".sb-count");
        if (count && data.use_count !== undefined) count.textContent = count.dataset.format.replace("__N__", data.use_count);
      });
    });
  });
  document.querySelectorAll(".sb-send-link").forEach(function (button) {
    button.addEventListener("click", function () {
      var d = button.dataset;
      deliver({ msgtype: "news", news: { link: d.url, title: d.title, desc: d.desc || "" } }, d.url);
    });
  });
})();
