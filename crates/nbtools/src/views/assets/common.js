(function(){
if (window.huntrsViews) return;
var H = window.huntrsViews = {};
// Sets up every root of `kind` not yet set up: a notebook can show a view many times.
H.init = function(kind, setup){
  var roots = document.querySelectorAll('.huntrs-view[data-huntrs-view="' + kind + '"]:not([data-huntrs-ready])');
  for (var i = 0; i < roots.length; i++) {
    var root = roots[i];
    root.setAttribute('data-huntrs-ready', '1');
    var el = root.querySelector('script.huntrs-data');
    var data = el ? JSON.parse(el.textContent) : null;
    setup(root, data);
  }
};
// One floating tooltip per root.
H.tip = function(root){
  var tip = root.querySelector('.hv-tip');
  if (!tip) { tip = document.createElement('div'); tip.className = 'hv-tip'; root.appendChild(tip); }
  return {
    show: function(text, ev){ tip.textContent = text; tip.style.display = 'block'; tip.style.left = (ev.clientX + 12) + 'px'; tip.style.top = (ev.clientY + 12) + 'px'; },
    hide: function(){ tip.style.display = 'none'; }
  };
};
H.fmtTime = function(ms){
  if (ms === null || ms === undefined) return '';
  return new Date(ms).toISOString().replace('T', ' ').replace('.000Z', 'Z');
};
H.esc = function(text){
  return String(text).replace(/[&<>"']/g, function(c){ return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]; });
};
})();
