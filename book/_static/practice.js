// Practice forms of the book (book/_ext/practice.py writes their frame, description and key):
// draw each form's questions with the assignment view's renderer (window.iptRender, the
// compiled labextension/src/render.ts that the book ships as _static/ipt-render.js and loads
// before this file), score in the browser, show the item's feedback, keep the attempts in this
// browser's localStorage. Nothing is sent anywhere. The scorer below is
// ipt_helpers/scoring.py's rule table written once for the browser;
// tests/test_practice_scorer.py requires identical points, verdicts and feedback lines.
(function (root) {
  "use strict";
  var has = function (o, k) { return Object.prototype.hasOwnProperty.call(o, k); };
  var isStr = function (v) { return typeof v === "string"; };
  var isList = Array.isArray;
  var isDict = function (v) { return v !== null && typeof v === "object" && !isList(v); };

  // Python's round(x, 2): correctly rounded from x's exact binary value, ties to even. toFixed
  // also works from the exact value but sends ties up; a tie at 2 decimals is x = odd / 8.
  function round2(x) {
    if (!isFinite(x)) return x;
    var eighths = x * 8;
    if (Number.isInteger(eighths) && Math.abs(eighths) % 2 === 1) {
      var lo = Math.floor(x * 100);  // exact: x * 100 is an odd multiple of 0.5
      var n = (lo % 2 === 0) ? lo : lo + 1;
      return n / 100;
    }
    return Number(x.toFixed(2));
  }

  // Python's format(x, "g"): 6 significant digits, trailing zeros dropped.
  function fmtG(x) {
    if (x === 0) return (1 / x < 0) ? "-0" : "0";
    if (!isFinite(x)) return isNaN(x) ? "nan" : (x > 0 ? "inf" : "-inf");
    var e = x.toExponential(5), exp = parseInt(e.split("e")[1], 10);
    if (exp >= -4 && exp < 6) {
      var f = x.toFixed(Math.max(0, 5 - exp));
      if (f.indexOf(".") >= 0) f = f.replace(/0+$/, "").replace(/\.$/, "");
      return f;
    }
    var parts = e.split("e"), m = parts[0];
    if (m.indexOf(".") >= 0) m = m.replace(/0+$/, "").replace(/\.$/, "");
    var ex = Math.abs(exp);
    return m + "e" + (exp < 0 ? "-" : "+") + (ex < 10 ? "0" : "") + ex;
  }

  // Python equality for the values a rule compares (strings, numbers, None, lists, dicts).
  function pyEq(a, b) {
    if (a === b) return true;
    if (typeof a === "number" && typeof b === "number") return a === b;
    if (typeof a === "boolean" || typeof b === "boolean") {
      var na = typeof a === "boolean" ? Number(a) : a, nb = typeof b === "boolean" ? Number(b) : b;
      return typeof na === "number" && typeof nb === "number" && na === nb;
    }
    if (isList(a) && isList(b)) {
      if (a.length !== b.length) return false;
      for (var i = 0; i < a.length; i++) if (!pyEq(a[i], b[i])) return false;
      return true;
    }
    if (isDict(a) && isDict(b)) {
      var ka = Object.keys(a), kb = Object.keys(b);
      if (ka.length !== kb.length) return false;
      for (var j = 0; j < ka.length; j++) if (!has(b, ka[j]) || !pyEq(a[ka[j]], b[ka[j]])) return false;
      return true;
    }
    return false;
  }
  function pyIn(x, list) { for (var i = 0; i < list.length; i++) if (pyEq(x, list[i])) return true; return false; }
  function get(o, k) { return has(o, k) ? o[k] : null; }
  function strSet(list) { var s = new Set(); list.forEach(function (v) { if (isStr(v)) s.add(v); }); return s; }

  function fractionSingle(rule, value) {
    var accept = rule.accept;
    if (isList(accept)) { var d = {}; accept.forEach(function (a) { if (isStr(a)) d[a] = 1; }); accept = d; }
    return (isStr(value) && has(accept, value)) ? Number(accept[value]) : 0;
  }
  function fractionMulti(rule, value) {
    var chosen = isList(value) ? strSet(value) : new Set();
    var correct = new Set(rule.correct), neutral = new Set(rule.neutral || []);
    var right = 0, wrong = 0, outside = 0;
    chosen.forEach(function (c) {
      if (correct.has(c)) right++; else if (!neutral.has(c)) wrong++;
      if (!neutral.has(c)) outside++;
    });
    if (!correct.size) return outside ? 0 : 1;
    return Math.max(0, (right - wrong) / correct.size);
  }
  function pairsInOrder(key, value) {
    var position = new Map();
    value.forEach(function (item, i) { if (isStr(item) && !position.has(item)) position.set(item, i); });
    var pairs = 0, good = 0;
    for (var i = 0; i < key.length; i++) for (var j = i + 1; j < key.length; j++) {
      pairs++;
      var a = key[i], b = key[j];
      if (position.has(a) && position.has(b) && position.get(a) < position.get(b)) good++;
    }
    return pairs ? good / pairs : (pyEq(value, key) ? 1 : 0);
  }
  function fractionOrder(rule, value) {
    if (!isList(value) || !value.some(isStr)) return 0;
    var orders = rule.order;
    if (orders.length && isStr(orders[0])) orders = [orders];
    if (!orders.length) throw new Error("no accepted order");  // Python: max() of nothing
    var best = -Infinity;
    orders.forEach(function (o) { best = Math.max(best, pairsInOrder(o, value)); });
    return best;
  }
  function fractionPlacement(rule, value) {
    if (!isDict(value)) return 0;
    var key = rule.placement, items = Object.keys(key), right = 0;
    items.forEach(function (item) {
      var accepted = isStr(key[item]) ? [key[item]] : key[item];
      if (pyIn(get(value, item), accepted)) right++;
    });
    return items.length ? right / items.length : 0;
  }
  function fractionTags(rule, value) {
    if (!isDict(value)) return 0;
    var tags = rule.tags, right = 0, wrong = 0, total = 0;
    Object.keys(tags).forEach(function (item) {
      var got = get(value, item), set = isList(got) ? strSet(got) : new Set(), want = new Set(tags[item]);
      set.forEach(function (g) { if (want.has(g)) right++; });
      total += tags[item].length;
    });
    Object.keys(value).forEach(function (item) {
      var got = value[item];
      if (!isList(got)) return;
      var want = new Set(has(tags, item) ? tags[item] : []);
      strSet(got).forEach(function (g) { if (!want.has(g)) wrong++; });
    });
    return total ? Math.max(0, (right - wrong) / total) : 0;
  }
  var RULES = {accept: fractionSingle, correct: fractionMulti, order: fractionOrder,
               placement: fractionPlacement, tags: fractionTags};

  function ruleKind(rule) {
    var kinds = Object.keys(RULES).filter(function (k) { return has(rule, k); });
    if (kinds.length !== 1) throw new Error("a rule needs exactly one kind");
    return kinds[0];
  }
  // A rule's "when" as [[question, [answers]]] in its own order.
  function conditions(rule) {
    var when = rule.when || {};
    return Object.keys(when).map(function (q) { return [q, isList(when[q]) ? when[q] : [when[q]]]; });
  }
  function applies(rule, answers) {
    return conditions(rule).every(function (c) { return pyIn(get(answers, c[0]), c[1]); });
  }
  // rubric: [[qid, rule], ...] (the order of the definition)
  function effectivePoints(rubric, answers) {
    var byId = new Map(rubric), points = new Map(), moved = new Map();
    rubric.forEach(function (e) { points.set(e[0], has(e[1], "points") ? Number(e[1].points) : 1); });
    rubric.forEach(function (e) {
      var qid = e[0], rule = e[1];
      if (applies(rule, answers)) return;
      var target = qid, seen = new Set([qid]);
      while (byId.has(target) && !applies(byId.get(target), answers)) {
        var c = conditions(byId.get(target)), nxt = c.length ? c[0][0] : null;
        if (nxt === null || seen.has(nxt) || !byId.has(nxt)) break;
        seen.add(nxt);
        target = nxt;
      }
      if (target !== qid && byId.has(target)) {
        points.set(target, points.get(target) + points.get(qid));
        moved.set(qid, target);
      }
      points.set(qid, 0);
    });
    return {points: points, moved: moved};
  }
  function isBlank(v) {
    if (v === null || v === undefined || v === "") return true;
    if (isList(v)) return v.every(function (x) { return x === null; });
    if (isDict(v)) return Object.keys(v).every(function (k) { return v[k] === null || (isList(v[k]) && !v[k].length); });
    return false;
  }
  function verdict(fraction, blank) {
    if (blank) return "Not answered";
    if (fraction >= 1) return "Correct";
    return fraction > 0 ? "Partly correct" : "Not correct";
  }
  function chosenFeedback(rule, value) {
    var notes = rule.feedback || {}, chosen;
    if (isList(value)) chosen = value;
    else if (isDict(value)) chosen = Object.keys(value).map(function (k) { return value[k]; });
    else chosen = [value];
    var flat = [];
    chosen.forEach(function (c) { if (isList(c)) flat.push.apply(flat, c); else flat.push(c); });
    var keys = [], seen = new Set();
    flat.forEach(function (c) { if (isStr(c) && !seen.has(c)) { seen.add(c); keys.push(c); } });
    return keys.filter(function (c) { return has(notes, c); }).map(function (c) { return notes[c]; });
  }

  // The same as ipt_helpers.scoring.score_answers, plus each question's result for the page.
  function scoreAnswers(answers, rubric) {
    if (!isDict(answers)) answers = {};
    var eff = effectivePoints(rubric, answers), total = 0, lines = [], results = [];
    rubric.forEach(function (e) {
      var qid = e[0], rule = e[1];
      if (eff.moved.has(qid)) {
        var to = eff.moved.get(qid);
        lines.push("[Does not apply] " + qid + ": asked only after another answer to " + to +
                   "; its points count with " + to);
        results.push({id: qid, verdict: "Does not apply", movedTo: to, earned: 0, points: 0, notes: []});
        return;
      }
      var value = has(answers, qid) ? answers[qid] : null, blank = isBlank(value), fraction;
      try {
        fraction = blank ? 0 : Math.min(1, Math.max(0, RULES[ruleKind(rule)](rule, value)));
      } catch (err) { fraction = 0; blank = true; }
      var pts = eff.points.get(qid), earned = round2(pts * fraction);
      total += earned;
      var r = {id: qid, verdict: verdict(fraction, blank), earned: earned, points: pts, notes: [],
               why: null};
      lines.push("[" + r.verdict + "] " + qid + ": " + fmtG(earned) + " of " + fmtG(pts) + " points");
      if (!blank) r.notes = chosenFeedback(rule, value);
      r.notes.forEach(function (n) { lines.push("    " + n); });
      if (fraction < 1 && rule.explain) { r.why = rule.explain; lines.push("    Why: " + rule.explain); }
      results.push(r);
    });
    return {points: round2(total), lines: lines, results: results};
  }

  var scorer = {scoreAnswers: scoreAnswers, round2: round2, fmtG: fmtG, applies: applies};
  if (typeof module === "object" && module.exports) { module.exports = scorer; return; }
  root.iptPractice = scorer;

  // ------------------------------------------------------------------ the page
  var STORE = "ipt-practice-v1";
  var script = document.currentScript;
  var bookRoot = new URL("../", script ? script.src : location.href).href;

  function load() {
    try { return JSON.parse(localStorage.getItem(STORE)) || {}; } catch (e) { return {}; }
  }
  function save(data) {
    try { localStorage.setItem(STORE, JSON.stringify(data)); return true; } catch (e) { return false; }
  }
  function pageRef() {
    var href = location.href.split("#")[0].split("?")[0];
    return href.indexOf(bookRoot) === 0 ? href.slice(bookRoot.length) : href;
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function plural(n, word) { return fmtG(n) + " " + word + (n === 1 ? "" : "s"); }
  var MARKS = {"Correct": "✓", "Partly correct": "◐", "Not correct": "✗", "Not answered": "–",
               "Does not apply": "–"};
  var CLASSES = {"Correct": "correct", "Partly correct": "partly", "Not correct": "wrong",
                 "Not answered": "blank", "Does not apply": "blank"};

  // The answers the scorer sees: the keyed questions' only (the submit handler scores these).
  function keyedAnswers(answers, key) {
    var keyed = {};
    key.rubric.forEach(function (e) { keyed[e[0]] = has(answers, e[0]) ? answers[e[0]] : null; });
    return keyed;
  }
  // The points a keyed question says it is worth, for the answers now in the form, by the
  // scorer's rule (effectivePoints: a question that does not apply moves its points to the one
  // it depends on), so "(3 points)" and "3 of 3" come from one rule. A question that does not
  // apply (hidden, or shown by "Show the model answer") says its own points, if it were asked.
  function pointsLabel(key) {
    var rules = new Map(key.rubric), last = null, points = null;
    return function (q, answer) {
      var rule = rules.get(q.id);
      if (!rule) return "";  // a written answer: not scored
      var keyed = keyedAnswers(answer, key);
      if (answer !== last) { last = answer; points = effectivePoints(key.rubric, keyed).points; }
      var pts = applies(rule, keyed) ? points.get(q.id) : (has(rule, "points") ? Number(rule.points) : 1);
      return " (" + plural(pts, "point") + ")";
    };
  }
  // The note under a conditional question: every condition must hold (scoring.applies); when
  // one fails, its points move to the question of the first condition (effectivePoints).
  function whenNote(key) {
    var rules = new Map(key.rubric);
    return function (q, chosen) {
      var rule = rules.get(q.id) || {}, own = has(rule, "points") ? Number(rule.points) : 1;
      return "Asked only if you chose " + chosen.join(" and ") + " above; otherwise its " +
          plural(own, "point") + " count" + (own === 1 ? "s" : "") + " with " +
          (chosen.length === 1 ? "that question" : "the first of those questions") + ".";
    };
  }
  // For an Order answer that is not fully right: the steps that stand where the accepted
  // order closest to it (the one the scorer credits, ties to more steps in place) has them.
  function stepsInPlace(rule, value) {
    var orders = rule.order, best = null;
    if (orders.length && isStr(orders[0])) orders = [orders];
    orders.forEach(function (order) {
      var pairs = pairsInOrder(order, value), right = [];
      value.forEach(function (item, i) { if (isStr(item) && order[i] === item) right.push(i); });
      if (!best || pairs > best.pairs || (pairs === best.pairs && right.length > best.right.length))
        best = {pairs: pairs, right: right};
    });
    return {right: best ? best.right : [], several: orders.length > 1};
  }
  function placesText(fs, rule, value) {
    var places = stepsInPlace(rule, value), selects = fs.querySelectorAll("select");
    var name = function (i) {
      var s = selects[i];
      return "step " + (i + 1) + " (" + (s && s.value ? s.options[s.selectedIndex].text : "left empty") + ")";
    };
    var right = places.right.map(name), wrong = [];
    for (var i = 0; i < value.length; i++) if (places.right.indexOf(i) < 0) wrong.push(name(i));
    var text = right.length ? "In the right place: " + right.join("; ") + "." : "No step is in its right place yet.";
    if (wrong.length) text += " Not in the right place: " + wrong.join("; ") + ".";
    if (places.several) text += " (Compared with the accepted order closest to yours.)";
    return text + " Partial credit counts each pair of steps that is in the right order.";
  }
  function questionInfo(key, qid) {
    for (var i = 0; i < key.questions.length; i++) if (key.questions[i].id === qid) return key.questions[i];
    return {};
  }
  function showFeedback(form, key, scored, answers) {
    var byId = {}, rules = new Map(key.rubric);
    scored.results.forEach(function (r) { byId[r.id] = r; });
    form.querySelectorAll("fieldset.practice-q").forEach(function (fs) {
      var qid = fs.getAttribute("data-q"), box = fs.querySelector(".practice-feedback"), r = byId[qid];
      box.textContent = "";
      box.className = "practice-feedback";
      var info = questionInfo(key, qid);
      if (!r) {  // a written answer: compared, not scored
        if (info.model) {
          box.classList.add("practice-note");
          box.appendChild(el("p", "practice-verdict", (answers[qid] || "").trim()
              ? "Not scored: compare your answer with the model answer."
              : "Not answered (not scored): write a few lines, then compare."));
          var m = el("p", "practice-model-text");
          m.appendChild(el("strong", null, "Model answer: "));
          m.appendChild(document.createTextNode(info.model));
          box.appendChild(m);
        }
        box.hidden = !info.model;
        return;
      }
      box.classList.add("practice-" + CLASSES[r.verdict]);
      var head = el("p", "practice-verdict");
      var mark = el("span", "practice-mark", MARKS[r.verdict]);
      mark.setAttribute("aria-hidden", "true");  // the verdict is said in words next to it
      head.appendChild(mark);
      head.appendChild(document.createTextNode(" " + r.verdict + (r.verdict === "Does not apply"
          ? ": its points count with the question it follows."
          : ": " + fmtG(r.earned) + " of " + plural(r.points, "point") + ".")));
      box.appendChild(head);
      var rule = rules.get(qid), value = answers[qid];
      if (fs.getAttribute("data-kind") === "Order" && rule && rule.order && isList(value) &&
          (r.verdict === "Partly correct" || r.verdict === "Not correct"))
        box.appendChild(el("p", "practice-places", placesText(fs, rule, value)));
      r.notes.forEach(function (n) { box.appendChild(el("p", "practice-note-text", n)); });
      if (r.why) {
        var why = el("p", "practice-why");
        why.appendChild(el("strong", null, "Why: "));
        why.appendChild(document.createTextNode(r.why));
        box.appendChild(why);
      }
      box.hidden = false;
    });
  }
  function summary(key, scored) {
    var counts = {};
    scored.results.forEach(function (r) { counts[r.verdict] = (counts[r.verdict] || 0) + 1; });
    var parts = ["Correct", "Partly correct", "Not correct", "Not answered"].filter(function (v) {
      return counts[v]; }).map(function (v) { return counts[v] + " " + v.toLowerCase(); });
    return "Result: " + fmtG(scored.points) + " of " + plural(key.total, "point") +
           (parts.length ? " (" + parts.join(", ") + ")." : ".");
  }
  function historyLine(form, key) {
    var line = form.querySelector(".practice-history-line");
    var entry = load()[key.id];
    if (!entry || !entry.attempts || !entry.attempts.length) { line.textContent = ""; return; }
    var a = entry.attempts, last = a[a.length - 1], best = Math.max.apply(null, a.map(function (x) { return x.points; }));
    var link = el("a", null, "Your practice");
    link.href = bookRoot + "book/practice.html";
    line.textContent = "Your attempts in this browser: " + a.length + "; last " + fmtG(last.points) +
        " of " + fmtG(last.total) + ", best " + fmtG(best) + ". ";
    line.appendChild(link);
  }
  function record(key, scored, answers) {
    var data = load(), entry = data[key.id] || {title: key.title, page: pageRef(), attempts: []};
    entry.title = key.title;
    entry.page = pageRef();
    entry.attempts.push({at: new Date().toISOString(), points: scored.points, total: key.total,
                         answers: answers});
    if (entry.attempts.length > 50) entry.attempts = entry.attempts.slice(-50);
    data[key.id] = entry;
    return save(data);
  }
  function showModel(form, key) {
    form.querySelectorAll("fieldset.practice-q").forEach(function (fs) {
      var info = questionInfo(key, fs.getAttribute("data-q")), box = fs.querySelector(".practice-feedback");
      var old = box.querySelector(".practice-model-text");
      if (!info.model || (old && box.classList.contains("practice-note"))) { if (info.model) box.hidden = false; return; }
      if (old) old.remove();
      var m = el("p", "practice-model-text");
      m.appendChild(el("strong", null, "Model answer: "));
      m.appendChild(document.createTextNode(info.model));
      box.appendChild(m);
      if (info.explain && !box.querySelector(".practice-why")) {
        var why = el("p", "practice-why");
        why.appendChild(el("strong", null, "Why: "));
        why.appendChild(document.createTextNode(info.explain));
        box.appendChild(why);
      }
      box.hidden = false;
      fs.hidden = false;
    });
  }

  function setup(section) {
    var key = JSON.parse(section.querySelector("script.practice-key").textContent);
    var description = JSON.parse(section.querySelector("script.practice-description").textContent);
    var form = section.querySelector("form"), result = section.querySelector(".practice-result");
    var drawn = new root.iptRender.RenderedForm(description, {
      prefix: "practice", idBase: section.id, points: pointsLabel(key), whenNote: whenNote(key),
      textLabel: "Your answer (not scored: compare it with the model answer)",
      addToQuestion: function (q, fieldset) {
        var box = el("div", "practice-feedback");
        box.hidden = true;
        fieldset.appendChild(box);
      }
    });
    form.insertBefore(drawn.node, form.firstChild);
    form.hidden = false;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var answers = drawn.read(), scored = scoreAnswers(keyedAnswers(answers, key), key.rubric);
      showFeedback(form, key, scored, answers);
      result.textContent = summary(key, scored);
      record(key, scored, answers);
      historyLine(form, key);
    });
    section.querySelector(".practice-retry").addEventListener("click", function () {
      drawn.set(null);  // every control empty; the questions shown, numbered, pointed anew
      form.querySelectorAll(".practice-feedback").forEach(function (b) { b.hidden = true; b.textContent = ""; });
      result.textContent = "Cleared: answer again, then Check.";
      var first = form.querySelector("input, select, textarea");
      if (first) first.focus();
    });
    section.querySelector(".practice-show").addEventListener("click", function () {
      showModel(form, key);
      result.textContent = "The model answer is shown under each question.";
    });
    historyLine(form, key);
  }

  function renderHistory(box) {
    var data = load(), ids = Object.keys(data);
    box.textContent = "";
    if (!ids.length) {
      box.appendChild(el("p", null, "No practice attempts in this browser yet. The practice forms " +
          "are in the chapters' self-checks and in every casebook case."));
      return;
    }
    var table = el("table", "practice-table");
    var cap = el("caption", null, "Practice forms you have checked, in this browser");
    table.appendChild(cap);
    var head = el("tr");
    ["Form", "Attempts", "Last", "Best", "Last tried"].forEach(function (h) {
      var th = el("th", null, h); th.scope = "col"; head.appendChild(th); });
    var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
    var body = el("tbody");
    ids.forEach(function (id) {
      var e = data[id], a = e.attempts || [];
      if (!a.length) return;
      var last = a[a.length - 1], best = Math.max.apply(null, a.map(function (x) { return x.points; }));
      var tr = el("tr"), td = el("th"), link = el("a", null, e.title || id);
      td.scope = "row";
      link.href = bookRoot + (e.page || "") + "#practice-" + id.replace(/[^A-Za-z0-9_-]+/g, "-");
      td.appendChild(link); tr.appendChild(td);
      [String(a.length), fmtG(last.points) + " of " + fmtG(last.total),
       fmtG(best) + " of " + fmtG(last.total), new Date(last.at).toLocaleString()].forEach(function (t) {
        tr.appendChild(el("td", null, t)); });
      body.appendChild(tr);
    });
    table.appendChild(body);
    box.appendChild(table);
    var clear = el("button", "practice-clear", "Clear my practice history");
    clear.type = "button";
    clear.setAttribute("aria-expanded", "false");
    clear.addEventListener("click", function () { askToClear(box, clear); });
    box.appendChild(clear);
  }
  // Deleting cannot be undone, so the page asks first, in the page itself (two buttons, by
  // keyboard or pointer): "Keep them" has the focus, so a stray Enter deletes nothing; Escape
  // keeps them too and returns the focus to the button that asked.
  function askToClear(box, clear) {
    var open = box.querySelector(".practice-confirm");
    if (open) { open.querySelector(".practice-keep").focus(); return; }
    var panel = el("div", "practice-confirm"), question = el("p", "practice-confirm-question",
        "Delete the practice attempts saved in this browser? They cannot be brought back.");
    question.id = "practice-confirm-question";
    panel.setAttribute("role", "group");
    panel.setAttribute("aria-labelledby", question.id);
    var keep = el("button", "practice-keep", "Keep them"), del = el("button", "practice-delete", "Delete them");
    keep.type = del.type = "button";
    panel.appendChild(question);
    panel.appendChild(keep);
    panel.appendChild(del);
    clear.parentNode.insertBefore(panel, clear.nextSibling);
    clear.setAttribute("aria-expanded", "true");
    var cancel = function () {
      panel.remove();
      clear.setAttribute("aria-expanded", "false");
      clear.focus();
      status.textContent = "Nothing was deleted.";
    };
    keep.addEventListener("click", cancel);
    panel.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") { ev.preventDefault(); cancel(); }
    });
    del.addEventListener("click", function () {
      var done = true;
      try { localStorage.removeItem(STORE); } catch (e) { done = false; }
      renderHistory(box);
      status.textContent = done ? "The practice attempts saved in this browser were deleted."
                                : "This browser did not let the page delete them.";
      status.focus();  // the buttons are gone: the focus goes to the message
    });
    keep.focus();
  }
  var status;
  function start() {
    var forms = document.querySelectorAll("[data-practice-form]");
    if (forms.length && !(root.iptRender && root.iptRender.RenderedForm))
      throw new Error("practice.js: _static/ipt-render.js, which draws the forms, did not load");
    forms.forEach(setup);
    var box = document.querySelector("[data-practice-history]");
    if (box) {
      status = el("p", "practice-result");
      status.setAttribute("role", "status");
      status.tabIndex = -1;  // takes the focus after a deletion (its buttons are gone)
      box.parentNode.insertBefore(status, box.nextSibling);
      renderHistory(box);
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})(this);
