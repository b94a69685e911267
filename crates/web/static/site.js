// Progressive touches only: every page works without this file. No network, no storage.
(function () {
  "use strict";
  var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
  var words = zh ? { copy: "复制", copied: "已复制", busy: "正在分析…" } : { copy: "Copy", copied: "Copied", busy: "Analyzing…" };

  // A copy button after each command of a resolution step.
  if (navigator.clipboard) {
    document.querySelectorAll("code.cmd").forEach(function (code) {
      // Commands, not the flags and placeholders mentioned in running text (`/skms`, `<domain>`).
      if (code.textContent.trim().indexOf(" ") < 0) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy";
      button.textContent = words.copy;
      button.setAttribute("aria-label", words.copy + ": " + code.textContent);
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(code.textContent).then(function () {
          button.textContent = words.copied;
          setTimeout(function () { button.textContent = words.copy; }, 1500);
        });
      });
      code.insertAdjacentElement("afterend", button);
    });
  }

  // An analysis can take a while: say so, and do not send the upload twice.
  document.querySelectorAll("form.analyze").forEach(function (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) {
        setTimeout(function () { button.disabled = true; button.textContent = words.busy; }, 0);
      }
    });
  });

  // "/" jumps to the search box, as on many documentation sites.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable)) return;
    var box = document.querySelector("input[type=search]");
    if (box) { event.preventDefault(); box.focus(); box.select(); }
  });
})();
