/*
 * The laptop pages' charts at the page's scale (the explorer's trend, breakdown, map and
 * participation charts).
 *
 * shell.css sizes the laptop pages in rem, and one rem is 16px up to a 1920px-wide window and
 * 1/120 of the width beyond it: a 4K screen shows the page as a 1920 one does, twice as large.
 * The server draws every chart at that 1920 design size, in pixels (fonts, heights, margins,
 * dots, lines). Here, in the browser, each chart is drawn at the page's factor: the root font
 * size the CSS set, over 16px (shell.css is the one place the rule lives). Up to 1920px wide
 * the factor is 1 and the chart is the server's, as it was.
 *
 * The server writes each chart's figure into a Store beside its Graph (``Shell.unscaled``);
 * ``callbacks/charts.py`` draws it into the Graph through ``charts.scale`` below, again when
 * the window's factor changes (a resize sets ``Shell.CHART_SCALE``): no round trip to the
 * server, and the figure is drawn once, already at its size.
 */
(function () {
    "use strict";

    var DESIGN_REM = 16;  // px: one rem up to a 1920px-wide window (shell.css)
    var SCALE_STORE = "shell-chart-scale";  // layouts/ids.py Shell.CHART_SCALE
    var drawnAt = null;  // the factor the charts were last drawn at

    /** The page's factor: the root font size shell.css sets, in rems of the 1920 design. */
    function factor() {
        var root = parseFloat(window.getComputedStyle(document.documentElement).fontSize);
        return root > 0 ? Math.max(1, root / DESIGN_REM) : 1;
    }

    function isNumber(v) { return typeof v === "number" && isFinite(v); }

    /** ``v`` (a number, or a number per point) times ``k``; anything else as it is. */
    function times(v, k) {
        if (Array.isArray(v)) { return v.map(function (x) { return isNumber(x) ? x * k : x; }); }
        return isNumber(v) ? v * k : v;
    }

    /** Multiply ``keys`` of ``obj`` by ``k``; an absent key takes plotly's default from ``defaults``. */
    function grow(obj, k, keys, defaults) {
        keys.forEach(function (key) {
            var v = obj[key];
            if (v === undefined && defaults && defaults[key] !== undefined) { v = defaults[key]; }
            if (v !== undefined) { obj[key] = times(v, k); }
        });
        return obj;
    }

    /** Every font under ``node`` (font, textfont, tickfont, title.font, ...): its size times ``k``.
     *  Arrays of plain values (coordinates) are not walked; the template is plotly's defaults. */
    function growFonts(node, k) {
        if (Array.isArray(node)) {
            node.forEach(function (item) { if (item && typeof item === "object") { growFonts(item, k); } });
            return;
        }
        Object.keys(node).forEach(function (key) {
            var value = node[key];
            if (!value || typeof value !== "object" || key === "template") { return; }
            if (/font$/.test(key) && !Array.isArray(value)) {
                if (value.size !== undefined) { value.size = times(value.size, k); }
                return;
            }
            growFonts(value, k);
        });
    }

    function growColorbar(bar, k) {
        if (bar) { grow(bar, k, ["thickness", "xpad", "ypad", "ticklen", "outlinewidth"], {thickness: 30, xpad: 10, ypad: 10}); }
    }

    /** ``fig`` (a copy: changed in place) drawn ``k`` times as large as the server drew it. */
    function scaleFigure(fig, k) {
        var layout = fig.layout = fig.layout || {};
        // Defaults first where plotly would otherwise use its own pixel sizes.
        layout.font = Object.assign({size: 12}, layout.font);
        layout.hoverlabel = Object.assign({}, layout.hoverlabel);
        layout.hoverlabel.font = Object.assign({size: 13}, layout.hoverlabel.font);
        growFonts(layout, k);
        (fig.data || []).forEach(function (trace) { growFonts(trace, k); });

        if (isNumber(layout.height)) { layout.height *= k; }
        layout.margin = grow(Object.assign({}, layout.margin), k, ["l", "r", "t", "b", "pad"],
                             {l: 80, r: 80, t: 100, b: 80});
        layout.legend = grow(Object.assign({}, layout.legend), k, ["itemwidth", "tracegroupgap", "borderwidth"],
                             {itemwidth: 30, tracegroupgap: 10});
        Object.keys(layout).forEach(function (key) {
            if (/^[xy]axis\d*$/.test(key) && layout[key]) {
                grow(layout[key], k, ["ticklen"], {ticklen: 5});
                if (layout[key].title && typeof layout[key].title === "object") {
                    grow(layout[key].title, k, ["standoff"]);
                }
            }
            if (/^coloraxis\d*$/.test(key) && layout[key]) { growColorbar(layout[key].colorbar, k); }
        });
        (layout.annotations || []).forEach(function (a) { grow(a, k, ["xshift", "yshift", "borderpad"]); });
        (layout.shapes || []).forEach(function (s) {
            s.line = grow(Object.assign({}, s.line), k, ["width"], {width: 2});
        });

        (fig.data || []).forEach(function (trace) {
            var scatter = !trace.type || trace.type === "scatter" || trace.type === "scattergl";
            var mode = trace.mode;  // plotly's own default: lines and markers up to 20 points, lines beyond
            if (trace.marker) {
                grow(trace.marker, k, ["size"], scatter && (!mode || mode.indexOf("markers") >= 0) ? {size: 6} : null);
                if (trace.marker.line) { grow(trace.marker.line, k, ["width"]); }
                growColorbar(trace.marker.colorbar, k);
            } else if (scatter && (!mode || mode.indexOf("markers") >= 0)) {
                trace.marker = {size: 6 * k};
            }
            if (scatter && (!mode || mode.indexOf("lines") >= 0 || trace.fill)) {
                trace.line = grow(Object.assign({}, trace.line), k, ["width"], {width: 2});
            } else if (trace.line) {
                grow(trace.line, k, ["width"]);
            }
            growColorbar(trace.colorbar, k);
        });
        return fig;
    }

    window.dash_clientside = Object.assign({}, window.dash_clientside, {
        charts: {
            /** The Graph's figure: the server's ``unscaled`` one at the page's factor. */
            scale: function (unscaled) {
                if (!unscaled) { return window.dash_clientside.no_update; }
                var k = factor();
                drawnAt = k;
                // A copy each time: plotly writes into the layout it draws (autoranges), and the
                // server's figure is kept as it came, for the next factor.
                var fig = JSON.parse(JSON.stringify(unscaled));
                return k === 1 ? fig : scaleFigure(fig, k);
            },
            figure: scaleFigure,  // for tests and the console
            factor: factor
        }
    });

    // A window made wider or narrower past 1920px: the charts again, at the new factor.
    var waiting = null;
    window.addEventListener("resize", function () {
        window.clearTimeout(waiting);
        waiting = window.setTimeout(function () {
            var k = factor();
            // drawnAt is null on a page without charts (the Store is in every laptop page's frame)
            if (drawnAt === null || k === drawnAt || !window.dash_clientside.set_props) { return; }
            drawnAt = k;
            window.dash_clientside.set_props(SCALE_STORE, {data: k});
        }, 150);
    });
}());
