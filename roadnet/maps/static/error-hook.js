(function () {
  var root = document.documentElement, seen = [];
  function note(text) {
    seen.push(String(text));
    root.setAttribute("data-js-errors", seen.join(" | "));
  }
  window.addEventListener("error", function (e) {
    if (e && e.message) { note(e.message + " (line " + (e.lineno || 0) + ")"); }
  });
  window.addEventListener("unhandledrejection", function (e) {
    note("unhandled rejection: " + (e && e.reason));
  });
})();
