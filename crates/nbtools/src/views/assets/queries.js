// Query browser: the filter box hides queries whose text does not contain every word.
window.huntrsViews.init("queries", function (root) {
  var box = root.querySelector(".hq-filter");
  if (!box) return;
  box.addEventListener("input", function () {
    var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
    root.querySelectorAll(".hq-query").forEach(function (q) {
      var text = q.textContent.toLowerCase();
      q.style.display = words.every(function (w) { return text.indexOf(w) >= 0; }) ? "" : "none";
    });
    root.querySelectorAll(".hq-family").forEach(function (f) {
      var shown = Array.prototype.some.call(f.querySelectorAll(".hq-query"), function (q) {
        return q.style.display !== "none";
      });
      f.style.display = shown ? "" : "none";
    });
  });
});
