// The report progress page, progressively enhanced: without JavaScript the page
// refreshes itself (a <meta http-equiv="refresh"> in <noscript>); with it, this polls
// the job's JSON status, moves the progress bar, and reloads the page once the report
// is ready, has failed or has stopped (its worker died), so the server shows the download link or the Retry button.
const root = document.getElementById("report-progress");

if (root && root.dataset.statusUrl) {
  const stage = document.getElementById("report-stage");
  const announce = document.getElementById("report-announce");
  const bar = document.getElementById("report-percent");
  const every = Math.max(1, Number(root.dataset.pollSeconds) || 2) * 1000;
  const announceEvery = 10000; // screen readers hear the stage at most every 10 s
  let lastAnnounced = 0;
  let failures = 0;

  const poll = async () => {
    try {
      const response = await fetch(root.dataset.statusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (!response.ok) throw new Error(`status ${response.status}`);
      const job = await response.json();
      failures = 0;
      if (job.done || job.failed || job.stalled) {
        window.location.reload();
        return;
      }
      if (bar) {
        bar.value = job.percent;
        bar.textContent = `${job.percent}%`;
      }
      if (stage && job.stage) stage.textContent = job.stage;
      const now = Date.now();
      if (announce && job.stage && now - lastAnnounced >= announceEvery) {
        announce.textContent = `${job.stage}, ${job.percent}%`;
        lastAnnounced = now;
      }
    } catch {
      failures += 1;
      if (failures >= 5) {
        window.location.reload(); // let the server say what is happening
        return;
      }
    }
    window.setTimeout(poll, every);
  };

  window.setTimeout(poll, every);
}
