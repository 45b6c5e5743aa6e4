// The student's page: a key made here (non-extractable, kept in IndexedDB so that a
// reload keeps the identity), envelopes sealed here, and only the wraps made for this
// student opened here, until the escrow key leaks.
"use strict";

(() => {
  const d = doormat;
  const me = { name: null, token: null, keys: null, escrowKey: null, scheme: null };
  const publicKeys = {}; // name -> CryptoKey (encrypt)
  const shown = new Set();
  let after = 0;
  // The class's names as the teacher set them: given names, and who was removed.
  let renamed = {};
  let removed = [];

  // IndexedDB: one record per class origin, holding the CryptoKeyPair itself (the
  // private key stays non-extractable: the page can use it, not read it).
  function database() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open("doormat-classroom", 1);
      request.onupgradeneeded = () => request.result.createObjectStore("identity");
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function stored(action, value) {
    const db = await database();
    return new Promise((resolve, reject) => {
      const tx = db.transaction("identity", action === "get" ? "readonly" : "readwrite");
      const store = tx.objectStore("identity");
      const request =
        action === "get" ? store.get(location.origin)
        : action === "put" ? store.put(value, location.origin)
        : store.delete(location.origin);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function start() {
    if (!d.hasWebCrypto()) {
      d.show("insecure", true);
      return;
    }
    const identity = await stored("get").catch(() => undefined);
    if (identity) {
      const check = await d.api("GET", "/api/messages?after=0", { token: identity.token });
      if (check.status === 200) {
        await enter(identity);
        return;
      }
      await stored("delete");
    }
    // A class started with --join-code asks for the code the projector shows.
    const info = await d.api("GET", "/api/class");
    if (info.status === 200 && info.data.join_code_required) {
      d.show("code-box", true);
      document.getElementById("join-code").required = true;
    }
    d.show("join", true);
    document.getElementById("join-form").addEventListener("submit", join);
  }

  async function join(event) {
    event.preventDefault();
    const name = document.getElementById("name").value.trim();
    const button = document.getElementById("join-button");
    button.disabled = true;
    d.say("join-status", "Making your key (RSA-OAEP 2048)...");
    try {
      const keys = await crypto.subtle.generateKey(
        { name: "RSA-OAEP", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
        false,
        ["encrypt", "decrypt"],
      );
      const spki = await crypto.subtle.exportKey("spki", keys.publicKey);
      const body = { name, public_key: d.toPem("PUBLIC KEY", spki) };
      const code = document.getElementById("join-code");
      if (code.required) body.join_code = code.value.trim();
      const answer = await d.api("POST", "/api/join", { body });
      if (answer.status !== 200) {
        d.say("join-status", answer.data.error || `the server answered ${answer.status}`);
        button.disabled = false;
        return;
      }
      const identity = {
        name: answer.data.name,
        token: answer.data.token,
        keys,
        scheme: answer.data.scheme,
        escrow: answer.data.escrow_public_key,
      };
      await stored("put", identity);
      d.show("join", false);
      await enter(identity);
    } catch (e) {
      d.say("join-status", `Could not join: ${e}`);
      button.disabled = false;
    }
  }

  async function enter(identity) {
    me.name = identity.name;
    me.token = identity.token;
    me.keys = identity.keys;
    me.scheme = identity.scheme;
    me.escrowKey = identity.escrow ? await d.importPublic(identity.escrow) : null;
    publicKeys[me.name] = me.keys.publicKey;
    d.say("me", `You are ${me.name}.`);
    d.say(
      "design",
      me.escrowKey
        ? `This class runs ${me.scheme}: every message is also wrapped for the escrow authority's key.`
        : `This class runs ${me.scheme}: no one but the people in a conversation holds a key to it.`,
    );
    d.show("chat", true);
    document.getElementById("send-form").addEventListener("submit", send);
    document.getElementById("read-everyone").addEventListener("click", readEveryone);
    await refreshDirectory();
    await refreshMessages();
    const info = await d.api("GET", "/api/class");
    if (info.status === 200 && info.data.leaked) d.show("leak-banner", true);
    const refresh = d.throttled(refreshMessages, 300);
    d.events(
      (event) => {
        if (["join", "renamed", "removed"].includes(event.type)) refreshDirectory();
        if (event.type === "envelope" && (event.from === me.name || (event.to || []).includes(me.name))) refresh();
        if (event.type === "leak") d.show("leak-banner", true);
      },
      () => {
        refreshDirectory();
        refresh();
      },
    );
    setInterval(refresh, 5000);
  }

  async function refreshDirectory() {
    const info = await d.api("GET", "/api/class");
    if (info.status === 200) {
      renamed = info.data.renamed || {};
      removed = info.data.removed || [];
      const mine = d.shownName(renamed, me.name);
      d.say("me", mine === me.name ? `You are ${me.name}.` : `You are ${mine} (you joined as ${me.name}).`);
    }
    const answer = await d.api("GET", "/api/directory");
    if (answer.status !== 200) return;
    const box = document.getElementById("recipients");
    const checked = new Set(Array.from(box.querySelectorAll("input:checked"), (i) => i.value));
    // The teacher's removals cannot be written to.
    const others = answer.data.parties.filter(
      (p) => p.role === "user" && p.name !== me.name && !removed.includes(p.name),
    );
    for (const party of answer.data.parties) {
      if (party.role === "user" && !publicKeys[party.name] && party.public_key_pem) {
        publicKeys[party.name] = await d.importPublic(party.public_key_pem);
      }
    }
    if (others.length === 0) return;
    box.replaceChildren(
      ...others.map((party) => {
        const input = d.el("input", { type: "checkbox", name: "to", value: party.name, id: `to-${party.name}` });
        input.checked = checked.has(party.name);
        return d.el("label", { class: "recipient", for: `to-${party.name}` }, input, ` ${d.shownName(renamed, party.name)}`);
      }),
    );
  }

  async function send(event) {
    event.preventDefault();
    const to = Array.from(document.querySelectorAll("#recipients input:checked"), (i) => i.value);
    const text = document.getElementById("text").value;
    if (to.length === 0) {
      d.say("send-status", "Choose at least one recipient.");
      return;
    }
    const button = document.getElementById("send-button");
    button.disabled = true;
    try {
      const envelope = await d.seal(me.name, to, text, publicKeys, me.escrowKey, me.scheme);
      const answer = await d.api("POST", "/api/send", { body: envelope, token: me.token });
      if (answer.status === 200) {
        document.getElementById("text").value = "";
        d.say("send-status", `Sent (t = ${answer.data.t}).`);
        await refreshMessages();
      } else {
        d.say("send-status", answer.data.error || `the server answered ${answer.status}`);
      }
    } catch (e) {
      d.say("send-status", `Could not send: ${e}`);
    } finally {
      button.disabled = false;
    }
  }

  function messageItem(envelope, text, opened, how) {
    return d.el(
      "li",
      { class: opened ? "message opened" : "message sealed", "data-id": envelope.id, "data-t": String(envelope.t) },
      d.el(
        "p",
        { class: "head" },
        `${d.shownName(renamed, envelope.from)} → ${envelope.to.map((n) => d.shownName(renamed, n)).join(", ")}`,
        d.el("span", { class: "t" }, ` t=${envelope.t}`),
      ),
      d.el("p", { class: "text" }, text),
      d.el("p", { class: "readers" }, `${how} · readable by: ${d.readers(envelope).join(", ")}`),
    );
  }

  let refreshing = false;
  async function refreshMessages() {
    if (refreshing) return;
    refreshing = true;
    try {
      const answer = await d.api("GET", `/api/messages?after=${after}`, { token: me.token });
      if (answer.status !== 200) return;
      const inbox = document.getElementById("inbox");
      for (const envelope of answer.data.messages) {
        after = Math.max(after, envelope.t);
        if (shown.has(envelope.id)) continue;
        shown.add(envelope.id);
        const wrap = (envelope.wrapped || {})[me.name];
        let text = "(could not open: no wrap for you)";
        let opened = false;
        if (wrap) {
          try {
            text = await d.open(envelope, me.keys.privateKey, wrap);
            opened = true;
          } catch (e) {
            text = "(could not open with your key)";
          }
        }
        inbox.prepend(messageItem(envelope, text, opened, "opened with your key"));
      }
    } finally {
      refreshing = false;
    }
  }

  async function readEveryone() {
    const button = document.getElementById("read-everyone");
    button.disabled = true;
    const key = await d.api("GET", "/api/leaked-key");
    if (key.status !== 200) {
      button.disabled = false;
      return;
    }
    const escrow = await d.importPrivate(key.data);
    const capture = await d.api("GET", "/api/capture?after=0");
    const list = document.getElementById("everyone-list");
    list.replaceChildren();
    d.show("everyone", true);
    for (const envelope of capture.data.messages) {
      let text = "(no escrow field)";
      let opened = false;
      if (envelope.escrow) {
        try {
          text = await d.open(envelope, escrow, envelope.escrow);
          opened = true;
        } catch (e) {
          text = "(the leaked key does not open this one)";
        }
      }
      list.append(messageItem(envelope, text, opened, "opened with the leaked key"));
    }
    button.disabled = false;
  }

  start().catch((e) => console.error("doormat:", e));
})();
