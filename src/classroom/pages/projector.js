// What the room sees: who can read whose messages, live; then, after the leak, every
// recorded message opened in this browser with the published key, oldest first.
"use strict";

(() => {
  const d = doormat;
  let escrow = null;
  let after = 0;
  let opening = false;
  const opened = new Set();

  async function refresh() {
    const info = await d.api("GET", "/api/class");
    if (info.status === 200) {
      const c = info.data;
      d.say("counts", `${c.students.length} students · ${c.messages} messages recorded · design: ${c.scheme}`);
      if (c.leaked) startOpening();
    }
    const matrix = await d.api("GET", "/api/matrix");
    // Rendered by the server, every name escaped (the HTML report's SVG).
    if (matrix.status === 200) document.getElementById("matrix").innerHTML = matrix.data.html;
  }

  // The pause between two messages opening, so that the room sees them go one by one
  // without a large class taking minutes.
  function pause(total) {
    return new Promise((resolve) => setTimeout(resolve, Math.max(10, Math.min(250, 4000 / Math.max(total, 1)))));
  }

  // A call that comes while an opening runs is not dropped: the running one goes round
  // again when it ends, so the count catches up with a burst sent during the opening.
  let openAgain = false;
  async function startOpening() {
    if (opening) {
      openAgain = true;
      return;
    }
    opening = true;
    try {
      do {
        openAgain = false;
        await openNewMessages();
      } while (openAgain);
    } finally {
      opening = false;
    }
  }

  async function openNewMessages() {
    if (!d.hasWebCrypto()) {
      d.show("insecure", true);
      return;
    }
    d.show("leaked", true);
    if (!escrow) {
      const key = await d.api("GET", "/api/leaked-key");
      if (key.status !== 200) return;
      escrow = await d.importPrivate(key.data);
    }
    d.show("opened-box", true);
    const capture = await d.api("GET", `/api/capture?after=${after}`);
    const list = document.getElementById("opened");
    const envelopes = capture.data.messages;
    for (const envelope of envelopes) {
      after = Math.max(after, envelope.t);
      if (opened.has(envelope.id)) continue;
      opened.add(envelope.id);
      let text = "(no escrow field: the leaked key opens nothing here)";
      let ok = false;
      if (envelope.escrow) {
        try {
          text = await d.open(envelope, escrow, envelope.escrow);
          ok = true;
        } catch (e) {
          text = "(the leaked key does not open this one)";
        }
      }
      list.append(
        d.el(
          "li",
          { class: ok ? "message opened" : "message sealed", "data-id": envelope.id },
          d.el("p", { class: "head" }, `${envelope.from} → ${envelope.to.join(", ")}`),
          d.el("p", { class: "text" }, text),
        ),
      );
      d.say("leak-progress", `${list.querySelectorAll("li.opened").length} of ${opened.size} messages opened with the leaked key`);
      await pause(envelopes.length);
    }
  }

  // Step mode: the act the teacher played last, drawn by the server (every value
  // escaped, the HTML report's markup).
  async function showAct() {
    const act = await d.api("GET", "/api/act");
    if (act.status !== 200) return;
    d.show("act-box", true);
    d.say("act-heading", `${act.data.demo}, act ${act.data.number} of ${act.data.total} (the demo's own simulated world)`);
    document.getElementById("act").innerHTML = act.data.html;
  }

  async function start() {
    const info = await d.api("GET", "/api/class");
    if (info.status === 200) {
      d.say("student-url", info.data.student_url);
      d.say(
        "fingerprint",
        info.data.cert_sha256
          ? `Check the certificate before you accept the warning. SHA-256: ${info.data.cert_sha256}`
          : "",
      );
    }
    // Only a class in step mode that has played an act has one to show: asking
    // otherwise would log a 404 in the console of the projector's browser.
    let actsPlayed = info.status === 200 && info.data.demo ? info.data.demo.played : 0;
    await refresh();
    if (actsPlayed > 0) await showAct();
    const later = d.throttled(refresh, 1000);
    d.events((event) => {
      if (event.type === "leak") startOpening();
      if (event.type === "act") {
        actsPlayed += 1;
        showAct();
      }
      later();
    }, () => {
      later();
      if (actsPlayed > 0) showAct();
    });
  }

  start().catch((e) => console.error("doormat:", e));
})();
