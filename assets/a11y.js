/*
 * Names and roles for Dash's own controls on the laptop pages, for screen readers and axe-core
 * (tests/test_accessibility_browser.py).
 *
 * Dash 4.4 (the latest release) draws, and no prop of it changes:
 * - dcc.Dropdown: a focus proxy <input class="dash-dropdown-focus-target"> that takes Tab focus
 *   and hands it to the dropdown's button at once, yet is aria-hidden (a focusable element
 *   hidden from assistive technology); the button is named by its value only, so a reader
 *   hears "本月" without "时段", and a multi-select with nothing chosen has no name at all.
 * - dcc.RadioItems and dcc.Checklist: a role="listbox" of <label role="option"> each holding
 *   the real radio or checkbox (a control nested in a control) and no name for the group.
 * - dcc.DatePickerRange: aria-expanded on the plain wrapper of its inputs.
 *
 * So, after Dash draws them: the proxy is named like its button, the button by the page's
 * visible label (layouts/components.labelled) and the words it shows; a radio list becomes a named
 * radiogroup (a checklist a group) of plain labels, the inputs inside keeping their own roles.
 * Every change is made only when it is not there yet, so the repair settles at once.
 */
(function () {
    "use strict";

    // The wall has none of these controls and redraws often: nothing to watch there.
    if (/\/wall\/?$/.test(window.location.pathname)) { return; }

    var made = 0;

    function set(el, name, value) {
        if (el.getAttribute(name) !== value) { el.setAttribute(name, value); }
    }

    function unset(el, name) {
        if (el.hasAttribute(name)) { el.removeAttribute(name); }
    }

    // The visible label the page gives a control: the first .control-label of its .control.
    function labelOf(el) {
        var box = el.closest(".control");
        var label = box && box.querySelector(".control-label");
        if (!label) { return null; }
        if (!label.id) { label.id = "csb-label-" + (++made); }
        return label;
    }

    // The name: the page's label, then the button's words exactly as drawn (its value, "已选 2 项").
    // Dash names the button by its value and count parts instead, in another order and spacing
    // than it draws them, so a reader of the name and of the screen would not hear the same words.
    function dropdown(proxy) {
        var button = proxy.nextElementSibling;
        if (!button || button.tagName !== "BUTTON") { return; }
        var label = labelOf(proxy);
        var shown = (button.textContent || "").replace(/\s+/g, " ").trim();
        var name = [label ? label.textContent.trim() : "", shown].filter(Boolean).join(" ");
        if (name) {
            [button, proxy].forEach(function (el) {
                unset(el, "aria-labelledby");  // it would win over aria-label
                set(el, "aria-label", name);
            });
        }
        unset(proxy, "aria-hidden");
    }

    function optionList(list) {
        var radios = list.classList.contains("dash-radioitems");
        set(list, "role", radios ? "radiogroup" : "group");
        var label = labelOf(list);
        if (label) { set(list, "aria-labelledby", label.id); }
        list.querySelectorAll("[role=option]").forEach(function (option) { unset(option, "role"); });
        list.querySelectorAll("[aria-selected]").forEach(function (option) { unset(option, "aria-selected"); });
    }

    // dcc.DatePickerRange's wrapper of its two inputs says it expands, which only a control may
    // (the inputs inside are the controls, each named by its own aria-label).
    function datePicker(wrapper) {
        unset(wrapper, "aria-expanded");
        unset(wrapper, "aria-haspopup");
        var ids = (wrapper.getAttribute("aria-labelledby") || "").split(/\s+/).filter(function (id) {
            return id && id !== "undefined";
        });
        if (ids.length) { set(wrapper, "aria-labelledby", ids.join(" ")); }
    }

    function repair() {
        document.querySelectorAll(".dash-datepicker-input-wrapper").forEach(datePicker);
        document.querySelectorAll(".dash-dropdown-focus-target").forEach(dropdown);
        document.querySelectorAll(".dash-radioitems, .dash-checklist").forEach(optionList);
    }

    var queued = false;
    new MutationObserver(function () {
        if (!queued) {
            queued = true;
            window.requestAnimationFrame(function () { queued = false; repair(); });
        }
    }).observe(document.documentElement, {
        subtree: true, childList: true, attributes: true, characterData: true,  // a new value's words
        attributeFilter: ["role", "aria-selected", "aria-hidden", "aria-labelledby", "aria-expanded"],
    });
}());
