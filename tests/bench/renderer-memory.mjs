// The memory of a browser's renderer processes, from Linux's /proc: which
// processes are renderers comes from the browser itself (the CDP's
// SystemInfo.getProcessInfo, asked again every second in case one starts
// later); each is sampled every `intervalMs` for its resident set (VmRSS),
// and at the end its kernel-kept peak (VmHWM) is read too, which catches a
// peak that fell between two samples. A page and its Web Workers share one
// renderer process, so the largest renderer is the tab. To measure one step
// of a page that is already running (opening a trace after its load),
// `resetPeak` clears the kernel's peak first (writing 5 to
// /proc/PID/clear_refs, allowed for the browser's own user), so VmHWM holds
// the peak since then and not the load's.

import { readFileSync, writeFileSync } from "node:fs";

/** VmRSS and VmHWM of `pid` in bytes, or null once the process is gone. */
function status(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return null;
  }
  const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0) * 1024;
  return { rss: kib("VmRSS"), hwm: kib("VmHWM") };
}

/** Clears `pid`'s VmHWM (to its current VmRSS); whether the kernel let us. */
function clearPeak(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts sampling the renderers of `browser` (a playwright-core Browser).
 * `stop()` ends it and resolves to the peak of the largest renderer:
 * `{ peakBytes, sampledBytes, hwmBytes, startBytes, renderers }`, where
 * `startBytes` is that renderer's resident set when sampling started. With
 * `resetPeak`, each renderer's kernel-kept peak is cleared when first seen;
 * if the kernel refuses, `hwmBytes` is left out of the peak (null).
 */
export async function sampleRenderers(browser, intervalMs = 50, { resetPeak = false } = {}) {
  const cdp = await browser.newBrowserCDPSession();
  // pid -> { rss: sampled peak, hwm: last VmHWM read, start: first VmRSS read, hwmKnown }
  const peaks = new Map();
  const refresh = async () => {
    const { processInfo } = await cdp.send("SystemInfo.getProcessInfo");
    for (const process of processInfo) {
      if (process.type !== "renderer" || peaks.has(process.id)) continue;
      peaks.set(process.id, { rss: 0, hwm: 0, start: status(process.id)?.rss ?? 0, hwmKnown: !resetPeak || clearPeak(process.id) });
    }
  };
  const sample = () => {
    for (const [pid, peak] of peaks) {
      const now = status(pid);
      if (now) {
        peak.rss = Math.max(peak.rss, now.rss);
        if (peak.hwmKnown) peak.hwm = Math.max(peak.hwm, now.hwm);
      }
    }
  };
  await refresh();
  const sampler = setInterval(sample, intervalMs);
  const refresher = setInterval(() => refresh().catch(() => {}), 1000);
  return {
    async stop() {
      clearInterval(sampler);
      clearInterval(refresher);
      sample();
      await cdp.detach().catch(() => {});
      let tab = { rss: 0, hwm: 0, start: 0, hwmKnown: true };
      for (const peak of peaks.values()) if (Math.max(peak.rss, peak.hwm) > Math.max(tab.rss, tab.hwm)) tab = peak;
      return {
        peakBytes: Math.max(tab.rss, tab.hwm),
        sampledBytes: tab.rss,
        hwmBytes: tab.hwmKnown ? tab.hwm : null,
        startBytes: tab.start,
        renderers: peaks.size,
      };
    },
  };
}
