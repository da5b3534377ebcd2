/* The date pickers' month and day names in the page's language.
 *
 * Dash's DatePickerRange (dcc 4) formats its calendar with date-fns and takes the locale
 * from window.dateFns.locale, picked by the browser's languages rather than the page's. The
 * zh-CN locale (date-fns-zh-CN.min.js, served from assets/, no CDN) registers itself there;
 * this keeps what registers and offers it only while the page is Chinese (<html lang>, kept
 * in step by callbacks/page_lang.py), so an English page gets date-fns' own English.
 */
(function () {
    'use strict';
    var rest = window.dateFns || {};
    var loaded = Object.assign({}, rest.locale || {});
    Object.defineProperty(window, 'dateFns', {
        configurable: true,
        get: function () {
            var english = /^en/i.test(document.documentElement.lang || '');
            return Object.assign({}, rest, {locale: !english && loaded.zhCN ? {zhCN: loaded.zhCN} : {}});
        },
        set: function (value) {  // a locale loaded after this file registers itself by assignment
            rest = value || {};
            loaded = Object.assign({}, loaded, rest.locale || {});
        },
    });
}());
