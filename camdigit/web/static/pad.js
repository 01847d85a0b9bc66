// Draw pad: strokes with mouse, pen or finger (pointer events); read on lift via /api/digit.
"use strict";
(function () {
  const canvas = document.getElementById("pad");
  if (!canvas) return;
  const ctx = canvas.getContext("2d");
  const digitOut = document.getElementById("pad-digit");
  const confidenceOut = document.getElementById("pad-confidence");
  const error = document.getElementById("pad-error");
  const rows = document.querySelectorAll("#pad-probs li");
  let drawing = false;
  let inked = false;
  let last = null;
  let pending = null;

  function clear() {
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    inked = false;
    digitOut.textContent = "?";
    confidenceOut.textContent = "";
    showError("");
    showProbabilities(null);
  }

  function showError(message) {
    error.textContent = message;
    error.hidden = !message;
  }

  function showProbabilities(probabilities) {
    let best = -1;
    if (probabilities) best = probabilities.indexOf(Math.max(...probabilities));
    rows.forEach((row, digit) => {
      const p = probabilities ? probabilities[digit] : 0;
      row.querySelector(".fill").style.width = `${(p * 100).toFixed(1)}%`;
      row.querySelector(".value").textContent = probabilities ? `${(p * 100).toFixed(1)}%` : "–";
      row.classList.toggle("best", digit === best);
    });
  }

  function point(event) {
    const box = canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - box.left) / box.width) * canvas.width,
      y: ((event.clientY - box.top) / box.height) * canvas.height,
    };
  }

  function stroke(to) {
    ctx.strokeStyle = "#111111";
    ctx.lineWidth = canvas.width / 14;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(to.x + 0.01, to.y);
    ctx.stroke();
    last = to;
    inked = true;
  }

  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    drawing = true;
    last = point(event);
    stroke(last);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (drawing) stroke(point(event));
  });
  for (const name of ["pointerup", "pointercancel"]) {
    canvas.addEventListener(name, () => {
      if (!drawing) return;
      drawing = false;
      clearTimeout(pending);
      pending = setTimeout(read, 250); // a second stroke soon after (a 4, a 7) waits
    });
  }

  async function read() {
    if (!inked) {
      showError("Draw a digit first.");
      return;
    }
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
    const body = new FormData();
    body.append("image", blob, "pad.png");
    try {
      const response = await fetch("/api/digit", { method: "POST", body });
      const answer = await response.json();
      if (!response.ok) throw new Error(answer.error || `HTTP ${response.status}`);
      showError("");
      digitOut.textContent = String(answer.digit);
      confidenceOut.textContent = `confidence ${(answer.confidence * 100).toFixed(1)}%`;
      showProbabilities(answer.probabilities);
    } catch (err) {
      showError(`Could not read the pad: ${err.message}`);
    }
  }

  document.getElementById("pad-clear").addEventListener("click", clear);
  document.getElementById("pad-read").addEventListener("click", read);
  clear();
})();
