// outreach preview --serve: reload this page when the server has rebuilt it.
// Served by the preview server only; the files on disk never load it.
(function () {
  "use strict";
  var script = document.currentScript;
  var version = script ? script.getAttribute("data-version") : null;
  var url = "/__outreach__/state?path=" + encodeURIComponent(location.pathname);
  var banner = null;

  function show(text) {
    if (!banner) {
      banner = document.createElement("div");
      banner.setAttribute("role", "alert");
      banner.style.cssText =
        "position:sticky;top:0;z-index:100;background:#ffebe9;color:#a40e26;" +
        "border-bottom:2px solid #a40e26;padding:8px 16px;font:600 15px/1.4 system-ui,sans-serif;" +
        "white-space:pre-wrap";
      document.body.insertBefore(banner, document.body.firstChild);
    }
    banner.textContent = text;  // text, never markup
  }

  function hide() {
    if (banner) {
      banner.remove();
      banner = null;
    }
  }

  function poll() {
    fetch(url, { cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (state.error) {
          show("The preview could not be rebuilt; it shows the last good build.\n" + state.error);
        } else {
          hide();
        }
        if (state.version && version && state.version !== version) {
          location.reload();
          return;
        }
        setTimeout(poll, 300);
      })
      .catch(function () { setTimeout(poll, 1500); });
  }

  poll();
})();
