// A single-page app: every route renders in the browser from `200.html`, reading the device's
// IndexedDB, so nothing is rendered or prerendered at build time.
export const ssr = false;
export const prerender = false;
