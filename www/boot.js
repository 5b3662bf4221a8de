// A module whose imports fail to load (the package not built, a wrong import
// map) never runs, and would leave the page saying "Loading…" forever. The
// browser reports that as an `error` event on the <script> element; say so.
window.addEventListener(
  "error",
  (event) => {
    const el = event.target;
    if (!(el instanceof HTMLScriptElement) || el.type !== "module") return;
    document.body.dataset.state = "error";
    const status = document.getElementById("status");
    if (status) {
      status.textContent =
        "The page's script or the pkce-wasm package could not be loaded. Was the package built (bash scripts/build.sh)? See the browser console.";
    }
  },
  true,
);
