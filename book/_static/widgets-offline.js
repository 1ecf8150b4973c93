// Pages with ipywidgets load RequireJS, this file, then the widget manager (embed-amd.js), all
// from this book (nb_ipywidgets_js in _config.yml). Without this file the manager looks for its
// icon fonts in the page's own folder and for other widget libraries on cdn.jsdelivr.net.
(function () {
  var here = new URL("vendor/html-manager/", document.currentScript.src).href;
  // webpack's public path of the manager's bundles: where its fonts are.
  window.__jupyter_widgets_assets_path__ = here;
  // The bundles also derive it from their RequireJS module URL: map each id into that folder.
  requirejs.config({
    paths: {
      "@jupyter-widgets/base": here + "base",
      "@jupyter-widgets/controls": here + "controls",
      "@jupyter-widgets/html-manager": here + "html-manager",
      "@jupyter-widgets/html-manager/dist/libembed-amd": here + "libembed-amd",
    },
  });
  // Third-party widget libraries (none used yet) would come from vendor/npm/<name>@<version>/.
  document.currentScript.setAttribute(
    "data-jupyter-widgets-cdn", new URL("vendor/npm/", document.currentScript.src).href);
})();
