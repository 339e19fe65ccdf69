(function(){
var H = window.huntrsViews;
// Children are built in batches: a process with thousands of children opens at once,
// and a "more" row adds the next batch.
var BATCH = 500;
// Matches whose ancestors a search expands at once; next/prev reveal the others.
var REVEAL = 200;
// Longest command line drawn in a row; the tooltip has it all.
var CMD_CHARS = 200;
// Above this many processes "Expand all" would build too many rows to stay usable.
var EXPAND_ALL_MAX = 5000;

H.init('process-tree', function(root, d){
  if (!d) return;
  var par = d.parent, n = par.length, pid = d.pid;
  var names = d.name.values, nameIx = d.name.index;
  var cmds = d.cmd.values, cmdIx = d.cmd.index;
  var inferred = new Uint8Array(n);
  for (var i = 0; i < d.inferred.length; i++) inferred[d.inferred[i]] = 1;

  // Children as ranges of one array; parents come before children in tree order.
  var start = new Int32Array(n + 1), kids = new Int32Array(n), rank = new Int32Array(n), tops = [];
  for (i = 0; i < n; i++) { if (par[i] >= 0) start[par[i] + 1]++; else { rank[i] = tops.length; tops.push(i); } }
  for (i = 0; i < n; i++) start[i + 1] += start[i];
  var fill = start.slice(0, n);
  for (i = 0; i < n; i++) if (par[i] >= 0) { var at = fill[par[i]]++; kids[at] = i; rank[i] = at - start[par[i]]; }
  var desc = new Int32Array(n), depth = new Int32Array(n);
  for (i = n - 1; i >= 0; i--) if (par[i] >= 0) desc[par[i]] += desc[i] + 1;
  for (i = 0; i < n; i++) depth[i] = par[i] >= 0 ? depth[par[i]] + 1 : 1;
  function kidCount(p){ return p < 0 ? tops.length : start[p + 1] - start[p]; }
  function kidAt(p, k){ return p < 0 ? tops[k] : kids[start[p] + k]; }

  var stat = root.querySelector('.pt-static');
  if (stat) stat.parentNode.removeChild(stat);
  var app = root.querySelector('.pt-app');
  app.innerHTML = '<div class="pt-bar"><input type="search" class="pt-q" placeholder="Search name, command line, PID" aria-label="Search processes">' +
    '<button class="pt-prev" title="Previous match (Shift+Enter)">&#9664;</button><button class="pt-next" title="Next match (Enter)">&#9654;</button>' +
    '<span class="pt-count"></span><button class="pt-collapse">Collapse all</button><button class="pt-expand">Expand all</button></div>' +
    '<div class="pt-scroll"><ul class="pt-tree pt-live"></ul></div>';
  var treeUl = app.querySelector('.pt-live'), scroller = app.querySelector('.pt-scroll');
  var qBox = app.querySelector('.pt-q'), countEl = app.querySelector('.pt-count');
  var expandBtn = app.querySelector('.pt-expand');
  if (n > EXPAND_ALL_MAX) { expandBtn.disabled = true; expandBtn.title = 'Too many processes (' + n + ') to expand at once; expand branches or search'; }
  var tip = H.tip(root);

  var open = new Uint8Array(n), shown = new Int32Array(n), topsShown = 0;
  var li = new Array(n), rendered = [];
  var q = '', hits = [], hit = new Uint8Array(n), cur = -1;

  function baseName(path){
    var parts = path.split(/[\\\/]/);
    for (var k = parts.length - 1; k >= 0; k--) if (parts[k]) return parts[k];
    return path;
  }
  // `text` escaped, with each case-insensitive occurrence of the query in <mark>.
  function mark(text){
    if (!q || !text) return H.esc(text);
    var low = text.toLowerCase(), out = '', from = 0, k;
    while ((k = low.indexOf(q, from)) >= 0) {
      out += H.esc(text.slice(from, k)) + '<mark>' + H.esc(text.slice(k, k + q.length)) + '</mark>';
      from = k + q.length;
    }
    return out + H.esc(text.slice(from));
  }
  function colourOf(i){ var e = d.legend[d.colour[i]]; return e ? e.colour : '#4e79a7'; }
  function timeOf(i){ var t = d.time[i]; return t === null || t === undefined ? '' : H.fmtTime(d.t0 + t); }
  function rowClass(i){ return 'pt-r' + (hit[i] ? ' pt-hit' : '') + (cur >= 0 && hits[cur] === i ? ' pt-cur' : ''); }
  function label(i){
    var c = kidCount(i), cmd = cmds[cmdIx[i]], t = timeOf(i);
    var h = '<span class="pt-tog">' + (c ? (open[i] ? '&#9662;' : '&#9656;') : '') + '</span>' +
      '<span class="pt-sw" style="background:' + colourOf(i) + '"></span>' +
      '<span class="pt-name">' + mark(baseName(names[nameIx[i]])) + '</span> <span class="pt-pid">' + mark(pid[i]) + '</span>';
    if (inferred[i]) h += ' <span class="pt-inf">inferred</span>';
    if (t) h += ' <span class="pt-time">' + t + '</span>';
    if (c && !open[i]) h += ' <span class="pt-size">(+' + desc[i] + ')</span>';
    if (cmd) h += ' <span class="pt-cmd">' + mark(cmd.length > CMD_CHARS ? cmd.slice(0, CMD_CHARS) + '\u2026' : cmd) + '</span>';
    return h;
  }
  function makeLi(i){
    var el = document.createElement('li');
    el.setAttribute('data-i', i);
    var r = document.createElement('div');
    r.className = rowClass(i);
    r.innerHTML = label(i);
    el.appendChild(r);
    li[i] = el;
    rendered.push(i);
    return el;
  }
  function refresh(i){
    var el = li[i];
    if (!el) return;
    el.firstChild.className = rowClass(i);
    el.firstChild.innerHTML = label(i);
  }
  function ulOf(p){
    if (p < 0) return treeUl;
    var el = li[p], ul = el.childNodes[1];
    if (!ul) { ul = document.createElement('ul'); el.appendChild(ul); }
    return ul;
  }
  // Builds rows for the first `want` children of `p` (-1: the top level).
  function showKids(p, want){
    var count = kidCount(p), have = p < 0 ? topsShown : shown[p];
    want = Math.min(count, want);
    if (want <= have) return;
    var ul = ulOf(p), last = ul.lastChild;
    if (last && last.className === 'pt-more-row') ul.removeChild(last);
    var frag = document.createDocumentFragment();
    for (var k = have; k < want; k++) frag.appendChild(makeLi(kidAt(p, k)));
    if (want < count) {
      var more = document.createElement('li');
      more.className = 'pt-more-row';
      more.setAttribute('data-p', p);
      more.textContent = 'show ' + Math.min(BATCH, count - want) + ' more (' + (count - want) + ' not shown)';
      frag.appendChild(more);
    }
    ul.appendChild(frag);
    if (p < 0) topsShown = want; else shown[p] = want;
  }
  function expand(i, all){
    if (!kidCount(i) || !li[i]) return;
    open[i] = 1;
    showKids(i, all ? kidCount(i) : BATCH);
    ulOf(i).hidden = false;
    refresh(i);
  }
  function collapse(i){
    if (!open[i]) return;
    open[i] = 0;
    if (li[i] && li[i].childNodes[1]) li[i].childNodes[1].hidden = true;
    refresh(i);
  }
  // Builds and opens the path down to process `i`.
  function reveal(i){
    var chain = [];
    for (var a = i; a >= 0; a = par[a]) chain.push(a);
    chain.reverse();
    showKids(-1, Math.ceil((rank[chain[0]] + 1) / BATCH) * BATCH);
    for (var k = 0; k + 1 < chain.length; k++) {
      var p = chain[k];
      if (!open[p]) expand(p);
      showKids(p, Math.ceil((rank[chain[k + 1]] + 1) / BATCH) * BATCH);
    }
  }

  function setCount(){
    if (!q) countEl.textContent = '';
    else if (!hits.length) countEl.textContent = 'no matches';
    else countEl.textContent = (cur + 1) + ' of ' + hits.length + (hits.length === 1 ? ' match' : ' matches');
  }
  function go(k){
    if (!hits.length) return;
    var old = cur >= 0 ? hits[cur] : -1;
    cur = (k + hits.length) % hits.length;
    var i = hits[cur];
    reveal(i);
    if (old >= 0) refresh(old);
    refresh(i);
    var row = li[i].firstChild, box = scroller.getBoundingClientRect(), r = row.getBoundingClientRect();
    if (r.top < box.top || r.bottom > box.bottom) scroller.scrollTop += r.top - box.top - scroller.clientHeight / 3;
    setCount();
  }
  function search(text){
    var old = hits;
    q = text.trim().toLowerCase();
    hits = []; cur = -1;
    for (var k = 0; k < old.length; k++) hit[old[k]] = 0;
    if (q) {
      // Each distinct name and command line is tested once.
      var nameHit = names.map(function(v){ return v.toLowerCase().indexOf(q) >= 0; });
      var cmdHit = cmds.map(function(v){ return v.toLowerCase().indexOf(q) >= 0; });
      for (var i = 0; i < n; i++) {
        if (nameHit[nameIx[i]] || cmdHit[cmdIx[i]] || pid[i].toLowerCase().indexOf(q) >= 0) { hits.push(i); hit[i] = 1; }
      }
      for (k = 0; k < hits.length && k < REVEAL; k++) reveal(hits[k]);
    }
    for (k = 0; k < old.length; k++) refresh(old[k]);
    for (k = 0; k < hits.length; k++) if (li[hits[k]]) refresh(hits[k]);
    if (hits.length) go(0); else setCount();
  }

  function details(i){
    var lines = [names[nameIx[i]] || '(no name)', 'PID ' + pid[i] + (par[i] >= 0 ? '   parent PID ' + pid[par[i]] : '')];
    var t = timeOf(i);
    if (t) lines.push('Created ' + t);
    if (d.host) { var h = d.host.values[d.host.index[i]]; if (h) lines.push('Host ' + h); }
    if (d.user) { var u = d.user.values[d.user.index[i]]; if (u) lines.push('User ' + u); }
    if (d.colour_value) lines.push(d.colour_column + ': ' + d.colour_value.values[d.colour_value.index[i]]);
    var cmd = cmds[cmdIx[i]];
    if (cmd) lines.push('Command line: ' + cmd);
    if (inferred[i]) lines.push('Inferred: named as a parent by its children, not in the data');
    if (kidCount(i)) lines.push(kidCount(i) + ' children, ' + desc[i] + ' descendants');
    return lines.join('\n');
  }

  treeUl.addEventListener('click', function(ev){
    var more = ev.target.closest('.pt-more-row');
    if (more) {
      var p = +more.getAttribute('data-p');
      showKids(p, (p < 0 ? topsShown : shown[p]) + BATCH);
      return;
    }
    var row = ev.target.closest('.pt-r');
    // A click that ends a text selection (copying a command line) does not toggle.
    if (!row || String(window.getSelection ? window.getSelection() : '')) return;
    var i = +row.parentNode.getAttribute('data-i');
    if (open[i]) collapse(i); else expand(i);
  });
  treeUl.addEventListener('mouseover', function(ev){
    var row = ev.target.closest('.pt-r');
    if (row) tip.show(details(+row.parentNode.getAttribute('data-i')), ev); else tip.hide();
  });
  treeUl.addEventListener('mousemove', function(ev){
    var row = ev.target.closest('.pt-r');
    if (row) tip.show(details(+row.parentNode.getAttribute('data-i')), ev);
  });
  treeUl.addEventListener('mouseleave', function(){ tip.hide(); });
  scroller.addEventListener('scroll', function(){ tip.hide(); });

  var timer = null;
  qBox.addEventListener('input', function(){
    clearTimeout(timer);
    timer = setTimeout(function(){ search(qBox.value); }, 200);
  });
  qBox.addEventListener('keydown', function(ev){
    if (ev.key === 'Enter') {
      ev.preventDefault();
      clearTimeout(timer);
      if (qBox.value.trim().toLowerCase() !== q) search(qBox.value);
      else go(cur + (ev.shiftKey ? -1 : 1));
    } else if (ev.key === 'Escape') { qBox.value = ''; search(''); }
  });
  app.querySelector('.pt-next').addEventListener('click', function(){ go(cur + 1); });
  app.querySelector('.pt-prev').addEventListener('click', function(){ go(cur - 1); });
  app.querySelector('.pt-collapse').addEventListener('click', function(){
    for (var k = 0; k < n; k++) if (open[k]) collapse(k);
  });
  expandBtn.addEventListener('click', function(){
    showKids(-1, tops.length);
    for (var k = 0; k < n; k++) expand(k, true);
  });

  showKids(-1, BATCH);
  for (i = 0; i < n; i++) if (depth[i] <= d.open_depth && li[i]) expand(i);
});
})();
