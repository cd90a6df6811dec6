// What a person is typing survives a live update. Live fragments replace whole regions (a team's
// iteration column, its objectives panel) when anyone changes the plan; a half-typed story title or
// a changed select inside such a region would be wiped, and the cursor lost. Before htmx swaps a
// region in, the fields the person changed (and the one they are in) are read; after, they are
// written into the new region's matching fields and the cursor is put back where it was.
// A form whose text is kept keeps its base_version too: sending it then meets the server's stale
// check ("changed since"), never a silent overwrite of the other person's change.
(function () {
  "use strict";

  var FIELDS = "input:not([type=hidden]):not([type=submit]):not([type=button]), textarea, select";
  var kept = new Map(); // region id -> [{key, dirty, value, checked, selected, focus, start, end, version}]

  function valueOf(field) {
    if (field.type === "checkbox" || field.type === "radio") return String(field.checked);
    if (field.tagName === "SELECT") {
      return Array.prototype.map.call(field.options, function (o) { return o.selected ? "1" : "0"; }).join("");
    }
    return field.value;
  }

  function defaultOf(field) {
    if (field.type === "checkbox" || field.type === "radio") return String(field.defaultChecked);
    if (field.tagName === "SELECT") {
      // A single select with no option marked selected shows its first one.
      var marked = Array.prototype.some.call(field.options, function (o) { return o.defaultSelected; });
      return Array.prototype.map.call(field.options, function (o, i) {
        return o.defaultSelected || (!marked && !field.multiple && i === 0) ? "1" : "0";
      }).join("");
    }
    return field.defaultValue;
  }

  // What a form held when it was sent is the server's business from then on: the region that comes
  // back shows what became of it. Only what was changed since (or never sent) is the person's own.
  var sent = new WeakMap(); // field -> its value when its form was last sent
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var form = evt.detail.elt;
    if (!form || form.tagName !== "FORM") return;
    Array.prototype.forEach.call(form.querySelectorAll(FIELDS), function (field) { sent.set(field, valueOf(field)); });
  });

  function changed(field) {
    var value = valueOf(field);
    return value !== defaultOf(field) && value !== sent.get(field);
  }

  // Whether someone has typed in a form since it was last sent. An op's live update often comes before
  // the answer to its request (always on a slow link), and the next entry may be under way in the same
  // form by then: the pages clear a form for its answer only if it still holds what was sent.
  window.piboardTyping = {
    typedSinceSent: function (form) {
      return Array.prototype.some.call(form.querySelectorAll(FIELDS), function (field) {
        return sent.has(field) && valueOf(field) !== sent.get(field);
      });
    }
  };

  // Which form a field is in: an op form by its op and the item it changes (a list re-sorted by the
  // other person's edit keeps each item's form); another by its place under its nearest id.
  function formKey(field, region) {
    var form = field.form;
    var op = form && form.elements.namedItem("type");
    var target = form && form.elements.namedItem("target");
    if (op && op.value) return op.value + ":" + (target && target.value ? target.value : "");
    var anchor = field.parentElement.closest("[id]") || region;
    return anchor.id + "/" + (form ? Array.prototype.indexOf.call(anchor.querySelectorAll("form"), form) : -1);
  }

  // A field's place in its region: its form, its name, and which of the fields so placed it is. The
  // same region rendered again gives the same keys.
  function keysOf(region) {
    var seen = {};
    return Array.prototype.map.call(region.querySelectorAll(FIELDS), function (field) {
      var key = formKey(field, region) + "/" + (field.name || field.type);
      seen[key] = (seen[key] || 0) + 1;
      return { field: field, key: key + "/" + seen[key] };
    });
  }

  function read(region) {
    var active = document.activeElement;
    return keysOf(region).filter(function (entry) {
      return entry.field === active || changed(entry.field);
    }).map(function (entry) {
      var field = entry.field;
      var version = field.form && field.form.querySelector("input[name=base_version]");
      var text = typeof field.selectionStart === "number";
      return {
        key: entry.key,
        dirty: changed(field),
        value: field.value,
        checked: field.checked,
        selected: field.multiple ? Array.prototype.map.call(field.options, function (o) { return o.value; }).filter(function (v, i) { return field.options[i].selected; }) : null,
        focus: field === active,
        start: text ? field.selectionStart : null,
        end: text ? field.selectionEnd : null,
        version: version ? version.value : null
      };
    });
  }

  function write(region, fields) {
    var byKey = {};
    keysOf(region).forEach(function (entry) { byKey[entry.key] = entry.field; });
    fields.forEach(function (saved) {
      var field = byKey[saved.key];
      if (!field) return;
      if (saved.dirty) {
        if (field.type === "checkbox" || field.type === "radio") field.checked = saved.checked;
        else if (saved.selected) {
          Array.prototype.forEach.call(field.options, function (o) { o.selected = saved.selected.indexOf(o.value) >= 0; });
        } else field.value = saved.value; // a select by its option's value: the list may have changed
        var version = field.form && field.form.querySelector("input[name=base_version]");
        if (version && saved.version !== null) version.value = saved.version;
      }
      if (saved.focus) {
        field.focus({ preventScroll: true });
        if (saved.start !== null) {
          try { field.setSelectionRange(saved.start, saved.end); } catch (e) { /* not a text field */ }
        }
      }
    });
  }

  function before(region) {
    if (!region || !region.id) return;
    var fields = read(region);
    if (fields.length) kept.set(region.id, fields);
  }

  function after(region) {
    var fields = region && region.id && kept.get(region.id);
    if (!fields) return;
    kept.delete(region.id);
    write(region, fields);
  }

  // A region a live fragment replaces, and the whole page when live.js fetches it again (a view with
  // no live renderer, such as the admin page, or a page too far behind).
  document.addEventListener("htmx:oobBeforeSwap", function (evt) { before(evt.detail.target); });
  document.addEventListener("htmx:oobAfterSwap", function (evt) { after(evt.target); });
  document.addEventListener("piboard:before-replace", function (evt) { before(evt.detail.region); });
  document.addEventListener("piboard:replaced", function (evt) { after(evt.detail.region); });
})();
