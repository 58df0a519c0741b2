// Pagefind's own UI, from this site's /pagefind/ folder: the index for the page's language.
window.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("search");
  new PagefindUI({
    element: "#search",
    showSubResults: false,
    showImages: false,
    translations: { placeholder: box.dataset.placeholder },
  });
});
