/*
 * Functions the grids name in their column definitions ({"function": "leagueRanked"}):
 * dash-ag-grid looks them up here (window.dashAgGridFunctions) and hands them to AG Grid.
 */
(function () {
    "use strict";
    var dagfuncs = window.dashAgGridFunctions = window.dashAgGridFunctions || {};

    // A cell as a number to sort by: a masked count ("<5", "*") just under 5, no figure as null.
    function sortable(v) {
        if (v === null || v === undefined) { return null; }
        return typeof v === "string" ? 4.5 : v;
    }

    // Mixed cells ("<5" and numbers) sort as if "<5" were just under 5; no figure sorts first.
    dagfuncs.maskAwareSort = function (a, b) {
        var x = sortable(a), y = sortable(b);
        return (x === null ? -Infinity : x) - (y === null ? -Infinity : y);
    };

    // The league's chosen column sorts as the server ranked it (callbacks/overview.league_rows):
    // no figure last whichever way, ties by rank. AG Grid turns a comparator's answer round for a
    // descending sort, so those two are turned first.
    dagfuncs.leagueRanked = function (a, b, nodeA, nodeB, isDescending) {
        var x = sortable(a), y = sortable(b), turn = isDescending ? -1 : 1;
        if (x === null || y === null) { return x === y ? 0 : (x === null ? turn : -turn); }
        if (x !== y) { return x - y; }
        var ranks = nodeA && nodeB && nodeA.data && nodeB.data ? nodeA.data.rank - nodeB.data.rank : 0;
        return turn * ranks;
    };
}());
