(function(){
var H = window.huntrsViews;
// Text longer than this is cut in cells; the full value shows on hover.
var CELL_CHARS = 80;
var SIZES = [10, 25, 50, 100, 250, 1000];

function fmtFloat(v){
  if (!isFinite(v)) return isNaN(v) ? 'NaN' : (v > 0 ? 'inf' : '-inf');
  var a = Math.abs(v);
  // Trailing zeros go, but one decimal stays so floats read as floats (1.0).
  if (a === 0 || (a >= 1e-4 && a < 1e15)) return v.toFixed(6).replace(/0+$/, '').replace(/\.$/, '.0');
  return v.toExponential(4);
}
function num(n){ return Number(n).toLocaleString('en-US'); }

H.init('data-viewer', function(root, d){
  if (!d) return;
  var cols = d.columns, n = d.rows;
  // Text with few distinct values comes as a dictionary and indexes.
  for (var c = 0; c < cols.length; c++) {
    var v = cols[c].values;
    if (v && !Array.isArray(v)) {
      var flat = new Array(v.index.length);
      for (var r = 0; r < flat.length; r++) flat[r] = v.dict[v.index[r]];
      cols[c].values = flat;
    }
  }
  var size = d.page_size, page = 0, q = '', sortCol = -1, sortDir = 0, rows = null;
  var low = [];

  function fmt(c, v){
    if (v === null || v === undefined) return null;
    switch (cols[c].kind) {
      case 'time': return typeof v === 'number' ? H.fmtTime(v) : String(v);
      case 'float': return typeof v === 'number' ? fmtFloat(v) : String(v);
      default: return String(v);
    }
  }
  // A column's cells as lower-case display text, made once, for the filter.
  function lowered(c){
    if (!low[c]) {
      var vals = cols[c].values, out = new Array(n);
      for (var r = 0; r < n; r++) { var s = fmt(c, vals[r]); out[r] = s === null ? '' : s.toLowerCase(); }
      low[c] = out;
    }
    return low[c];
  }
  function visible(){
    var out = [];
    for (var c = 0; c < cols.length; c++) if (cols[c].visible) out.push(c);
    return out;
  }

  var stat = root.querySelector('.dv-static');
  if (stat) stat.parentNode.removeChild(stat);
  var app = root.querySelector('.dv-app');
  var sizes = SIZES.indexOf(size) < 0 ? SIZES.concat([size]).sort(function(a, b){ return a - b; }) : SIZES;
  var boxes = '';
  for (c = 0; c < cols.length; c++) {
    boxes += '<label><input type="checkbox" data-c="' + c + '"' + (cols[c].visible ? ' checked' : '') + '> ' + H.esc(cols[c].name) + '</label>';
  }
  app.innerHTML = '<div class="dv-bar"><input type="search" class="dv-q" placeholder="Filter rows (shown columns)" aria-label="Filter rows">' +
    '<details class="dv-cols"><summary></summary><div class="dv-cols-list"><button class="dv-all">All</button><button class="dv-none">None</button>' + boxes + '</div></details>' +
    '<button class="dv-first" title="First page">&laquo;</button><button class="dv-prev">&lsaquo; Prev</button>' +
    '<button class="dv-next">Next &rsaquo;</button><button class="dv-last" title="Last page">&raquo;</button>' +
    '<span class="dv-status"></span><label>Rows per page <select class="dv-size">' +
    sizes.map(function(s){ return '<option value="' + s + '"' + (s === size ? ' selected' : '') + '>' + s + '</option>'; }).join('') +
    '</select></label></div><div class="dv-scroll"><table class="dv-table"><thead></thead><tbody></tbody></table></div>';
  var thead = app.querySelector('thead'), tbody = app.querySelector('tbody');
  var status = app.querySelector('.dv-status'), summary = app.querySelector('.dv-cols > summary');
  var qBox = app.querySelector('.dv-q');

  // Rows passing the filter, in sort order.
  function select(){
    var shownCols = visible(), out = [];
    if (q) {
      var cells = shownCols.map(lowered);
      for (var r = 0; r < n; r++) {
        for (var k = 0; k < cells.length; k++) if (cells[k][r].indexOf(q) >= 0) { out.push(r); break; }
      }
    } else {
      for (r = 0; r < n; r++) out.push(r);
    }
    if (sortCol >= 0 && sortDir) {
      var vals = cols[sortCol].values;
      out.sort(function(a, b){
        var x = vals[a], y = vals[b];
        // Nulls last in either direction.
        if (x === null || x === undefined) return (y === null || y === undefined) ? 0 : 1;
        if (y === null || y === undefined) return -1;
        return (x < y ? -1 : x > y ? 1 : 0) * sortDir;
      });
    }
    rows = out;
  }
  function cell(c, v){
    var s = fmt(c, v), kind = cols[c].kind, cls = kind === 'int' || kind === 'float' ? ' class="dv-num"' : '';
    if (s === null) return '<td class="dv-null">null</td>';
    if (s.length > CELL_CHARS) return '<td' + cls + ' title="' + H.esc(s) + '">' + H.esc(s.slice(0, CELL_CHARS - 1)) + '\u2026</td>';
    return '<td' + cls + '>' + H.esc(s) + '</td>';
  }
  function draw(){
    var shownCols = visible(), pages = Math.max(1, Math.ceil(rows.length / size));
    page = Math.min(Math.max(page, 0), pages - 1);
    var h = '<tr><th class="dv-num dv-rownum">#</th>';
    for (var k = 0; k < shownCols.length; k++) {
      var c = shownCols[k], kind = cols[c].kind;
      h += '<th data-c="' + c + '" class="dv-sort' + (kind === 'int' || kind === 'float' ? ' dv-num' : '') +
        (sortCol === c && sortDir ? (sortDir > 0 ? ' dv-asc' : ' dv-desc') : '') + '" title="Sort">' +
        H.esc(cols[c].name) + '<span class="dv-dtype">' + H.esc(cols[c].dtype) + '</span></th>';
    }
    thead.innerHTML = h + '</tr>';
    var from = page * size, to = Math.min(rows.length, from + size), b = '';
    for (var i = from; i < to; i++) {
      var r = rows[i];
      b += '<tr><td class="dv-num dv-rownum">' + r + '</td>';
      for (k = 0; k < shownCols.length; k++) b += cell(shownCols[k], cols[shownCols[k]].values[r]);
      b += '</tr>';
    }
    tbody.innerHTML = b;
    var text = rows.length ? 'Rows ' + num(from + 1) + '\u2013' + num(to) + ' of ' + num(rows.length) : 'No rows';
    if (q) text += ' (filtered from ' + num(n) + ')';
    text += ' \u00b7 page ' + (page + 1) + ' of ' + pages;
    if (d.total > n) text += ' \u00b7 ' + num(d.total - n) + ' rows not in this view';
    status.textContent = text;
    summary.textContent = 'Columns (' + shownCols.length + ' of ' + cols.length + ')';
  }
  function update(){ select(); draw(); }

  var timer = null;
  qBox.addEventListener('input', function(){
    clearTimeout(timer);
    timer = setTimeout(function(){ q = qBox.value.trim().toLowerCase(); page = 0; update(); }, 150);
  });
  app.querySelector('.dv-cols-list').addEventListener('change', function(ev){
    var c = ev.target.getAttribute('data-c');
    if (c === null) return;
    cols[+c].visible = ev.target.checked;
    if (q) update(); else draw();
  });
  function setAll(on){
    var inputs = app.querySelectorAll('.dv-cols-list input');
    for (var k = 0; k < inputs.length; k++) { inputs[k].checked = on; cols[+inputs[k].getAttribute('data-c')].visible = on; }
    if (q) update(); else draw();
  }
  app.querySelector('.dv-all').addEventListener('click', function(){ setAll(true); });
  app.querySelector('.dv-none').addEventListener('click', function(){ setAll(false); });
  app.querySelector('.dv-first').addEventListener('click', function(){ page = 0; draw(); });
  app.querySelector('.dv-prev').addEventListener('click', function(){ page--; draw(); });
  app.querySelector('.dv-next').addEventListener('click', function(){ page++; draw(); });
  app.querySelector('.dv-last').addEventListener('click', function(){ page = Infinity; draw(); });
  app.querySelector('.dv-size').addEventListener('change', function(ev){
    var first = page * size;
    size = +ev.target.value;
    page = Math.floor(first / size);
    draw();
  });
  thead.addEventListener('click', function(ev){
    var th = ev.target.closest('th[data-c]');
    if (!th) return;
    var c = +th.getAttribute('data-c');
    // Ascending, then descending, then the frame's order.
    if (sortCol !== c) { sortCol = c; sortDir = 1; } else sortDir = sortDir === 1 ? -1 : sortDir === -1 ? 0 : 1;
    page = 0;
    update();
  });
  update();
});
})();
