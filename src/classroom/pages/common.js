// What every page of a class shares: wire format v1 with WebCrypto alone (RSA-OAEP 2048
// with SHA-256 and MGF1-SHA-256, empty label; AES-256-GCM with the wire format's
// associated data), the class's HTTP API, and a few DOM helpers that only ever place
// text, never markup.
"use strict";

const doormat = (() => {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder("utf-8", { fatal: false });
  const OAEP = { name: "RSA-OAEP", hash: "SHA-256" };

  function b64(bytes) {
    const array = new Uint8Array(bytes);
    let text = "";
    for (let i = 0; i < array.length; i += 0x8000) {
      text += String.fromCharCode.apply(null, array.subarray(i, i + 0x8000));
    }
    return btoa(text);
  }

  function unb64(text) {
    const binary = atob(text);
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  }

  function hex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function pemBody(pem) {
    return unb64(pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, ""));
  }

  function toPem(label, der) {
    const lines = b64(der).match(/.{1,64}/g).join("\n");
    return `-----BEGIN ${label}-----\n${lines}\n-----END ${label}-----\n`;
  }

  // The secure-context check every page makes first: without it there is no WebCrypto.
  function hasWebCrypto() {
    return window.isSecureContext && !!(window.crypto && window.crypto.subtle);
  }

  function importPublic(pem) {
    return crypto.subtle.importKey("spki", pemBody(pem), OAEP, false, ["encrypt"]);
  }

  function importPrivate(pem) {
    return crypto.subtle.importKey("pkcs8", pemBody(pem), OAEP, false, ["decrypt"]);
  }

  // "doormat/1\n" + id + "\n" + from + "\n" + join(to, ",")
  function aad(id, from, to) {
    return encoder.encode(`doormat/1\n${id}\n${from}\n${to.join(",")}`);
  }

  // One envelope of wire format v1: a fresh 32-byte content key, wrapped for the
  // sender, every recipient and, under an escrow design, the escrow key.
  async function seal(me, to, text, publicKeys, escrowKey, scheme) {
    const id = "w" + hex(crypto.getRandomValues(new Uint8Array(12)));
    const raw = crypto.getRandomValues(new Uint8Array(32));
    const contentKey = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt"]);
    const nonce = crypto.getRandomValues(new Uint8Array(12));
    const ct = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv: nonce, additionalData: aad(id, me, to), tagLength: 128 },
      contentKey,
      encoder.encode(text),
    );
    const wrapped = {};
    for (const reader of [me, ...to]) {
      wrapped[reader] = b64(await crypto.subtle.encrypt({ name: "RSA-OAEP" }, publicKeys[reader], raw));
    }
    const envelope = { v: 1, id, from: me, to, scheme, nonce: b64(nonce), ct: b64(ct), wrapped };
    if (escrowKey) {
      envelope.escrow = b64(await crypto.subtle.encrypt({ name: "RSA-OAEP" }, escrowKey, raw));
    }
    raw.fill(0);
    return envelope;
  }

  // Opens an envelope with a private key and the wrap made for it; throws if it cannot.
  async function open(envelope, privateKey, wrap) {
    const raw = await crypto.subtle.decrypt({ name: "RSA-OAEP" }, privateKey, unb64(wrap));
    const contentKey = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["decrypt"]);
    const plain = await crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: unb64(envelope.nonce),
        additionalData: aad(envelope.id, envelope.from, envelope.to),
        tagLength: 128,
      },
      contentKey,
      unb64(envelope.ct),
    );
    return decoder.decode(plain);
  }

  // Who the envelope says can read it: the readers it was wrapped for, and the escrow
  // authority when it carries the escrow field.
  function readers(envelope) {
    const names = Object.keys(envelope.wrapped || {});
    if (envelope.escrow) names.push("the escrow authority");
    return names;
  }

  async function api(method, path, { body, token, accept } = {}) {
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers["Authorization"] = `Bearer ${token}`;
    if (accept) headers["Accept"] = accept;
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
    const type = response.headers.get("Content-Type") || "";
    const data = type.includes("json") ? await response.json() : await response.text();
    return { status: response.status, data };
  }

  // The class's events; reconnects after a drop and tells `onOpen` so the page can
  // catch up on what it missed.
  function events(onEvent, onOpen) {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(`${scheme}${location.host}/api/events`);
    socket.onopen = () => onOpen && onOpen();
    socket.onmessage = (message) => {
      try {
        onEvent(JSON.parse(message.data));
      } catch (e) {
        console.warn("doormat: an event was not JSON", e);
      }
    };
    socket.onclose = () => setTimeout(() => events(onEvent, onOpen), 2000);
  }

  // The name a student is shown by: the one the teacher gave (`renamed`, from
  // /api/class), or the one they joined as, which stays theirs in the protocol.
  function shownName(renamed, name) {
    return (renamed && Object.prototype.hasOwnProperty.call(renamed, name) && renamed[name]) || name;
  }

  // An element holding only text and attributes: `el("li", {class: "x"}, "text", child)`.
  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    for (const child of children) {
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function show(id, visible) {
    document.getElementById(id).hidden = !visible;
  }

  function say(id, text) {
    document.getElementById(id).textContent = text;
  }

  // Runs `work` at most once per `ms`, and once more after the last call.
  function throttled(work, ms) {
    let timer = null;
    let again = false;
    return function run() {
      if (timer) {
        again = true;
        return;
      }
      work();
      timer = setTimeout(() => {
        timer = null;
        if (again) {
          again = false;
          run();
        }
      }, ms);
    };
  }

  return {
    b64, unb64, hex, toPem, hasWebCrypto, importPublic, importPrivate, aad, seal, open,
    readers, api, events, el, show, say, throttled, shownName,
  };
})();
