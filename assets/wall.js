/*
 * The wall screen's browser side: scaling, clock, rotation, the refresh gate, the ticker,
 * count-up KPIs, and the watchdog that keeps the screen honest.
 *
 * The wall runs for weeks with nobody touching it, so everything here is defensive: the
 * figures on screen are never removed, a failed refresh or health check only changes
 * data-state (live | stale | offline) and the note saying how old the figures are, and
 * the page reloads itself only when the server is answering (a new build, the daily
 * quiet-hour reload, or a playlist that needs panels this page does not have).
 *
 * Dash calls the functions in window.dash_clientside.wall (see callbacks/wall.py);
 * window.CSBWall holds the state they share with the timers below.
 */
(function () {
    "use strict";

    var DESIGN_W = 1920;
    var DESIGN_H = 1080;
    var TICKER_SPEED = 90; // design pixels per second
    var W = window.CSBWall = window.CSBWall || {};
    W.rotations = 0;
    W.refreshes = 0;
    W.lastOk = 0;            // Date.now() of the last successful refresh
    W.health = "unknown";    // ok | down (503) | offline (no answer) | unknown
    W.kick = false;          // set when the service comes back: the gate may ask again at once
    W.rot = {key: null, i: 0};
    W.playlist = null;
    W.loadedAt = Date.now();

    function pad(n) { return n < 10 ? "0" + n : "" + n; }
    function root() { return document.getElementById("wall-root"); }
    function lang() { var r = root(); return r && r.getAttribute("data-lang") === "en" ? "en" : "zh"; }

    // The page's words, month and weekday names and number separators, in its language,
    // from the server's catalogue (data/present.py wall_settings, the root's data-text).
    var text = {el: null, value: null};
    function names() {
        var r = root();
        if (r && text.el !== r) {
            text.el = r;
            try { text.value = JSON.parse(r.getAttribute("data-text") || "null"); } catch (e) { text.value = null; }
        }
        return text.value || {months: [], weekdays: [], date: "", group: ",", decimal: ".", words: {}};
    }
    function words() { return names().words; }
    // The time on the wall is the deployment's (CSB_TIMEZONE, the root's data-zone), as the
    // figures' "today" is, whatever zone the lobby PC's own clock is set to.
    var WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    var zone = {name: undefined, fmt: null};
    // A pinned clock for tests and screenshots (CSB_FAKE_NOW, README): the server puts its
    // "now" on the root (data-now, epoch ms) and the wall's time of day runs on from there.
    // Only the time shown and the playlist's hours move; every duration stays real.
    var pinned = {el: null, offset: 0};
    function clockOffset() {
        var r = root();
        if (r && pinned.el !== r) {
            pinned.el = r;
            var at = parseFloat(r.getAttribute("data-now") || "");
            pinned.offset = isNaN(at) ? 0 : at - Date.now();
        }
        return pinned.offset;
    }
    // The clock, the rotation and the charts due all ask for the time within the same second:
    // the zone's reading of a second is worked out once (Intl's formatToParts is not cheap).
    var lastZoned = {second: null, value: null, name: null};
    function zoned(ms) {
        var second = Math.floor((ms + clockOffset()) / 1000);
        var r0 = root();
        var zoneName = r0 ? r0.getAttribute("data-zone") : null;
        if (lastZoned.second !== second || lastZoned.name !== zoneName) {
            lastZoned = {second: second, value: zonedNow(second * 1000 - clockOffset()), name: zoneName};
        }
        return lastZoned.value;
    }
    function zonedNow(ms) {
        var d = new Date(ms + clockOffset());
        var r = root();
        var name = r ? r.getAttribute("data-zone") : null;
        if (name && zone.name !== name) {
            zone.name = name;
            try {
                zone.fmt = new Intl.DateTimeFormat("en-US", {timeZone: name, hourCycle: "h23", year: "numeric",
                    month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
                    weekday: "short"});
            } catch (e) { zone.fmt = null; }
        }
        if (name && zone.fmt) {
            var p = {};
            zone.fmt.formatToParts(d).forEach(function (x) { p[x.type] = x.value; });
            return {y: +p.year, m: +p.month, d: +p.day, h: (+p.hour) % 24, min: +p.minute, s: +p.second,
                    wd: WEEKDAYS.indexOf(p.weekday)};
        }
        return {y: d.getFullYear(), m: d.getMonth() + 1, d: d.getDate(), h: d.getHours(), min: d.getMinutes(),
                s: d.getSeconds(), wd: d.getDay()};
    }
    function hhmm(ms) { var z = zoned(ms); return pad(z.h) + ":" + pad(z.min); }

    // --- scaling: the 1920x1080 canvas, uniformly scaled and centred (letterboxed) ----------

    function fit() {
        var canvas = document.getElementById("wall-canvas");
        if (!canvas) { return; }
        var w = window.innerWidth, h = window.innerHeight;
        var s = Math.min(w / DESIGN_W, h / DESIGN_H);
        var x = Math.round((w - DESIGN_W * s) / 2), y = Math.round((h - DESIGN_H * s) / 2);
        var shift = SHIFT_ORBIT[W.shiftAt % SHIFT_ORBIT.length];
        canvas.style.transform = "translate(" + (x + shift[0]) + "px," + (y + shift[1]) + "px) scale(" + s + ")";
        canvas.classList.add("fitted");
        var r = root();
        if (r) { r.setAttribute("data-shift", shift[0] + "," + shift[1]); }
    }
    window.addEventListener("resize", fit);

    // --- pixel shift: the whole canvas drifts a few screen pixels every few minutes, round a
    // small orbit, so a static header, clock or ticker line does not burn into the panel
    // over months. Slow enough that nobody sees it move.
    var SHIFT_EVERY = 180000; // ms
    var SHIFT_ORBIT = [[0, 0], [2, 1], [3, 3], [1, 4], [-1, 4], [-3, 3], [-3, 1], [-2, -1], [0, -2], [2, -1]];
    W.shiftAt = 0;
    W.shift = function () { W.shiftAt += 1; fit(); return SHIFT_ORBIT[W.shiftAt % SHIFT_ORBIT.length]; };
    setInterval(W.shift, SHIFT_EVERY);

    // --- night mode: the playlist's window may dim the wall (data-dim: none | evening | night,
    // assets/wall.css), set as the rotation enters and leaves the window.
    function setDim(level) {
        var r = root();
        level = level || "none";
        if (r && r.getAttribute("data-dim") !== level) { r.setAttribute("data-dim", level); }
    }

    // --- watching for the page: attach as soon as Dash has rendered the wall ------------------

    var attached = null;
    var observer = null;

    function attach() {
        var r = root();
        if (!r || r === attached) { return; }
        attached = r;
        W.build = r.getAttribute("data-build") || W.build || null;
        fit();
        if (observer) { observer.disconnect(); observer = null; }
        setState();
        startHealth();
        var track = r.querySelector(".wall-ticker-track");
        if (track && !track.childNodes.length) { buildTicker(ticker.items); }
        firstKpis(r);
    }

    // The first answer's KPIs come with the page (data-first-kpis, callbacks/wall.py): the
    // tiles are drawn as the page is, by applyKpis as every later answer's are.
    function firstKpis(r) {
        var text = r.getAttribute("data-first-kpis");
        if (!text) { return; }
        r.removeAttribute("data-first-kpis");
        try { applyKpis(JSON.parse(text)); } catch (e) { /* the refresh's answer draws them */ }
    }

    function watchForRoot() {
        if (observer || !document.body) { return; }
        observer = new MutationObserver(attach);
        observer.observe(document.body, {childList: true, subtree: true});
        attach();
    }


    // --- freshness: data-state and the note of how old the figures are -----------------------

    function staleAfter() {
        var refresh = (W.playlist && W.playlist.refresh_ms) || 60000;
        return Math.max(2 * refresh + 5000, 15000);
    }

    function age(ms) {
        var t = words();
        var minutes = Math.floor(ms / 60000);
        if (minutes < 1) { return t.justNow; }
        if (minutes < 60) { return minutes + t.min + t.ago; }
        if (minutes < 48 * 60) { return Math.floor(minutes / 60) + t.hour + t.ago; }
        return Math.floor(minutes / 1440) + t.day + t.ago;
    }

    function setState() {
        var r = root();
        if (!r) { return; }
        var now = Date.now();
        var state;
        if (W.health === "offline") {
            state = "offline";
        } else if (W.health === "down" || !W.lastOk || now - W.lastOk > staleAfter()) {
            state = "stale";
        } else {
            state = "live";
        }
        if (r.getAttribute("data-state") !== state) { r.setAttribute("data-state", state); }
        var note = document.getElementById("wall-status");
        if (!note) { return; }
        var text = "";
        if (state !== "live") {
            var t = words();
            var head = state === "offline" ? t.offline : (W.lastOk ? t.stale : (W.lastError || W.health === "down" ? t.unavailable : t.connecting));
            if (W.lastOk) {
                var when = hhmm(W.lastOk);
                text = "⚠ " + head + " · " + (lang() === "en"
                    ? t.showing + " " + when + " " + t.data + " (" + age(now - W.lastOk) + ")"
                    : t.showing + " " + when + " " + t.data + "（" + age(now - W.lastOk) + "）");
            } else {
                text = "⚠ " + head;
            }
        }
        if (note.textContent !== text) { note.textContent = text; }
    }

    // --- health checks, and the reloads that need the server to be answering ----------------

    var healthTimer = null;

    function startHealth() {
        if (healthTimer === null) { checkHealth(); }
    }

    function nextReloadAt(from) {
        var at = (W.playlist && W.playlist.reload_at) || "03:30";
        var parts = at.split(":");
        var z = zoned(from);
        var wait = (parseInt(parts[0], 10) * 60 + parseInt(parts[1], 10)) - (z.h * 60 + z.min);
        var ms = wait * 60000 - z.s * 1000 - (from % 1000);
        if (ms <= 60000) { ms += 24 * 3600000; }
        return from + ms;
    }

    function reload(reason) {
        if (W.reloading) { return; }
        W.reloading = reason;
        window.location.reload();
    }

    function missingPanels() {
        var pl = W.playlist, r = root();
        if (!pl || !r) { return false; }
        var sets = [pl.panels].concat((pl.windows || []).map(function (w) { return w.panels; }));
        for (var i = 0; i < sets.length; i++) {
            for (var j = 0; j < sets[i].length; j++) {
                if (!r.querySelector('.wall-panel[data-panel="' + sets[i][j].id + '"]')) { return true; }
            }
        }
        return false;
    }

    function housekeeping(answer) {
        // Only ever reload into a server that answers, so the screen is never left blank.
        if (W.health !== "ok") { return; }
        if (answer && answer.build) {
            if (!W.build) { W.build = answer.build; }
            if (answer.build !== W.build) { reload("new build " + answer.build); return; }
        }
        if (!W.reloadAt) { W.reloadAt = nextReloadAt(W.loadedAt); }
        if (Date.now() >= W.reloadAt) { reload("daily reload"); return; }
        if (missingPanels()) {
            var last = parseInt(window.sessionStorage.getItem("csb-wall-panel-reload") || "0", 10);
            if (Date.now() - last > 600000) {
                window.sessionStorage.setItem("csb-wall-panel-reload", "" + Date.now());
                reload("playlist needs other panels");
            }
        }
    }

    function checkHealth() {
        var every = (W.playlist && W.playlist.health_ms) || 10000;
        var controller = window.AbortController ? new AbortController() : null;
        var timeout = setTimeout(function () { if (controller) { controller.abort(); } }, Math.max(every, 3000));
        var was = W.health;
        fetch("/healthz", {cache: "no-store", signal: controller ? controller.signal : undefined})
            .then(function (res) {
                return res.json().catch(function () { return {}; }).then(function (body) {
                    W.health = res.ok ? "ok" : "down";
                    return body;
                });
            }, function () {
                W.health = "offline";
                return null;
            })
            .then(function (body) {
                clearTimeout(timeout);
                if (W.health === "ok" && was !== "ok" && was !== "unknown") { W.kick = true; }
                setState();
                housekeeping(body);
            })
            .then(null, function () { /* never let the watchdog die */ })
            .then(function () {
                healthTimer = setTimeout(checkHealth, (W.playlist && W.playlist.health_ms) || 10000);
            });
    }

    // Once a second: the note's age text, and the root coming back after a page switch.
    setInterval(function () {
        if (attached && !attached.isConnected) { attached = null; watchForRoot(); }
        setState();
    }, 1000);

    // --- KPI count-up ----------------------------------------------------------------------

    var animations = {};

    function formatNumber(v, d, s) {
        var t = names();
        return v.toLocaleString("en-US", {minimumFractionDigits: d, maximumFractionDigits: d})
            .replace(/[,.]/g, function (c) { return c === "," ? t.group : t.decimal; }) + s;
    }

    function countUp(el, kpi) {
        var code = kpi.code;
        if (animations[code]) { cancelAnimationFrame(animations[code]); animations[code] = null; }
        var from = parseFloat(el.getAttribute("data-n"));
        var sameUnit = el.getAttribute("data-s") === kpi.s;
        el.setAttribute("data-n", kpi.n === null ? "" : String(kpi.n));
        el.setAttribute("data-s", kpi.s);
        // The first figure a tile gets is written at once (a screen that just loaded shows its
        // values, not a count from zero); a figure that changes counts up from the one shown.
        if (kpi.n === null || isNaN(from) || !sameUnit || from === kpi.n) {
            el.classList.remove("counting");
            if (el.textContent !== kpi.text) { el.textContent = kpi.text; }
            return;
        }
        var start = null, span = 1200, to = kpi.n;
        el.classList.add("counting");
        function step(ts) {
            if (start === null) { start = ts; }
            var p = Math.min(1, (ts - start) / span);
            var eased = 1 - Math.pow(1 - p, 3);
            if (p < 1) {
                el.textContent = formatNumber(from + (to - from) * eased, kpi.d, kpi.s);
                animations[code] = requestAnimationFrame(step);
            } else {
                el.textContent = kpi.text;
                el.classList.remove("counting");
                animations[code] = null;
            }
        }
        animations[code] = requestAnimationFrame(step);
    }

    // A KPI tile is drawn from the refresh's data alone (its one channel): the value counted
    // up, the line under it (target or period) and the below-target mark.
    function applyKpis(kpis) {
        var r = root();
        if (!r || !kpis) { return; }
        for (var i = 0; i < kpis.length; i++) {
            var el = r.querySelector('[data-kpi="' + kpis[i].code + '"]');
            if (!el) { continue; }
            countUp(el, kpis[i]);
            var tile = el.closest(".wall-kpi");
            if (!tile) { continue; }
            tile.classList.toggle("below", !!kpis[i].below);
            tile.classList.toggle("late", !!kpis[i].late);  // "未报送": its source is late
            var line = tile.querySelector(".wall-kpi-target");
            if (line && line.textContent !== (kpis[i].target || "")) { line.textContent = kpis[i].target || ""; }
        }
    }

    // --- ticker: one smooth CSS scroll, rebuilt only when the items change ---------------------

    var ticker = {ids: null, items: [], pending: null, lastId: null, listening: null};

    function itemNode(item) {
        var t = words();
        var span = document.createElement("span");
        span.className = "wall-ticker-item kind-" + item.kind;
        var tag = document.createElement("b");
        tag.textContent = item.kind === "notice" ? t.notice : t.news;
        span.appendChild(tag);
        span.appendChild(document.createTextNode(item.title));
        span.setAttribute("data-item", item.id);
        return span;
    }

    function filler() {
        var area = document.getElementById("wall-area-name");
        var name = area && area.textContent ? area.textContent + " · " : "";
        return {id: "filler", kind: "filler", title: name + words().filler};
    }

    function sequence(items) {
        // Never the same item twice in a row: one item alternates with a filler, and a new
        // sequence never starts with the item that was shown last.
        var list = items.slice();
        if (list.length > 1 && ticker.lastId !== null && list[0].id === ticker.lastId) {
            list.push(list.shift());
        }
        if (list.length === 1) { list.push(filler()); }
        return list;
    }

    function node(item) { return item.kind === "filler" ? fillerNode(item) : itemNode(item); }

    function buildTicker(items) {
        var r = root();
        var track = r && r.querySelector(".wall-ticker-track");
        if (!track) { return; }
        track.style.animation = "none";
        track.textContent = "";
        if (!items.length) {
            // Nothing to announce: a still line with the area's name, no scrolling.
            track.appendChild(fillerNode(filler()));
            track.setAttribute("data-static", "1");
            ticker.lastId = null;
            return;
        }
        track.removeAttribute("data-static");
        var view = track.parentNode.clientWidth || DESIGN_W;
        var list = sequence(items);
        var copy = document.createElement("div");
        copy.className = "wall-ticker-copy";
        track.appendChild(copy);
        var repeats = 0;
        do {
            for (var i = 0; i < list.length; i++) { copy.appendChild(node(list[i])); }
            repeats++;
        } while (copy.scrollWidth < view && repeats < 20);
        var width = copy.scrollWidth;
        track.appendChild(copy.cloneNode(true)); // the second copy makes the loop seamless
        ticker.lastId = list[list.length - 1].id;
        void track.offsetWidth; // restart the animation from the start
        track.style.animation = "wall-ticker-scroll " + (width / TICKER_SPEED).toFixed(2) + "s linear infinite";
        if (ticker.listening !== track) {
            track.addEventListener("animationiteration", onTickerLoop);
            ticker.listening = track;
        }
    }

    function fillerNode(item) {
        var span = document.createElement("span");
        span.className = "wall-ticker-item kind-filler";
        span.textContent = item.title;
        return span;
    }

    function onTickerLoop() {
        if (!ticker.pending) { return; }
        var items = ticker.pending;
        ticker.pending = null;
        var track = root() && root().querySelector(".wall-ticker-track");
        if (!track) { return; }
        track.classList.add("swapping");
        setTimeout(function () {
            buildTicker(items);
            track.classList.remove("swapping");
        }, 400);
    }

    function othersThan(before, items) {
        // Whether the items are other items than before: one added, taken off or given a
        // new title (a notice staff post, correct or withdraw is shown at once, not after
        // the loop on screen has run out).
        var seen = {};
        items.forEach(function (i) { seen[i.id + ":" + i.title] = true; });
        return before.length !== items.length || before.some(function (i) { return !seen[i.id + ":" + i.title]; });
    }

    function setTicker(items) {
        items = items || [];
        var ids = items.map(function (i) { return i.id + ":" + i.title; }).join("|");
        var track = root() && root().querySelector(".wall-ticker-track");
        if (ids === ticker.ids && track && track.childNodes.length && items.length) { return; }
        var changed = othersThan(ticker.items, items);
        ticker.ids = ids;
        ticker.items = items;
        if (!track || !track.childNodes.length || track.hasAttribute("data-static")) {
            buildTicker(items);
        } else if (changed) {
            ticker.pending = items; // swapped in now, with the same fade as at a loop's end
            onTickerLoop();
        } else {
            ticker.pending = items; // swapped in when the current loop ends, so nothing jumps
        }
    }

    // --- "reload now" from the staff console ---------------------------------------------
    // A kiosk screen's refresh answer carries its last reload request (data.reload). The
    // first answer is what this page was loaded after; a later, different one reloads the
    // page. The answer itself shows that the server is answering.

    function askedToReload(stamp) {
        if (stamp === undefined) { return; }
        if (W.reloadAsked === undefined) { W.reloadAsked = stamp; return; }
        if (stamp !== W.reloadAsked) { reload("asked to reload by staff"); }
    }

    // --- charts that draw the eye: on the panel on view a light moves from bar to bar (or
    // slice to slice), largest first, one step every SPOTLIGHT_STEP ms, back to the largest
    // whenever the panel comes round. Only a class on a mark changes (wall-charts.css
    // .wall-lit): the chart's marks are the page's own elements (layouts/wallcharts.py), each
    // bar or slice a .wall-mark with its figure in data-v. At night (data-dim="night") and for
    // a viewer who asks for reduced motion nothing moves.
    var SPOTLIGHT_STEP = 4000; // ms
    var spot = {panel: null, since: 0, key: null, lit: [], marks: []};
    var calm = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;

    function spotOrder(marks) {
        // The marks' indexes, largest figure first (ties in their order on the chart).
        var order = [];
        for (var i = 0; i < marks.length; i++) { if (Number(marks[i].getAttribute("data-v")) > 0) { order.push(i); } }
        return order.sort(function (a, b) {
            return Number(marks[b].getAttribute("data-v")) - Number(marks[a].getAttribute("data-v")) || a - b;
        });
    }

    function spotlight() {
        var r = root();
        var stage = r && r.querySelector(".wall-stage");
        if (!stage) { return; }
        var active = stage.getAttribute("data-active");
        var now = Date.now();
        if (active !== spot.panel) { spot.panel = active; spot.since = now; }
        var still = r.getAttribute("data-dim") === "night" || (calm && calm.matches);
        var step = Math.floor((now - spot.since) / SPOTLIGHT_STEP);
        var panel = stage.querySelector('.wall-panel[data-panel="' + active + '"]');
        var charts = still || !panel ? [] : panel.querySelectorAll(".wall-chart");
        var lit = [], marks = [];
        for (var g = 0; g < charts.length; g++) {
            var own = charts[g].querySelectorAll(".wall-mark");
            var order = spotOrder(own);
            for (var m = 0; m < own.length; m++) { marks.push(own[m]); }
            if (!order.length) { continue; }
            var at = order[step % order.length];
            lit.push(own[at]);
            var legend = charts[g].querySelectorAll(".wall-mark-legend");
            if (legend.length === own.length) { lit.push(legend[at]); }
        }
        // Most seconds nothing moves: the same step over the same marks, each still lit.
        var key = active + "|" + step + "|" + still;
        if (spot.key === key && spot.marks.length === marks.length
                && spot.marks.every(function (el, i) { return el === marks[i]; })
                && spot.lit.every(function (el) { return el.classList.contains("wall-lit"); })) {
            return;
        }
        var was = r.querySelectorAll(".wall-lit");
        for (var w = 0; w < was.length; w++) {
            if (lit.indexOf(was[w]) < 0) { was[w].classList.remove("wall-lit"); }
        }
        for (var l = 0; l < lit.length; l++) { lit[l].classList.add("wall-lit"); }
        r.setAttribute("data-spotlight", still ? "still" : String(step));
        spot.key = key;
        spot.lit = lit;
        spot.marks = marks;
    }
    W.spotlight = spotlight;
    setInterval(spotlight, 1000); // a panel just come round is lit within a second

    // --- Dash's undo history: dash-renderer records every change the browser makes to a
    // callback's input (each dcc.Interval tick: the clock every second, every rotation and
    // refresh) in window.store's history.past, for an undo button the wall never shows. Left
    // alone it grows by some 100,000 entries a day, each tick copying the whole list (the
    // heap benchmark's +20% over 2,000 rotations): emptied every few seconds instead.
    var HISTORY_EVERY = 10000; // ms
    function forgetHistory() {
        var store = window.store;
        var state = store && typeof store.getState === "function" ? store.getState() : null;
        var past = state && state.history && state.history.past;
        if (past && past.length) {
            past.length = 0; // in place: the next entry is appended to this (now empty) list
            W.historyForgotten = (W.historyForgotten || 0) + 1;
        }
    }
    setInterval(forgetHistory, HISTORY_EVERY);

    // --- Dash clientside callbacks ---------------------------------------------------------

    function currentSet(pl, minute) {
        var windows = pl.windows || [];
        for (var i = 0; i < windows.length; i++) {
            var w = windows[i];
            var inside = w.from < w.to ? (minute >= w.from && minute < w.to) : (minute >= w.from || minute < w.to);
            if (inside && w.panels.length) { return {key: "w" + i, entries: w.panels, dim: w.dim}; }
        }
        return {key: "default", entries: pl.panels, dim: "none"};
    }

    // --- draw what is seen -------------------------------------------------------------------
    // A fresh page carries the charts of the panel the rotation opens with; every other
    // panel's charts wait in the DEFERRED store (callbacks/wall.py, _defer_unseen). They are
    // put in their slots when the rotation comes to the panel before theirs (so each panel
    // fades in drawn), and meanwhile one waiting panel a second, from the clock's second
    // tick on (after the first screen is up), so the rest are ready long before they show.

    function duePanels(active, playlist) {
        var due = {};
        due[active] = true;
        if (playlist && playlist.panels) {
            var now = zoned(Date.now());
            var entries = currentSet(playlist, now.h * 60 + now.min).entries;
            for (var i = 0; i < entries.length; i++) {
                if (entries[i].id === active) { due[entries[(i + 1) % entries.length].id] = true; break; }
            }
        }
        return due;
    }

    function drawSeen(active, tick, deferred, playlist, ids, children) {
        var nu = window.dash_clientside.no_update;
        var due = duePanels(active, playlist);
        ids = ids || [];
        function put(i) { return children[i] && (!Array.isArray(children[i]) || children[i].length); }
        if (tick >= 2) {
            for (var i = 0; i < ids.length; i++) {
                if (!put(i) && deferred && deferred[ids[i].chart]) { due[ids[i].panel] = true; break; }
            }
        }
        return ids.map(function (id, i) {
            return put(i) || !due[id.panel] || !deferred || !deferred[id.chart] ? nu : [deferred[id.chart]];
        });
    }

    // Charts of panels off screen whose figures changed: their new marks wait in PENDING
    // (callbacks/wall.py, off_screen) and are put in when the rotation comes to the panel
    // before theirs, as drawSeen does (an update nobody would see, saved).
    var drawnPending = {};
    function drawPending(active, pending, playlist, ids) {
        var nu = window.dash_clientside.no_update;
        ids = ids || [];
        if (!pending || !ids.length) { return nu; }
        var due = duePanels(active, playlist), any = false;
        var out = ids.map(function (id) {
            var p = pending[id.chart];
            if (!p || !due[p.panel] || drawnPending[id.chart] === p.v) { return nu; }
            drawnPending[id.chart] = p.v;
            any = true;
            return p.children;
        });
        return any ? out : nu;
    }

    var lastDate = null;

    window.dash_clientside = window.dash_clientside || {};
    window.dash_clientside.wall = {
        clock: function (n, config) {
            var now = zoned(Date.now());
            var t = names();
            var parts = {y: now.y, m: now.m, d: now.d, month: t.months[now.m - 1], weekday: t.weekdays[now.wd]};
            var date = t.date.replace(/\{(\w+)\}/g, function (all, key) { return String(parts[key]); });
            var sameDate = date === lastDate;
            lastDate = date;
            return [pad(now.h) + ":" + pad(now.min) + ":" + pad(now.s), sameDate ? window.dash_clientside.no_update : date];
        },

        rotate: function (n, playlist, interval) {
            var nu = window.dash_clientside.no_update;
            if (!playlist || !playlist.panels || !playlist.panels.length) { return [nu, nu]; }
            W.playlist = playlist;
            var now = zoned(Date.now());
            var set = currentSet(playlist, now.h * 60 + now.min);
            setDim(set.dim);
            var key = playlist.signature + "|" + set.key;
            if (W.rot.key !== key) {
                W.rot = {key: key, i: 0};
            } else {
                W.rot.i = (W.rot.i + 1) % set.entries.length;
            }
            var entry = set.entries[W.rot.i];
            W.rotations += 1;
            var r = root();
            if (r) { r.setAttribute("data-rotations", String(W.rotations)); }
            return [entry.id, entry.ms === interval ? nu : entry.ms];
        },

        refreshEvery: function (playlist) {
            if (!playlist || !playlist.refresh_ms) { return window.dash_clientside.no_update; }
            W.playlist = playlist;
            return playlist.refresh_ms;
        },

        // Ask for a refresh, unless the previous one is still outstanding. A request that
        // never came back (the server went away) is given up after twice the interval, or
        // at once when the health check has seen the service come back.
        gate: function (n, request, data, playlist) {
            var now = Date.now();
            var refresh = (playlist && playlist.refresh_ms) || 60000;
            var pending = request && (!data || data.n !== request.n);
            if (pending && !W.kick && now - request.at < Math.max(2 * refresh, 10000)) {
                W.skipped = (W.skipped || 0) + 1;
                return window.dash_clientside.no_update;
            }
            W.kick = false;
            return {n: (request ? request.n : 0) + 1, at: now};
        },

        received: function (data, config, shown) {
            if (!data) { return window.dash_clientside.no_update; }
            if (!data.ok) {
                W.lastError = data.error;
                setState();
                return window.dash_clientside.no_update;
            }
            W.lastOk = Date.now();
            W.refreshes += 1;
            var r = root();
            if (r) { r.setAttribute("data-refreshes", String(W.refreshes)); }
            applyKpis(data.kpis);
            setTicker(data.ticker);
            askedToReload(data.reload);
            setState();
            // "数据更新于": when the data last loaded (the server's words), not this refresh.
            var loaded = data.loaded || "";
            return loaded === shown ? window.dash_clientside.no_update : loaded;
        }
    };

    window.dash_clientside.wall.drawSeen = drawSeen;
    window.dash_clientside.wall.drawPending = drawPending;

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", watchForRoot);
    } else {
        watchForRoot();
    }
}());
