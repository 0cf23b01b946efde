// Injected into the page before the site's own scripts by tests/bench/peer.mjs
// (page.addInitScript): records when a picked file's `change` event fires and
// when the trace list and the findings are first on screen, and every long
// task. It looks only at `data-testid`s (`trace-row`, `finding`,
// `no-findings`), never at how the page is built, so it measures a page that
// renders in a Web Worker or virtualises its rows the same way.
//
// "On screen" is a painted frame: the rows are checked at each animation
// frame, and a timer set in the frame that first sees them fires after that
// frame is painted. The check costs one querySelector per frame and nothing
// while the main thread is busy (no MutationObserver taking records of every
// node the page adds).
(() => {
  const bench = {
    changeAt: null,
    listAt: null,
    listPaintedAt: null,
    findingsAt: null,
    findingsPaintedAt: null,
    findings: null,
    longTasks: [],
  };
  window.__peerBench = bench;
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) bench.longTasks.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: "longtask", buffered: true });
  } catch {
    bench.longTasks = null; // no Long Tasks API: reported as unknown, not as none
  }
  // Capture phase on the window: runs before any handler of the page's own.
  addEventListener(
    "change",
    (event) => {
      if (bench.changeAt === null && event.target?.type === "file") bench.changeAt = performance.now();
    },
    true,
  );
  const afterPaint = (key) => setTimeout(() => (bench[key] = performance.now()), 0);
  const poll = () => {
    if (bench.changeAt !== null) {
      if (bench.listAt === null && document.querySelector('[data-testid="trace-row"]')) {
        bench.listAt = performance.now();
        afterPaint("listPaintedAt");
      }
      if (bench.findingsAt === null) {
        const findings = document.querySelectorAll('[data-testid="finding"]').length;
        if (findings > 0 || document.querySelector('[data-testid="no-findings"]')) {
          bench.findingsAt = performance.now();
          bench.findings = findings;
          afterPaint("findingsPaintedAt");
        }
      }
    }
    if (bench.listAt === null || bench.findingsAt === null) requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
})();
