// Live page: poll /api/latest (~300 ms, never two requests at once) and show what is read.
"use strict";
(function () {
  const PERIOD_MS = 300;
  const numbers = document.getElementById("live-numbers");
  const fps = document.getElementById("live-fps");
  const ms = document.getElementById("live-ms");
  const frame = document.getElementById("live-frame");
  const digits = document.getElementById("live-digits");
  const error = document.getElementById("live-error");
  const stream = document.getElementById("stream");
  let shown = null;

  function showError(message) {
    error.textContent = message;
    error.hidden = !message;
  }

  function showNumbers(texts) {
    const key = texts.join(" ");
    if (key === shown) return; // unchanged: keep the list (and screen readers) quiet
    shown = key;
    numbers.replaceChildren();
    if (!texts.length) {
      const li = document.createElement("li");
      li.className = "none";
      li.textContent = "no digits in view";
      numbers.append(li);
    }
    for (const text of texts) {
      const li = document.createElement("li");
      li.textContent = text;
      numbers.append(li);
    }
  }

  async function poll() {
    try {
      const response = await fetch("/api/latest", { cache: "no-store" });
      const latest = await response.json();
      if (!response.ok) {
        showError(latest.error || `HTTP ${response.status}`);
      } else {
        showNumbers(latest.numbers.map((n) => n.text));
        fps.textContent = latest.fps == null ? "–" : latest.fps.toFixed(1);
        ms.textContent = latest.ms_per_frame.toFixed(1);
        frame.textContent = `${latest.frame} (#${latest.seq})`;
        digits.textContent = String(latest.detections.length);
        // No frame shown and every place taken: the stream was refused (503), say why.
        const full = stream.naturalWidth === 0 && latest.viewers >= latest.max_viewers;
        showError(full
          ? `Too many viewers: this server streams the live view to at most ${latest.max_viewers} ` +
            "at once. The numbers here still update; the view comes back when a place frees up."
          : latest.problem || (latest.running ? "" : "The source has ended."));
      }
    } catch (err) {
      showError(`Lost the server: ${err.message}`);
    } finally {
      setTimeout(poll, PERIOD_MS);
    }
  }

  // An MJPEG stream that breaks (server restarted, network) or is refused (every viewer place
  // taken) is opened again.
  let retrying = false;
  function retryStream() {
    if (retrying) return;
    retrying = true;
    setTimeout(() => {
      retrying = false;
      stream.src = `/live.mjpg?retry=${Date.now()}`;
    }, 2000);
  }
  stream.addEventListener("error", retryStream);
  // A stream refused before this script ran fired its error event unheard: look now.
  if (stream.complete && stream.naturalWidth === 0) retryStream();

  poll();
})();
