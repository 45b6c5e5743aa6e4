// What the room sees, on one screen and with no scrolling: how to join, big counters,
// who can read whose messages (a grid for a small class, a card per student above
// that), and after the leak the newest messages opened in this browser with the
// published key, in large type.
"use strict";

(() => {
  const d = doormat;
  // Up to this many students the grid of readers by users stays legible on a projector;
  // above it, each student gets a card that says who else reads them.
  const GRID_UP_TO = 10;
  // The card text's size is the largest of these that fits the panel.
  const CARD_SIZES = [30, 28, 26, 24, 22, 20, 18, 16, 15, 14, 13, 12];
  let escrow = null;
  let after = 0;
  let opening = false;
  const opened = new Set();
  let openedCount = 0;
  // The teacher's changes to the class: given names, and who was removed.
  let renamed = {};
  let removedNames = [];

  async function refresh() {
    const info = await d.api("GET", "/api/class");
    if (info.status !== 200) return;
    const c = info.data;
    const removed = c.removed || [];
    renamed = c.renamed || {};
    removedNames = removed;
    d.say("count-students", String(c.students.length - removed.length));
    d.say("count-messages", String(c.messages));
    d.say("counts", `design: ${c.scheme}`);
    // The QR code is large until the class starts talking, small after.
    document.body.classList.toggle("joining", c.messages === 0 && !c.leaked);
    if (c.leaked) startOpening();
    const matrix = await d.api("GET", "/api/matrix");
    // The matrix shows students by the names they are shown by.
    if (matrix.status === 200) showMatrix(matrix.data, removed.map((name) => d.shownName(renamed, name)));
    fitMessages();
  }

  let shownCards = null;

  function showMatrix(answer, removed) {
    const box = document.getElementById("matrix");
    const cards = answer.matrix.users.length > GRID_UP_TO;
    d.show("who-legend", cards);
    box.classList.toggle("cards", cards);
    if (!cards) {
      shownCards = null;
      // Rendered by the server, every name escaped (the HTML report's SVG).
      box.innerHTML = answer.html;
      return;
    }
    shownCards = readersByStudent(answer.matrix);
    box.replaceChildren(d.el("ul", { class: "cards" }, ...shownCards.map((s) => card(s, removed))));
    fitCards(box, shownCards);
  }

  // For each student (a column of the matrix): how many classmates read any of their
  // messages, whether the escrow authority does, whether anyone holding the leaked key
  // does (which says all), and how many messages they have.
  function readersByStudent(matrix) {
    return matrix.users.map((name, column) => {
      const s = { name, classmates: 0, escrow: false, anyone: false, messages: 0 };
      for (const row of matrix.rows) {
        const cell = row.cells[column];
        s.messages = Math.max(s.messages, cell.messages);
        if (cell.readable === 0) continue;
        if (row.kind === "user" && row.name !== name) s.classmates += 1;
        if (row.kind === "authority") s.escrow = true;
        if (row.kind === "adversary") s.anyone = true;
      }
      s.readers =
        s.messages === 0 ? "no messages yet"
        : s.anyone ? "anyone"
        : s.escrow ? `${s.classmates} + escrow`
        : String(s.classmates);
      s.kind = s.anyone ? "anyone" : s.escrow ? "escrow" : "private";
      return s;
    });
  }

  function card(s, removed) {
    const gone = removed.includes(s.name) ? " removed" : "";
    return d.el(
      "li",
      { class: `card ${s.kind}${gone}`, title: `${s.name}: ${s.readers}` },
      d.el("span", { class: "name" }, s.name),
      d.el("span", { class: "readers" }, s.readers),
    );
  }

  // The width a card needs, in ems of its text, padding and border included: its
  // longest name (bold), and with `lines`, its longest line of readers (at 0.8 em).
  // Names longer than about 14 em are cut with an ellipsis.
  function cardWidth(summaries, lines) {
    const context = document.createElement("canvas").getContext("2d");
    const family = getComputedStyle(document.body).fontFamily;
    let widest = 0;
    context.font = `700 100px ${family}`;
    for (const s of summaries) widest = Math.max(widest, context.measureText(s.name).width / 100);
    if (lines) {
      context.font = `400 80px ${family}`;
      for (const s of summaries) widest = Math.max(widest, context.measureText(s.readers).width / 100);
    }
    return Math.min(widest, 14) + 1.4;
  }

  // The largest card text that lets every card show whole without scrolling: first
  // with the line of readers under each name, down to a size read from the back row;
  // then names alone, whose colour says who else reads them (the legend says which).
  function fitCards(box, summaries) {
    const widths = { full: cardWidth(summaries, true), compact: cardWidth(summaries, false) };
    const tries = [
      ...CARD_SIZES.filter((size) => size >= 16).map((size) => [size, false]),
      ...CARD_SIZES.map((size) => [size, true]),
    ];
    for (const [size, compact] of tries) {
      box.style.setProperty("--card", `${size}px`);
      box.style.setProperty("--card-width", `${compact ? widths.compact : widths.full}em`);
      box.classList.toggle("compact", compact);
      if (box.scrollHeight <= box.clientHeight + 1 && box.scrollWidth <= box.clientWidth + 1) break;
    }
    d.say(
      "who-legend",
      box.classList.contains("compact")
        ? "Blue: the escrow authority reads that student's messages. Orange: anyone can (the leaked key)."
        : "Under each name: how many classmates read that student's messages, and whether the escrow authority does. Orange: anyone can.",
    );
  }

  // The newest messages come first; those that do not fit the panel are hidden, never
  // cut in half (they stay in the list, and in the count).
  function fitMessages() {
    const list = document.getElementById("opened");
    if (list.offsetParent === null) return;
    const room = list.clientHeight;
    let full = false;
    for (const item of list.children) {
      if (full) {
        item.hidden = true;
        continue;
      }
      item.hidden = false;
      // The newest always shows (its text is clamped to a few lines by the style).
      if (item !== list.firstElementChild && item.offsetTop + item.offsetHeight > room) {
        item.hidden = true;
        full = true;
      }
    }
  }

  // A name as the room sees it: the teacher's, and marked when the student was removed
  // (their messages stay, as recorded).
  function who(name) {
    const shown = d.shownName(renamed, name);
    return removedNames.includes(name) ? `${shown} (removed)` : shown;
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
    d.show("count-opened-box", true);
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
      if (ok) openedCount += 1;
      list.prepend(
        d.el(
          "li",
          { class: ok ? "message opened" : "message sealed", "data-id": envelope.id },
          d.el("p", { class: "head" }, `${who(envelope.from)} → ${envelope.to.map(who).join(", ")}`),
          d.el("p", { class: "text" }, text),
        ),
      );
      fitMessages();
      d.say("count-opened", String(openedCount));
      d.say("leak-progress", `${openedCount} of ${opened.size} messages opened with the leaked key`);
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
    d.say("who-heading", "This class: who can read whose messages");
  }

  // The join code, where this browser is the teacher's (the projector page opened from
  // the teacher page): the server tells no one else.
  async function showJoinCode() {
    const code = await d.api("GET", "/api/join-code");
    if (code.status !== 200 || !code.data.required) return;
    d.say("join-code", code.data.join_code || "ask the teacher");
    d.show("join-code-line", true);
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
    await showJoinCode();
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
    // A new size (another screen, a window moved to the projector) fits again at once.
    new ResizeObserver(() => {
      if (shownCards) fitCards(document.getElementById("matrix"), shownCards);
      fitMessages();
    }).observe(document.querySelector(".room-body"));
  }

  start().catch((e) => console.error("doormat:", e));
})();
