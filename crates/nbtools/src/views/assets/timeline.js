(function(){
var H = window.huntrsViews, NS = 'http://www.w3.org/2000/svg';
var S = 1e3, M = 6e4, HR = 36e5, D = 864e5;
// The same steps and labels as the Rust side (time_axis.rs), so a reset redraws the
// static axis exactly.
var STEPS = [1,10,100,500,S,5*S,15*S,30*S,M,5*M,15*M,30*M,HR,3*HR,6*HR,12*HR,D,2*D,7*D,14*D,30*D,365*D];
function ticks(t0, t1, max){
  var span = Math.max(t1 - t0, 1), step = 0;
  for (var i = 0; i < STEPS.length; i++) if (Math.floor(span / STEPS[i]) < max) { step = STEPS[i]; break; }
  if (!step) step = Math.floor(span / max) + 1;
  var out = [];
  for (var t = Math.ceil(t0 / step) * step; t <= t1; t += step) out.push([t, label(t, step)]);
  return out;
}
function label(t, step){
  var iso = new Date(t).toISOString();
  if (step >= D) return iso.slice(0, 10);
  if (step >= M) return iso.slice(5, 10) + ' ' + iso.slice(11, 16);
  if (step >= S) return iso.slice(11, 19);
  return iso.slice(11, 23);
}
function r2(v){ return Math.round(v * 100) / 100; }
H.init('timeline', function(root, data){
  if (!data) return;
  var svg = root.querySelector('svg.tl-svg'), plot = svg.querySelector('svg.tl-plot');
  var axis = svg.querySelector('g.tl-axis');
  // The frame has the plot's exact screen box (a nested svg reports its contents').
  var frame = svg.querySelector('rect.tl-frame');
  var W = +plot.getAttribute('width'), PH = +plot.getAttribute('height');
  var maxTicks = Math.floor(W / 110);
  var full = [data.t0, data.t1], dom = full.slice();
  // Marks are drawn in the data's order: the k-th mark element is mark k.
  var M = data.marks, els = plot.querySelectorAll('g.tl-s > *');
  for (var k = 0; k < els.length; k++) els[k].huntrsMark = k;
  var refs = plot.querySelectorAll('.tl-ref [data-t]');
  var tip = H.tip(root);
  var tools = root.querySelector('.tl-tools');
  if (tools) tools.hidden = false;
  function time(k){ return data.t0 + M.t[k]; }
  function end(k){ return data.t0 + M.t[k] + M.e[k]; }
  // Times relative to t0, and tags, read once: a redraw then only sets attributes.
  var T = new Float64Array(els.length), E = new Float64Array(els.length), round = [];
  for (var k2 = 0; k2 < els.length; k2++) {
    T[k2] = M.t[k2]; E[k2] = M.t[k2] + M.e[k2];
    round.push(els[k2].tagName === 'circle' ? 0 : data.kind === 'duration' ? 1 : 2);
  }
  // Line charts: each polyline's marks in order and its y values, read once.
  var lines = [];
  var polys = plot.querySelectorAll('polyline[data-s]');
  for (var p = 0; p < polys.length; p++) {
    var s = +polys[p].getAttribute('data-s'), idx = [], ys = [];
    for (var j = 0; j < M.s.length; j++) if (M.s[j] === s) idx.push(j);
    var pts = polys[p].getAttribute('points').split(' ');
    for (var q = 0; q < pts.length; q++) ys.push(pts[q].split(',')[1]);
    lines.push({el: polys[p], idx: idx, ys: ys});
  }
  function x(t){ return (t - dom[0]) / (dom[1] - dom[0]) * W; }
  function draw(){
    var scale = W / (dom[1] - dom[0]), shift = (data.t0 - dom[0]) * scale;
    for (var i = 0; i < els.length; i++) {
      var a = r2(T[i] * scale + shift), kind = round[i];
      if (kind === 0) els[i].setAttribute('cx', a);
      else if (kind === 1) {
        els[i].setAttribute('x', a);
        els[i].setAttribute('width', r2(Math.max(3, E[i] * scale + shift - a)));
      } else els[i].setAttribute('x', r2(a - 1.5));
    }
    for (var j = 0; j < lines.length; j++) {
      var ln = lines[j], out = [];
      for (var q = 0; q < ln.idx.length; q++) out.push(r2(x(time(ln.idx[q]))) + ',' + ln.ys[q]);
      ln.el.setAttribute('points', out.join(' '));
    }
    for (var r = 0; r < refs.length; r++) {
      var rx = r2(x(+refs[r].getAttribute('data-t')));
      if (refs[r].tagName === 'line') { refs[r].setAttribute('x1', rx); refs[r].setAttribute('x2', rx); }
      else refs[r].setAttribute('x', r2(rx + 3));
    }
    while (axis.firstChild) axis.removeChild(axis.firstChild);
    var ts = ticks(dom[0], dom[1], maxTicks);
    for (var n = 0; n < ts.length; n++) {
      var tx = r2(x(ts[n][0]));
      var line = document.createElementNS(NS, 'line');
      line.setAttribute('x1', tx); line.setAttribute('x2', tx);
      line.setAttribute('y1', 0); line.setAttribute('y2', PH); line.setAttribute('stroke', '#ddd');
      var text = document.createElementNS(NS, 'text');
      text.setAttribute('x', tx); text.setAttribute('y', PH + 15);
      text.textContent = ts[n][1];
      axis.appendChild(line); axis.appendChild(text);
    }
  }
  function describe(k){
    var name = data.series[M.s[k]].name, n = M.n[k], out = [];
    if (data.kind === 'duration') {
      out.push(name, H.fmtTime(time(k)) + ' \u2192 ' + H.fmtTime(end(k)), n + (n === 1 ? ' event' : ' events'));
      return out.join('\n');
    }
    out.push(H.fmtTime(time(k)), name);
    if (data.kind === 'values') {
      out.push(data.value + ': ' + M.v[k] + (n > 1 ? '  (largest of ' + n + ' here)' : ''));
    } else if (n > 1) {
      out.push(n + ' events up to ' + H.fmtTime(end(k)) + '; the first:');
    }
    for (var c = 0; c < data.cols.length; c++) {
      var col = M.tips[c], v = col.d ? (col.i[k] === null ? null : col.d[col.i[k]]) : col[k];
      if (v !== null && v !== undefined) out.push(data.cols[c] + ': ' + v);
    }
    return out.join('\n');
  }
  var drag = null, pending = false;
  // Wheel and mouse events come faster than frames: draw once per frame.
  function schedule(){
    if (pending) return;
    pending = true;
    requestAnimationFrame(function(){ pending = false; draw(); });
  }
  plot.addEventListener('mousemove', function(ev){
    var k = ev.target.huntrsMark;
    if (drag || k === undefined) { tip.hide(); return; }
    tip.show(describe(k), ev);
  });
  plot.addEventListener('mouseleave', tip.hide);
  svg.addEventListener('wheel', function(ev){
    ev.preventDefault();
    var box = frame.getBoundingClientRect();
    var f = Math.min(1, Math.max(0, (ev.clientX - box.left) / box.width));
    var tc = dom[0] + f * (dom[1] - dom[0]), k = ev.deltaY < 0 ? 0.8 : 1.25;
    var a = tc - (tc - dom[0]) * k, b = tc + (dom[1] - tc) * k;
    // Millisecond resolution at the fine end; a little beyond the data at the other.
    if (b - a < 20 || b - a > 4 * (full[1] - full[0])) return;
    dom = [a, b]; tip.hide(); schedule();
  }, {passive: false});
  svg.addEventListener('mousedown', function(ev){
    if (ev.button !== 0) return;
    ev.preventDefault();
    drag = {x: ev.clientX, d: dom.slice(), w: frame.getBoundingClientRect().width};
    svg.classList.add('tl-drag'); tip.hide();
  });
  window.addEventListener('mousemove', function(ev){
    if (!drag) return;
    var dt = -(ev.clientX - drag.x) / drag.w * (drag.d[1] - drag.d[0]);
    dom = [drag.d[0] + dt, drag.d[1] + dt]; schedule();
  });
  window.addEventListener('mouseup', function(){ drag = null; svg.classList.remove('tl-drag'); });
  function reset(){ dom = full.slice(); draw(); }
  svg.addEventListener('dblclick', reset);
  var button = root.querySelector('.tl-reset');
  if (button) button.addEventListener('click', reset);
});
})();
