// The home page is whole without the app (the server fills in the services' documents and
// fees); its one script fetches the apply page's code into the cache when a finger, the
// pointer or keyboard focus reaches "Apply", so that the form is ready when the tap lands.
// The files are named by the build in the page's `temujanji-prefetch-apply` meta.
const link = document.getElementById("apply-link");
const meta = document.querySelector('meta[name="temujanji-prefetch-apply"]');
let fetched = false;
function prefetch() {
  if (fetched || !meta) return;
  fetched = true;
  for (const href of meta.content.split(/\s+/)) {
    if (!href) continue;
    const hint = document.createElement("link");
    hint.rel = "prefetch";
    hint.href = href;
    document.head.append(hint);
  }
}
if (link) {
  for (const event of ["pointerenter", "touchstart", "focus"]) {
    link.addEventListener(event, prefetch, { passive: true });
  }
}
