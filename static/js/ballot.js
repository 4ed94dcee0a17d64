/* Secret ballot on the phone (docs/voting.md).
 *
 * The voter's half of RSA blind signatures, RFC 9474, variant
 * RSABSSA-SHA384-PSS-Deterministic: Blind and Finalize with WebCrypto's SHA-384 and BigInt,
 * EMSA-PSS from RFC 8017 §9.1. The phone draws a random token, has it signed blindly by
 * the server (signed in), then casts token + signature + choice WITHOUT cookies, so the
 * cast carries no identity. Written for Cấp ủy số from the RFCs; no outside code.
 *
 * Needs BigInt, async functions and WebCrypto (browsers from 2020 on) in a secure context.
 * The page's first message says what to do if this file never runs (a browser too old to
 * read it).
 */
(function () {
  "use strict";

  // Plain forms that ask before they post (closing the ballot).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  var stringsNode = document.getElementById("ballot-strings");
  if (!stringsNode) return;
  var T = JSON.parse(stringsNode.textContent);
  var app = document.getElementById("ballot-app");
  var receiptsBox = document.getElementById("receipts");

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_match, name) { return values[name]; });
  }

  var supported = typeof BigInt === "function" && !!window.crypto && !!window.crypto.getRandomValues &&
    typeof window.fetch === "function" && !!window.localStorage && typeof Uint8Array === "function";
  var secure = supported && window.isSecureContext && !!window.crypto.subtle;

  // --- bytes and integers ----------------------------------------------------------------

  var ZERO = supported ? BigInt(0) : 0;
  var ONE = supported ? BigInt(1) : 1;

  function hex(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return out;
  }
  function unhex(text) {
    var out = new Uint8Array(text.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
    return out;
  }
  function b64(bytes) {
    var text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return window.btoa(text);
  }
  function unb64(text) {
    var raw = window.atob(text);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function concat() {
    var length = 0, i;
    for (i = 0; i < arguments.length; i++) length += arguments[i].length;
    var out = new Uint8Array(length), at = 0;
    for (i = 0; i < arguments.length; i++) { out.set(arguments[i], at); at += arguments[i].length; }
    return out;
  }
  function random(length) {
    var out = new Uint8Array(length);
    window.crypto.getRandomValues(out);
    return out;
  }
  function os2ip(bytes) { return bytes.length ? BigInt("0x" + hex(bytes)) : ZERO; }
  function i2osp(value, length) {
    var digits = value.toString(16);
    if (digits.length > 2 * length) throw new Error("integer too large");
    while (digits.length < 2 * length) digits = "0" + digits;
    return unhex(digits);
  }
  function bitLength(value) { return value.toString(2).length; }
  function modPow(base, exponent, modulus) {
    var result = ONE;
    base %= modulus;
    while (exponent > ZERO) {
      if (exponent & ONE) result = (result * base) % modulus;
      exponent >>= ONE;
      base = (base * base) % modulus;
    }
    return result;
  }
  function modInverse(a, n) {  // extended Euclid; null when a and n share a factor
    var t = ZERO, newT = ONE, r = n, newR = a % n, q, swap;
    while (newR !== ZERO) {
      q = r / newR;
      swap = t - q * newT; t = newT; newT = swap;
      swap = r - q * newR; r = newR; newR = swap;
    }
    if (r !== ONE) return null;
    return t < ZERO ? t + n : t;
  }
  function gcd(a, b) {
    while (b !== ZERO) { var rest = a % b; a = b; b = rest; }
    return a;
  }
  function digest(name, bytes) {
    return window.crypto.subtle.digest(name, bytes).then(function (out) { return new Uint8Array(out); });
  }
  function sha384(bytes) { return digest("SHA-384", bytes); }
  function sha256(bytes) { return digest("SHA-256", bytes); }

  // --- RFC 8017 EMSA-PSS with SHA-384, MGF1-SHA-384, 48-byte salt -------------------------

  var HASH_LEN = 48, SALT_LEN = 48;

  async function mgf1(seed, length) {
    var out = new Uint8Array(length);
    for (var done = 0, counter = 0; done < length; counter++, done += HASH_LEN) {
      var block = await sha384(concat(seed, i2osp(BigInt(counter), 4)));
      out.set(block.subarray(0, Math.min(HASH_LEN, length - done)), done);
    }
    return out;
  }

  async function pssEncode(message, emBits) {
    var emLen = Math.ceil(emBits / 8);
    if (emLen < HASH_LEN + SALT_LEN + 2) throw new Error("encoding error");
    var salt = random(SALT_LEN);
    var h = await sha384(concat(new Uint8Array(8), await sha384(message), salt));
    var db = new Uint8Array(emLen - HASH_LEN - 1);
    db[emLen - SALT_LEN - HASH_LEN - 2] = 1;
    db.set(salt, emLen - SALT_LEN - HASH_LEN - 1);
    var mask = await mgf1(h, db.length);
    for (var i = 0; i < db.length; i++) db[i] ^= mask[i];
    db[0] &= 0xff >> (8 * emLen - emBits);
    return concat(db, h, new Uint8Array([0xbc]));
  }

  async function pssVerify(message, em, emBits) {
    var emLen = Math.ceil(emBits / 8), top = 8 * emLen - emBits;
    if (em.length !== emLen || em[emLen - 1] !== 0xbc) return false;
    var masked = em.subarray(0, emLen - HASH_LEN - 1), h = em.subarray(emLen - HASH_LEN - 1, emLen - 1);
    if (masked[0] & ~(0xff >> top) & 0xff) return false;
    var mask = await mgf1(h, masked.length), db = new Uint8Array(masked.length), i;
    for (i = 0; i < db.length; i++) db[i] = masked[i] ^ mask[i];
    db[0] &= 0xff >> top;
    var pad = emLen - HASH_LEN - SALT_LEN - 2;
    for (i = 0; i < pad; i++) if (db[i] !== 0) return false;
    if (db[pad] !== 1) return false;
    var salt = db.subarray(db.length - SALT_LEN);
    var expected = await sha384(concat(new Uint8Array(8), await sha384(message), salt));
    return hex(expected) === hex(h);
  }

  // --- RFC 9474: Blind and Finalize ---------------------------------------------------------

  async function blind(key, message) {
    var encoded = await pssEncode(message, key.bits - 1);
    var m = os2ip(encoded);
    if (gcd(m, key.n) !== ONE) throw new Error("invalid input");
    var extra = 8 * key.size - key.bits, r, inverse;
    for (;;) {  // r uniform in [1, n) by rejection
      var bytes = random(key.size);
      bytes[0] &= 0xff >> extra;
      r = os2ip(bytes);
      if (r === ZERO || r >= key.n) continue;
      inverse = modInverse(r, key.n);
      if (inverse !== null) break;
    }
    var z = (m * modPow(r, key.e, key.n)) % key.n;
    return { blinded: i2osp(z, key.size), inverse: inverse };
  }

  async function finalize(key, message, blindSignature, inverse) {
    if (blindSignature.length !== key.size) throw new Error("unexpected input size");
    var s = (os2ip(blindSignature) * inverse) % key.n;
    var em = i2osp(modPow(s, key.e, key.n), Math.ceil((key.bits - 1) / 8));
    if (!(await pssVerify(message, em, key.bits - 1))) throw new Error("invalid signature");
    return i2osp(s, key.size);
  }

  // --- the key: n and e read from the SubjectPublicKeyInfo the fingerprint is taken of ----

  var RSA_OID = "06092a864886f70d010101";

  function tlv(bytes, at, tag) {
    if (bytes[at] !== tag) throw new Error("bad key");
    var length = bytes[at + 1], start = at + 2;
    if (length & 0x80) {
      var count = length & 0x7f;
      length = 0;
      for (var i = 0; i < count; i++) length = length * 256 + bytes[start + i];
      start += count;
    }
    return { start: start, end: start + length };
  }

  async function readKey(data) {
    var spki = unb64(data.spki);
    var outer = tlv(spki, 0, 0x30);
    var algorithm = tlv(spki, outer.start, 0x30);
    if (hex(spki.subarray(algorithm.start, algorithm.start + 11)) !== RSA_OID) throw new Error("bad key");
    var bits = tlv(spki, algorithm.end, 0x03);
    var sequence = tlv(spki, bits.start + 1, 0x30);
    var nField = tlv(spki, sequence.start, 0x02);
    var eField = tlv(spki, nField.end, 0x02);
    var n = os2ip(spki.subarray(nField.start, nField.end));
    var e = os2ip(spki.subarray(eField.start, eField.end));
    var fingerprint = hex(await sha256(spki));
    return { n: n, e: e, bits: bitLength(n), size: Math.ceil(bitLength(n) / 8), fingerprint: fingerprint };
  }

  function shortHex(value) {  // "1A2B 3C4D 5E6F 7A8B", as the server shows receipts and keys
    var head = value.slice(0, 16).toUpperCase();
    return head.match(/.{4}/g).join(" ");
  }

  // --- what the phone keeps ------------------------------------------------------------------

  var voteCode = (app || receiptsBox || {}).dataset ? (app || receiptsBox).dataset.vote : null;
  var storeKey = "capuyso-ballot:" + voteCode;
  var choiceKey = "capuyso-ballot-choice:" + voteCode;

  function load() {
    try { return JSON.parse(window.localStorage.getItem(storeKey)) || {}; } catch (err) { return {}; }
  }
  function save(state) { window.localStorage.setItem(storeKey, JSON.stringify(state)); }
  function pendingChoice() {
    try { return JSON.parse(window.sessionStorage.getItem(choiceKey)); } catch (err) { return null; }
  }
  function keepChoice(choice) {
    if (choice === null) window.sessionStorage.removeItem(choiceKey);
    else window.sessionStorage.setItem(choiceKey, JSON.stringify(choice));
  }

  // --- after the close: is my receipt counted? -----------------------------------------------

  if (receiptsBox && supported) {
    var kept = load();
    var receiptsNode = document.getElementById("ballot-receipts");
    var line = receiptsBox.querySelector("[data-role=receipt-check]");
    if (kept.receipt && receiptsNode && line) {
      var counted = JSON.parse(receiptsNode.textContent).indexOf(kept.receipt) !== -1;
      line.textContent = format(counted ? T.counted : T.not_counted, { receipt: shortHex(kept.receipt) });
      line.className = "msg " + (counted ? "msg-success" : "msg-error");
      line.hidden = false;
    }
    if (kept.t) save(kept.receipt ? { receipt: kept.receipt } : {});  // a token never cast
    keepChoice(null);
  }

  if (!app) return;

  // --- the ballot ----------------------------------------------------------------------------

  var api = app.dataset.api;
  var csrf = app.dataset.csrf;
  var kind = app.dataset.kind;
  var seats = parseInt(app.dataset.seats, 10) || 0;
  function part(role) { return app.querySelector("[data-role=" + role + "]"); }
  var statusLine = part("status");
  var choices = part("choices");
  var names = part("names");
  var confirmBox = part("confirm");
  var doneBox = part("done");
  var retryButton = part("retry");
  var key = null;
  var chosen = null;

  function say(text, level) {
    statusLine.textContent = text;
    statusLine.className = "msg msg-" + (level || "info");
    statusLine.hidden = false;
  }
  function show(element, visible) { if (element) element.hidden = !visible; }
  function showBallot(visible) { show(choices, visible); show(names, visible); }
  function stop(text) {
    say(text, "error");
    showBallot(false);
    show(confirmBox, false);
  }
  function done(text, receipt) {
    say(text, "success");
    showBallot(false);
    show(confirmBox, false);
    show(retryButton, false);
    part("receipt").textContent = shortHex(receipt);
    show(doneBox, true);
  }

  function call(path, body, anonymous) {
    var options = { method: body ? "POST" : "GET", cache: "no-store", headers: {} };
    if (body) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    if (anonymous) {
      options.credentials = "omit";       // no cookie: the cast says nothing of who sends it
      options.referrerPolicy = "no-referrer";
    } else {
      options.credentials = "same-origin";
      if (body) options.headers["X-CSRFToken"] = csrf;
    }
    return window.fetch(api + path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, status: response.status, data: data };
      });
    }, function () {
      var error = new Error("offline");
      error.offline = true;
      throw error;
    });
  }

  function chooseAgain() {
    chosen = null;
    show(confirmBox, false);
    showBallot(true);
    if (choices) {
      choices.querySelectorAll("button").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
    }
    statusLine.hidden = true;
  }

  function askToConfirm(choice, text) {
    chosen = choice;
    showBallot(false);
    part("confirm-text").textContent = text;
    show(confirmBox, true);
    part("confirm-yes").focus();
  }

  if (choices) {
    choices.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-value]");
      if (!button) return;
      button.setAttribute("aria-pressed", "true");
      askToConfirm(button.dataset.value, format(T.confirm, { choice: button.textContent.trim() }));
    });
  }
  if (names) {
    part("names-done").addEventListener("click", function () {
      var boxes = names.querySelectorAll("input[type=checkbox]:checked");
      if (boxes.length > seats) { say(format(T.too_many, { seats: seats }), "error"); return; }
      var values = [], labels = [];
      boxes.forEach(function (box) { values.push(box.value); labels.push(box.nextElementSibling.textContent.trim()); });
      askToConfirm(values, format(T.confirm_names, {
        count: values.length, names: values.length ? labels.join(", ") : T.none_kept,
      }));
    });
  }
  part("confirm-no").addEventListener("click", chooseAgain);
  part("confirm-yes").addEventListener("click", function () { submit(chosen); });
  var retry = function () { submit(pendingChoice()); };
  retryButton.addEventListener("click", function () {
    show(retryButton, false);
    retry();
  });

  function failed(error, again) {
    if (error && error.offline) {
      say(T.offline, "warning");
      retry = again || function () { submit(pendingChoice()); };
      show(retryButton, true);
      return;
    }
    stop(T.error);
  }

  async function submit(choice) {
    if (choice === null || choice === undefined) { chooseAgain(); return; }
    show(confirmBox, false);
    show(retryButton, false);
    keepChoice(choice);
    var state = load();
    try {
      if (!state.sig) {
        if (!state.t) {  // draw the token and blind it; kept before sending, for a retry
          var token = random(32);
          var blinded = await blind(key, token);
          state = { t: hex(token), z: b64(blinded.blinded), inv: blinded.inverse.toString(16), fp: key.fingerprint };
          save(state);
        }
        say(T.signing);
        var signed = await call("/ballots/" + voteCode + "/sign", { blinded_msg: state.z }, false);
        if (!signed.ok) {
          stop(signed.data.code === "already_issued" ? T.other_device : (signed.data.detail || T.error));
          return;
        }
        var signature = await finalize(key, unhex(state.t), unb64(signed.data.blind_sig), BigInt("0x" + state.inv));
        state = { t: state.t, sig: b64(signature), fp: state.fp };  // forget the blind
        save(state);
      }
      await cast(state, choice);
    } catch (error) {
      failed(error);
    }
  }

  async function cast(state, choice) {
    say(T.casting);
    var token = unhex(state.t);
    var answer = await call(
      "/ballots/" + voteCode + "/cast",
      { token: b64(token), signature: state.sig, choice: choice },
      true
    );
    var code = answer.data && answer.data.code;
    if (answer.ok || code === "already_cast") {
      var receipt = hex(await sha256(token));
      save({ receipt: receipt });  // forget the token, its signature and the choice
      keepChoice(null);
      done(answer.ok ? T.cast : T.already_cast, receipt);
      return;
    }
    if (code === "invalid_choice" || code === "invalid_names" || code === "too_many_kept") {
      keepChoice(null);
      chooseAgain();
      say(answer.data.detail, "error");
      return;
    }
    if (code === "vote_closed") { save({}); keepChoice(null); }
    stop((answer.data && answer.data.detail) || T.error);
  }

  async function start() {
    if (!supported) { stop(T.unsupported); return; }
    if (!secure) { stop(T.insecure); return; }
    try {
      var info = await call("/ballots/" + voteCode, null, false);
      if (!info.ok || !info.data.key) { stop((info.data && info.data.detail) || T.error); return; }
      key = await readKey(info.data.key);
      part("fingerprint").textContent = shortHex(key.fingerprint);
      if (key.fingerprint !== app.dataset.fingerprint || key.fingerprint !== info.data.key.fingerprint) {
        stop(T.key_mismatch);
        return;
      }
      var state = load();
      if (state.receipt && !state.t) { done(T.cast, state.receipt); return; }
      if (state.t && state.fp !== key.fingerprint) { state = {}; save(state); }
      if (info.data.status !== "open") { stop(info.data.status === "closed" ? T.closed : T.not_open); return; }
      if (state.sig && pendingChoice() !== null) {  // a cast whose answer never came
        say(T.resume, "warning");
        await cast(state, pendingChoice());
        return;
      }
      if (!state.t && info.data.issued_to_me) { stop(T.other_device); return; }
      statusLine.hidden = true;
      showBallot(true);
    } catch (error) {
      failed(error, start);
    }
  }

  start();
})();
