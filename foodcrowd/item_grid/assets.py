"""Style and script of the item grid (:mod:`foodcrowd.item_grid`), shared by the run report and the
dataset preview: one implementation, no libraries, no network.

The script reads the JSON in ``<script id="grid-data">`` (``{"questions": [...], "items": [...], "low": 0.7}``, see
:func:`foodcrowd.item_grid.grid_records`) and renders ``#grid``: paging (25/50/100/all), a text filter
(item id, labels, truth, annotator ids and answers), a "show" filter (label differs from truth,
annotators disagree, low confidence) and sorting by any column header (click again to reverse).
Columns no item has data for (truth, confidence, answers of a question) are left out.
"""

__all__ = ["BASE_CSS", "GRID_CSS", "SCRIPT"]

BASE_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:1.5em auto;max-width:1200px;color:#1d2330;
 padding:0 1em;background:#fff}
h1 small{font-weight:normal;color:#5a6275}h2{border-bottom:1px solid #dde2ea;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse}td,th{padding:.25em .6em;text-align:left;vertical-align:top}
.note{color:#5a6275;font-size:.9em}
"""

GRID_CSS = """
.controls{display:flex;flex-wrap:wrap;gap:.5em;align-items:center;margin:.6em 0}
.controls input{min-width:18em;padding:.3em}#pageinfo{min-width:14em;text-align:center}
#grid{width:100%}#grid th{background:#f3f5f9;cursor:pointer;user-select:none;position:sticky;top:0}
#grid th.sorted-asc::after{content:" \\25B2"}#grid th.sorted-desc::after{content:" \\25BC"}
#grid td{border-bottom:1px solid #eceff4}#grid img{width:72px;height:72px;object-fit:cover;border-radius:4px}
.ok{color:#17692e}.bad{color:#9b1c1c;font-weight:600}.conf{color:#5a6275;font-size:.85em}
.ans{font-size:.8em;color:#3b4354;max-width:22em}.ans span{display:inline-block;margin-right:.6em}
.noimg{width:72px;height:72px;background:#eef1f6;display:flex;align-items:center;justify-content:center;
 color:#8a93a6;font-size:.75em}
"""

SCRIPT = r"""
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('grid-data').textContent);
  var Q = data.questions, items = data.items, LOW = data.low == null ? 0.7 : data.low;
  var state = {page: 0, per: 50, key: 'id', dir: 1, text: '', only: 'all'};
  var $ = function (id) { return document.getElementById(id); };
  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  function str(v) { return Array.isArray(v) ? v.join('+') : (v == null ? '' : String(v)); }
  // multi-label values (tags joined by '|') are sets: 'meat|bread' and 'bread|meat' are the same label
  function same(x, y) { return str(x).split('|').sort().join('|') === str(y).split('|').sort().join('|'); }
  function wrong(it) {
    return Q.some(function (q) { var a = it.q[q]; return a.truth != null && a.label != null && !same(a.truth, a.label); });
  }
  function split(it) {
    return Q.some(function (q) {
      var seen = {}; it.q[q].answers.forEach(function (a) { seen[str(a[1])] = 1; });
      return Object.keys(seen).length > 1;
    });
  }
  function low(it) { return Q.some(function (q) { var c = it.q[q].conf; return c != null && c < LOW; }); }
  function haystack(it) {
    if (!it._h) {
      var parts = [it.id];
      Q.forEach(function (q) {
        var a = it.q[q]; parts.push(str(a.label), str(a.truth));
        a.answers.forEach(function (x) { parts.push(x[0], str(x[1])); });
      });
      it._h = parts.join(' ').toLowerCase();
    }
    return it._h;
  }
  function value(it, key) {
    if (key === 'id') return it.id;
    var m = key.split(':'), a = it.q[m[1]];
    if (m[0] === 'conf') return a.conf == null ? -1 : a.conf;
    if (m[0] === 'label') return str(a.label);
    if (m[0] === 'truth') return str(a.truth);
    if (m[0] === 'n') return a.answers.length;
    return '';
  }
  function visible() {
    var t = state.text.toLowerCase();
    var out = items.filter(function (it) {
      if (t && haystack(it).indexOf(t) < 0) return false;
      if (state.only === 'wrong') return wrong(it);
      if (state.only === 'split') return split(it);
      if (state.only === 'low') return low(it);
      return true;
    });
    out.sort(function (a, b) {
      var x = value(a, state.key), y = value(b, state.key);
      return (x < y ? -1 : x > y ? 1 : 0) * state.dir || (a.id < b.id ? -1 : 1);
    });
    return out;
  }
  // a column only where some item has data for it (a version without answers shows no answers column)
  var has = {};
  Q.forEach(function (q) {
    has[q] = {
      conf: items.some(function (it) { return it.q[q].conf != null; }),
      truth: items.some(function (it) { return it.q[q].truth != null; }),
      n: items.some(function (it) { return it.q[q].answers.length > 0; })
    };
  });
  var columns = [{key: null, title: 'image'}, {key: 'id', title: 'item'}];
  Q.forEach(function (q) {
    columns.push({key: 'label:' + q, title: q + ': label'});
    if (has[q].conf) columns.push({key: 'conf:' + q, title: 'confidence'});
    if (has[q].truth) columns.push({key: 'truth:' + q, title: 'truth'});
    if (has[q].n) columns.push({key: 'n:' + q, title: 'annotators\' answers'});
  });
  function header() {
    var tr = document.createElement('tr');
    columns.forEach(function (c) {
      var th = document.createElement('th');
      th.textContent = c.title;
      if (c.key) {
        th.dataset.key = c.key;
        if (c.key === state.key) th.className = state.dir > 0 ? 'sorted-asc' : 'sorted-desc';
        th.addEventListener('click', function () {
          state.dir = state.key === c.key ? -state.dir : 1; state.key = c.key; state.page = 0; render();
        });
      }
      tr.appendChild(th);
    });
    var thead = document.querySelector('#grid thead'); thead.innerHTML = ''; thead.appendChild(tr);
  }
  function cell(it, q) {
    var a = it.q[q], lab = str(a.label), tr = str(a.truth), cls = '';
    if (a.truth != null && a.label != null) cls = same(lab, tr) ? 'ok' : 'bad';
    var answers = a.answers.map(function (x) { return '<span>' + esc(x[0].slice(-6)) + ': ' + esc(str(x[1])) + '</span>'; }).join('');
    return '<td class="' + cls + '">' + esc(lab || '-') + '</td>' +
      (has[q].conf ? '<td class="conf">' + (a.conf == null ? '-' : a.conf.toFixed(2)) + '</td>' : '') +
      (has[q].truth ? '<td class="truth">' + esc(a.truth == null ? 'unknown' : (tr || '-')) + '</td>' : '') +
      (has[q].n ? '<td class="ans">' + (answers || '-') + '</td>' : '');
  }
  function render() {
    header();
    var rows = visible(), per = state.per || rows.length || 1;
    var pages = Math.max(1, Math.ceil(rows.length / per));
    state.page = Math.min(state.page, pages - 1);
    var slice = rows.slice(state.page * per, state.page * per + per);
    document.querySelector('#grid tbody').innerHTML = slice.map(function (it) {
      var img = it.thumb ? '<img alt="' + esc(it.id) + '" src="' + it.thumb + '">' : '<div class="noimg">no image</div>';
      return '<tr data-item="' + esc(it.id) + '"><td>' + img + '</td><td>' + esc(it.id) + '</td>' +
        Q.map(function (q) { return cell(it, q); }).join('') + '</tr>';
    }).join('');
    $('pageinfo').textContent = 'page ' + (state.page + 1) + ' of ' + pages + ' (' + rows.length + ' of ' + items.length + ' items)';
    $('prev').disabled = state.page === 0; $('next').disabled = state.page >= pages - 1;
  }
  $('q').addEventListener('input', function (e) { state.text = e.target.value; state.page = 0; render(); });
  $('only').addEventListener('change', function (e) { state.only = e.target.value; state.page = 0; render(); });
  $('per').addEventListener('change', function (e) { state.per = parseInt(e.target.value, 10); state.page = 0; render(); });
  $('prev').addEventListener('click', function () { state.page -= 1; render(); });
  $('next').addEventListener('click', function () { state.page += 1; render(); });
  render();
})();
"""
