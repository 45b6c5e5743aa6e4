// The teacher's page: who has joined, what was refused, the live matrix, the leak.
"use strict";

(() => {
  const d = doormat;
  // The teacher is known by a session cookie (HttpOnly: no script here ever holds the
  // token), set when the server's printed link /teacher?token=… was opened; the server
  // then sent the browser on to plain /teacher, so the address bar shows no token.

  async function refresh() {
    const answer = await d.api("GET", "/api/teacher");
    if (answer.status !== 200) {
      d.show("panel", false);
      d.show("bad-token", true);
      return;
    }
    d.show("panel", true);
    const c = answer.data.class;
    d.say("scheme", c.scheme);
    showStudents(c.students, c.removed || [], c.renamed || {});
    d.say("messages", String(c.messages));
    d.say("refused", String(answer.data.refused_total));
    const body = document.querySelector("#refusals tbody");
    body.replaceChildren(
      ...Object.entries(answer.data.refusals).map(([kind, n]) =>
        d.el("tr", {}, d.el("th", { scope: "row" }, kind), d.el("td", { class: "n" }, String(n))),
      ),
    );
    const info = await d.api("GET", "/api/class");
    if (info.status === 200) showStep(info.data.demo);
    const button = document.getElementById("leak");
    if (!c.has_escrow) {
      button.disabled = true;
      d.say("leak-status", `${c.scheme} has no escrow key: there is nothing to leak.`);
    } else if (c.leaked) {
      button.disabled = true;
      d.say("leak-status", "Leaked: the projector and every student can now open every message.");
    }
  }

  // Each student with a button that removes them (a prankster, a fake name): their
  // token stops working at once; their name stays taken and their messages recorded.
  // And one that renames them (a name the room should not see): every page shows the
  // new name from then on.
  function showStudents(students, removed, renamed) {
    const list = document.getElementById("students");
    if (students.length === 0) {
      list.replaceChildren("nobody yet");
      return;
    }
    list.replaceChildren(
      `${students.length - removed.length}: `,
      ...students.map((name) => {
        const shown = d.shownName(renamed, name);
        const label = shown === name ? name : `${shown} (joined as ${name})`;
        if (removed.includes(name)) {
          return d.el("span", { class: "student removed", title: "removed" }, `${label} (removed) `);
        }
        const rename = d.el("button", { type: "button", class: "rename", "data-name": name }, "rename");
        rename.addEventListener("click", async () => {
          const to = prompt(`New name for ${shown} (a-z, 0-9, - and _, starting with a letter):`, "");
          if (!to) return;
          const answer = await d.api("POST", "/api/rename", { body: { name, to: to.trim() } });
          if (answer.status !== 200) d.say("leak-status", answer.data.error);
          refresh();
        });
        const button = d.el("button", { type: "button", class: "remove", "data-name": name }, "remove");
        button.addEventListener("click", async () => {
          if (!confirm(`Remove ${name} from the class? Their token stops working; their messages stay recorded.`)) return;
          const answer = await d.api("POST", "/api/remove", { body: { name } });
          if (answer.status !== 200) d.say("leak-status", answer.data.error);
          refresh();
        });
        return d.el("span", { class: "student" }, `${label} `, button, " ", rename, " ");
      }),
    );
  }

  function showStep(demo) {
    if (!demo) return;
    d.show("step", true);
    d.say("demo-name", `${demo.name}, ${demo.played} of ${demo.total} acts played`);
    const next = document.getElementById("next-act");
    next.disabled = !demo.next_title;
    next.textContent = demo.next_title ? `Play act ${demo.played + 1}: ${demo.next_title}` : "Every act has been played";
  }

  async function refreshMatrix() {
    const answer = await d.api("GET", "/api/matrix");
    // The server renders the matrix with every name escaped (the HTML report's SVG).
    if (answer.status === 200) document.getElementById("matrix").innerHTML = answer.data.html;
  }

  async function start() {
    const info = await d.api("GET", "/api/class");
    if (info.status === 200) {
      d.say("student-url", info.data.student_url);
      d.say(
        "fingerprint",
        info.data.cert_sha256
          ? `Certificate SHA-256: ${info.data.cert_sha256}`
          : "Plain HTTP on loopback: no certificate.",
      );
    }
    document.getElementById("leak").addEventListener("click", async () => {
      const answer = await d.api("POST", "/api/leak");
      d.say("leak-status", answer.status === 200 ? "Leaked." : answer.data.error);
      refresh();
    });
    document.getElementById("next-act").addEventListener("click", async () => {
      const next = document.getElementById("next-act");
      next.disabled = true;
      d.say("step-status", "Playing...");
      const answer = await d.api("POST", "/api/step");
      d.say(
        "step-status",
        answer.status === 200
          ? `Played act ${answer.data.number}: ${answer.data.title}${answer.data.leaked_the_class_key ? " (and the class's key leaked)" : ""}`
          : answer.data.error,
      );
      refresh();
    });
    await refresh();
    await refreshMatrix();
    const later = d.throttled(() => {
      refresh();
      refreshMatrix();
    }, 1000);
    d.events(later, later);
    setInterval(refresh, 3000);
  }

  start().catch((e) => console.error("doormat:", e));
})();
