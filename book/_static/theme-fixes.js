// The page has two menu buttons (.primary-toggle): the top bar's, and the one above the article
// that sphinx-book-theme adds, which is the only one visible on a phone. pydata-sphinx-theme and
// sphinx-book-theme bind their click handlers to the first one only (pydata-sphinx-theme #2451),
// so on a phone the visible button did nothing. Every other menu button now acts as the first.
document.addEventListener("DOMContentLoaded", function () {
  var toggles = document.querySelectorAll(".primary-toggle");
  for (var i = 1; i < toggles.length; i++) {
    toggles[i].addEventListener("click", function (event) {
      event.preventDefault();
      event.stopPropagation();
      toggles[0].click();
    });
  }
});
