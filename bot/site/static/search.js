// Pagefind's own UI, from this site's /pagefind/ folder: the index for the page's language.
// Its box has no visible label of its own, so the page's <label for="search-input"> is tied
// to it once it exists.
window.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("search");
  new PagefindUI({
    element: "#search",
    showSubResults: false,
    showImages: false,
    translations: { placeholder: box.dataset.placeholder },
  });
  function label() {
    var input = box.querySelector("input.pagefind-ui__search-input");
    if (!input) return false;
    input.id = "search-input";
    return true;
  }
  if (!label()) {
    var watch = new MutationObserver(function () {
      if (label()) watch.disconnect();
    });
    watch.observe(box, { childList: true, subtree: true });
  }
});
