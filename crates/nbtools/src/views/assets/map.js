// IP map: tooltips on the circles; zoom with the buttons, Ctrl+wheel or double-click,
// pan by dragging. Circles keep their size on screen while zooming.
(function(){
var H = window.huntrsViews;
H.init('ip-map', function(root, data){
  var svg = root.querySelector('svg.hv-map');
  if (!svg || !data) return;
  var tip = H.tip(root);
  var pts = svg.querySelectorAll('circle.hv-pt');
  // The static <title>s would show a second, native tooltip: keep their text only.
  for (var i = 0; i < pts.length; i++) {
    var t = pts[i].querySelector('title');
    if (t) { pts[i].setAttribute('data-tip', t.textContent); pts[i].removeChild(t); }
  }
  svg.addEventListener('mousemove', function(ev){
    var el = ev.target;
    if (el.getAttribute && el.getAttribute('data-tip') !== null) tip.show(el.getAttribute('data-tip'), ev);
    else tip.hide();
  });
  svg.addEventListener('mouseleave', tip.hide);

  var home = data.viewBox.slice(), vb = home.slice();
  function apply(){
    svg.setAttribute('viewBox', vb.join(' '));
    var k = vb[2] / home[2];
    for (var i = 0; i < pts.length; i++) pts[i].setAttribute('r', pts[i].getAttribute('data-r') * k);
  }
  function toSvg(ev){
    var box = svg.getBoundingClientRect();
    return [vb[0] + (ev.clientX - box.left) / box.width * vb[2], vb[1] + (ev.clientY - box.top) / box.height * vb[3]];
  }
  function zoom(factor, at){
    var w = Math.min(home[2], Math.max(home[2] / 40, vb[2] * factor));
    var f = w / vb[2];
    at = at || [vb[0] + vb[2] / 2, vb[1] + vb[3] / 2];
    vb = [at[0] - (at[0] - vb[0]) * f, at[1] - (at[1] - vb[1]) * f, vb[2] * f, vb[3] * f];
    clamp(); apply();
  }
  function clamp(){
    vb[0] = Math.min(Math.max(vb[0], home[0]), home[0] + home[2] - vb[2]);
    vb[1] = Math.min(Math.max(vb[1], home[1]), home[1] + home[3] - vb[3]);
  }
  svg.addEventListener('wheel', function(ev){
    // Plain wheel scrolls the notebook; Ctrl (or pinch) zooms the map.
    if (!ev.ctrlKey && !ev.metaKey) return;
    ev.preventDefault();
    zoom(ev.deltaY < 0 ? 0.8 : 1.25, toSvg(ev));
  }, {passive: false});
  svg.addEventListener('dblclick', function(ev){ zoom(ev.shiftKey ? 2 : 0.5, toSvg(ev)); });
  var drag = null;
  svg.addEventListener('mousedown', function(ev){ drag = [ev.clientX, ev.clientY, vb[0], vb[1]]; ev.preventDefault(); });
  window.addEventListener('mouseup', function(){ drag = null; });
  window.addEventListener('mousemove', function(ev){
    if (!drag) return;
    var box = svg.getBoundingClientRect();
    vb[0] = drag[2] - (ev.clientX - drag[0]) / box.width * vb[2];
    vb[1] = drag[3] - (ev.clientY - drag[1]) / box.height * vb[3];
    clamp(); apply();
  });
  var bar = document.createElement('div');
  bar.className = 'hv-map-zoom';
  [['+', function(){ zoom(0.5); }], ['\u2212', function(){ zoom(2); }], ['reset', function(){ vb = home.slice(); apply(); }]].forEach(function(b){
    var btn = document.createElement('button');
    btn.type = 'button'; btn.textContent = b[0]; btn.onclick = b[1];
    bar.appendChild(btn);
  });
  svg.parentNode.insertBefore(bar, svg);
});
})();
